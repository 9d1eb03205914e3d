#!/usr/bin/env bash
# Starts Redis (if none is reachable), the backend, both workers and the frontend;
# loads the demo catalog and prints the URLs. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && { set -a; source .env; set +a; }

PY=.venv/bin/python
BACKEND_PORT=${BACKEND_PORT:-5000}
FRONTEND_PORT=${FRONTEND_PORT:-8080}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export HF_HUB_OFFLINE=1 LOG_FORMAT=${LOG_FORMAT:-text}
mkdir -p .run
pids=()

stop_all() {
  trap - INT TERM EXIT
  echo; echo "stopping ..."
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  exit 0
}
trap stop_all INT TERM EXIT

start() {  # start NAME CMD...: run in the background, log to .run/NAME.log
  local name=$1; shift
  "$@" >".run/$name.log" 2>&1 &
  pids+=($!)
  echo "started $name (pid $!, log .run/$name.log)"
}

if ! $PY scripts/devtools.py ping-redis "$REDIS_URL"; then
  port=$($PY scripts/devtools.py free-port 6379)
  export REDIS_URL="redis://127.0.0.1:$port/0"
  start redis redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no
  $PY scripts/devtools.py wait-redis "$REDIS_URL"
fi
echo "using Redis at $REDIS_URL"

start backend .venv/bin/gunicorn -c python:backend.gunicorn_conf --bind "0.0.0.0:$BACKEND_PORT" \
  "backend.app:create_app()"
start embedding_worker $PY -m embedding_worker
start llm_worker $PY -m llm_worker
start frontend $PY -m http.server "$FRONTEND_PORT" --bind 0.0.0.0 --directory frontend

$PY scripts/devtools.py load-catalog "http://127.0.0.1:$BACKEND_PORT" demo/laptops.catalog.json
cat <<MSG

NLP2Filters is running (the LLM worker needs ~30 s to load its model):
  frontend  http://localhost:$FRONTEND_PORT   (also catalogs.html, batches.html, operations.html)
  API       http://localhost:$BACKEND_PORT/api/v1/catalogs
  health    http://localhost:$BACKEND_PORT/health   (readiness: /ready, metrics: /metrics)
  API docs  http://localhost:$BACKEND_PORT/docs     (OpenAPI: /openapi.json)
  queues    http://localhost:$BACKEND_PORT/api/v1/queues   (failed jobs: /api/v1/failed)
Try (one round trip: the server waits up to 10 s for the result):
  curl -s -X POST localhost:$BACKEND_PORT/api/v1/queries -H 'Content-Type: application/json' \\
       -d '{"text": "silver Dell ultrabook under \$1200", "catalog": "laptops", "wait": 10}'
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}" || true
echo "a process exited unexpectedly; see .run/*.log"
