"""Documented facts that must not drift from the code."""

from __future__ import annotations

from edge_agent.config import EdgeSettings
from tests.conftest import REPO_ROOT


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        name for name in EdgeSettings.model_fields if f"| `{name}` |" not in readme
    ]
    assert not missing, f"README settings table lacks: {missing}"


def test_every_package_has_a_docs_page() -> None:
    for package in ("policies", "knowledge_cache", "sync", "edge_agent"):
        assert (REPO_ROOT / "docs" / f"{package}.md").exists(), package
