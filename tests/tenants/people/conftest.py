from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    """Uploaded files land in a temporary folder, never in the data directory."""
    settings.MEDIA_ROOT = tmp_path
    # A fresh default storage: the tenant storage caches its root when first used.
    settings.STORAGES = {**settings.STORAGES}
    return tmp_path
