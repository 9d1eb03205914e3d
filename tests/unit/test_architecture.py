"""Imports follow the architecture: stages meet only through Redis."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("backend", "embedding_worker", "llm_worker")
FORBIDDEN = {
    "shared": {"backend", "embedding_worker", "llm_worker", "torch", "transformers",
               "sentence_transformers", "flask"},
    "backend": {"embedding_worker", "llm_worker", "torch", "transformers",
                "sentence_transformers"},
    "embedding_worker": {"backend", "llm_worker", "transformers.models", "flask"},
    "llm_worker": {"backend", "embedding_worker", "sentence_transformers", "flask"},
    "client": {"backend", "embedding_worker", "llm_worker", "shared", "torch", "flask"},
}
# The one shared module the client may use: the status words of the public contract
# (standard library only, so the client stays as light as before; checked below).
ALLOWED = {"client": {"shared.statuses"}}


def imported_modules(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_boundaries(package):
    bad = {m for m in imported_modules(package) - ALLOWED.get(package, set())
           for f in FORBIDDEN[package] if m == f or m.startswith(f + ".")}
    assert not bad, f"{package} imports {sorted(bad)}"


def test_statuses_module_needs_only_the_standard_library():
    """What the client may import from shared must not pull in redis, rq or pydantic."""
    tree = ast.parse((ROOT / "shared" / "statuses.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= sys.stdlib_module_names | {"__future__"}, imported


def test_backend_process_never_loads_torch():
    code = ("import sys, backend.app; backend.app.create_app(); "
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={"LOG_FORMAT": "text", "PATH": ""}, check=True)
    assert out.stdout.strip() == "[]"
