"""Status words are spelled once, in shared/statuses.py (issue 15): no other Python module
compares, stores or passes a job, batch, item or catalog status as a string literal, and
no embedded Lua script writes or compares one (the words come in as ARGV)."""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from shared.statuses import BatchStatus, CatalogStatus, ItemStatus, JobStatus

ROOT = Path(__file__).resolve().parents[2]
WORDS = frozenset(m.value for enum in (JobStatus, BatchStatus, ItemStatus, CatalogStatus)
                  for m in enum)
SKIPPED_DIRS = {".venv", ".git", "tests", "node_modules"}
# The one module that spells the words.
SKIPPED_FILES = {"shared/statuses.py"}
# Status-shaped literals that are not these statuses: the readiness answer of /ready is a
# health status ("ready" | "not_ready"), not a catalog's.
NOT_STATUSES = {("backend/routes/health.py", '"ready" if ok else "not_ready"')}
_LUA_STATUS = re.compile(r"(?:==|~=|\band|\bor|'status',)\s*'(%s)'" % "|".join(sorted(WORDS)))


def _names_status(name: str) -> bool:
    return "status" in name.lower()


def _is_status(node: ast.expr) -> bool:
    """Whether an expression reads a status: `status`, `x.status`, `rec["status"]`,
    `view.get("status")`, `batches.status(...)`."""
    if isinstance(node, ast.Name):
        return _names_status(node.id)
    if isinstance(node, ast.Attribute):
        return _names_status(node.attr)
    if isinstance(node, ast.Subscript):
        key = node.slice
        return isinstance(key, ast.Constant) and isinstance(key.value, str) \
            and _names_status(key.value)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else \
            func.attr if isinstance(func, ast.Attribute) else ""
        if name == "get" and node.args:
            key = node.args[0]
            return isinstance(key, ast.Constant) and isinstance(key.value, str) \
                and _names_status(key.value)
        return _names_status(name)
    return False


def _status_words(node: ast.expr | None) -> Iterator[ast.expr]:
    """The literals of status words in an expression: plain, bytes, either branch of a
    conditional, members of a tuple/list/set, of `frozenset({...})` or of `Literal[...]`."""
    if isinstance(node, ast.Constant):
        value = node.value.decode(errors="replace") if isinstance(node.value, bytes) \
            else node.value
        if isinstance(value, str) and value in WORDS:
            yield node
    elif isinstance(node, ast.IfExp):
        yield from _status_words(node.body)
        yield from _status_words(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _status_words(value)
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        for elt in node.elts:
            yield from _status_words(elt)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in {"frozenset", "set", "tuple"} and len(node.args) == 1:
        yield from _status_words(node.args[0])
    elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
            and node.value.id == "Literal":
        yield from _status_words(node.slice)


def _is_status_target(node: ast.expr) -> bool:
    """An assignment target that holds a status or a set of them (`TERMINAL`)."""
    name = node.id if isinstance(node, ast.Name) else \
        node.attr if isinstance(node, ast.Attribute) else None
    if name is not None:
        return _names_status(name) or "terminal" in name.lower()
    return _is_status(node)


def _status_params(trees: list[ast.Module]) -> dict[str, set[int]]:
    """Function name -> the positions (as called) of its parameters named *status*."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    nodes = [node for tree in trees for node in ast.walk(tree)]
    methods = {id(item) for node in nodes if isinstance(node, ast.ClassDef)
               for item in node.body if isinstance(item, functions)}
    found: dict[str, set[int]] = {}
    for fn in nodes:
        if isinstance(fn, functions):
            params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
            params = params[1:] if id(fn) in methods else params  # self / cls
            found.setdefault(fn.name, set()).update(
                i for i, p in enumerate(params) if _names_status(p))
    return found


def _literal_sites(tree: ast.Module, status_params: dict[str, set[int]]) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for a, b in zip(sides, sides[1:]):
                if _is_status(a):
                    yield from _status_words(b)
                if _is_status(b):
                    yield from _status_words(a)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                        and _names_status(key.value):
                    yield from _status_words(value)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_is_status_target(t) for t in targets):
                yield from _status_words(node.value)
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg and _names_status(kw.arg):
                    yield from _status_words(kw.value)
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else ""
            for i in status_params.get(name, ()):
                if i < len(node.args):
                    yield from _status_words(node.args[i])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            positional = args.posonlyargs + args.args
            pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
            pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d]
            for arg, default in pairs:
                if _names_status(arg.arg):
                    yield from _status_words(default)


def sources(root: Path) -> dict[str, str]:
    """The Python files the rule covers, by path relative to `root`."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if SKIPPED_DIRS.isdisjoint(rel.parts) and rel.as_posix() not in SKIPPED_FILES:
            found[rel.as_posix()] = path.read_text(encoding="utf-8")
    return found


def violations(root: Path) -> list[tuple[str, int, str]]:
    """Every status word spelled as a literal outside shared/statuses.py:
    (path, line, source line), in order."""
    files = sources(root)
    trees = {rel: ast.parse(text, rel) for rel, text in files.items()}
    status_params = _status_params(list(trees.values()))
    lines: set[tuple[str, int]] = set()
    for rel, tree in trees.items():
        lines.update((rel, node.lineno) for node in _literal_sites(tree, status_params))
        for node in ast.walk(tree):  # Lua scripts held in Python strings
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and "redis.call" in node.value:
                lines.update((rel, node.lineno + node.value.count("\n", 0, m.start()))
                             for m in _LUA_STATUS.finditer(node.value))
    found = [(rel, n, files[rel].splitlines()[n - 1].strip()) for rel, n in sorted(lines)]
    return [(rel, n, src) for rel, n, src in found
            if not any(rel == path and fragment in src for path, fragment in NOT_STATUSES)]


def test_status_words_are_spelled_only_in_shared_statuses():
    found = violations(ROOT)
    assert not found, "status words spelled outside shared/statuses.py (use its enums):\n" \
        + "\n".join(f"{rel}:{n}: {src}" for rel, n, src in found)


def test_the_scan_sees_every_kind_of_status_literal(tmp_path: Path):
    """The rule itself: each way of spelling a status is caught; stage names, counters and
    enum members are not."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text('''
TERMINAL = ("finished", "failed")
JobStatus = Literal["queued", "llm"]
def answer(job_id, status="queued"): ...
def run(rec, job, view, r, pipe):
    if rec["status"] == "queued": ...
    if job.status in {"canceled"}: ...
    if view.get("status") != b"failed": ...
    pipe.hset("k", mapping={"status": "finished" if job else "llm"})
    answer("id", "in_progress")
    set_state(r, status="indexing")
SCRIPT = """redis.call('HSET', KEYS[1], 'status', ok and 'finished' or 'failed')"""
''')
    (tmp_path / "pkg" / "good.py").write_text('''
from shared.statuses import JobStatus
STAGES = ("embedding", "llm")
def run(rec, stage, counts):
    if stage == "embedding": ...
    counts["failed"] += 1
    rec = {"failed": 0, "status": JobStatus.QUEUED}
SCRIPT = """redis.call('HINCRBY', KEYS[2], 'failed', 1)"""
''')
    found = violations(tmp_path)
    assert {rel for rel, _, _ in found} == {"pkg/bad.py"}, found
    assert [n for _, n, _ in found] == [2, 3, 4, 6, 7, 8, 9, 10, 11, 12], found
