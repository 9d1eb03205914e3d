"""Unit tests see no settings from the environment (the integration suite sets some)."""
import pytest

from shared.settings import Settings


@pytest.fixture(autouse=True)
def clean_settings_env(monkeypatch):
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
