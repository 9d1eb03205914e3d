"""Code fingerprints: a change of either stage's sources changes the key results are
cached under, so the backend never serves a result the old code computed."""
from __future__ import annotations

import sys

import fakeredis
import pytest

from shared import fingerprints


@pytest.fixture
def package(tmp_path, monkeypatch):
    root = tmp_path / "toy_stage"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "rules.py").write_text("THRESHOLD = 0.5\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    sys.modules.pop("toy_stage", None)


def test_a_source_change_changes_the_fingerprint(package):
    fingerprint = fingerprints.source_fingerprint.__wrapped__  # uncached: files change here
    before = fingerprint(("toy_stage",))
    assert before == fingerprint(("toy_stage",))
    (package / "rules.py").write_text("THRESHOLD = 0.6\n")
    assert fingerprint(("toy_stage",)) != before
    (package / "rules.py").write_text("THRESHOLD = 0.5\n")
    (package / "extra.py").write_text("")  # a new module counts too
    assert fingerprint(("toy_stage",)) != before


def test_each_stage_publishes_the_code_it_runs():
    r = fakeredis.FakeRedis()
    assert fingerprints.published(r) == {}
    fingerprints.publish(r, "embedding")
    fingerprints.publish(r, "llm")
    got = fingerprints.published(r)
    assert got == {"embedding": fingerprints.stage_fingerprint("embedding"),
                   "llm": fingerprints.stage_fingerprint("llm")}
    assert got["embedding"] != got["llm"]
