"""One settings object from the environment, and `.env.example` documents all of it."""
import re
from pathlib import Path

from shared.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def documented() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text().splitlines()
    out = {}
    for i, line in enumerate(lines):
        if m := re.match(r"^([A-Z_]+)=(.*)$", line):
            assert lines[i - 1].startswith("# "), f"{m.group(1)} has no comment line"
            out[m.group(1)] = m.group(2)
    return out


def test_every_setting_is_in_env_example_with_its_default():
    env = documented()
    defaults = Settings(_env_file=None)
    for name in Settings.model_fields:
        assert name.upper() in env, f"{name.upper()} missing from .env.example"
        assert env[name.upper()] == str(getattr(defaults, name)), name


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6380/2")
    monkeypatch.setenv("RETRIEVAL_TOP_K", "9")
    s = Settings(_env_file=None)
    assert s.redis_url == "redis://elsewhere:6380/2" and s.retrieval_top_k == 9
