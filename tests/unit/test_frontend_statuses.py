"""The web UI's status words come from shared/statuses.py, through the committed
frontend/statuses.js (the UI has no build step, so the generated module is checked in)."""
import re
from pathlib import Path

from shared.statuses import BatchStatus, CatalogStatus, ItemStatus, JobStatus, javascript_module

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def test_committed_statuses_module_is_the_generated_one():
    assert (FRONTEND / "statuses.js").read_text() == javascript_module(), (
        "frontend/statuses.js is stale: run `python -m shared.statuses > frontend/statuses.js`")


def test_page_scripts_spell_no_status_word_of_their_own():
    """A status word as a string literal in a page's script could drift from the API's;
    they import the members instead. Words that are also stage or field names (queued,
    embedding, llm, failed) are left out: the UI uses those as names too."""
    shared = {"queued", "embedding", "llm", "failed"}
    words = {str(m) for enum in (JobStatus, BatchStatus, ItemStatus, CatalogStatus)
             for m in enum} - shared
    literal = re.compile(r"""["'`](%s)["'`]""" % "|".join(sorted(words)))
    for path in sorted(FRONTEND.glob("*.js")):
        if path.name == "statuses.js":
            continue
        found = literal.findall(path.read_text())
        assert not found, f"{path.name} spells {sorted(set(found))}: import them from statuses.js"
