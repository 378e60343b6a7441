"""Documented facts that must not drift from the code."""

from __future__ import annotations

from pathlib import Path

from edge_agent.config import EdgeSettings
from edge_agent.home import HomeLayout
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


def test_every_file_of_the_home_is_in_the_readme_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    layout = HomeLayout(Path("home"))
    entries = [
        getattr(layout, name).relative_to(layout.root).as_posix()
        for name, member in vars(HomeLayout).items()
        if isinstance(member, property)
    ]
    assert len(entries) >= 10
    missing = [entry for entry in entries if f"| `{entry}" not in readme]
    assert not missing, f"README table of the home lacks: {missing}"
