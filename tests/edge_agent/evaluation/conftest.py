"""Fixtures for the evaluation: the demo suite, a device, a candidate on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.config import EdgeSettings, load_settings
from edge_agent.evaluation import (
    CandidateSpec,
    PreparedCandidate,
    Suite,
    demo_suite_path,
    load_suite,
    prepare_candidate,
)


@pytest.fixture
def demo_suite() -> Suite:
    """The suite shipped for the demo fleet."""
    return load_suite(demo_suite_path())


@pytest.fixture
def device(isolated_home: Path) -> EdgeSettings:
    """The evaluating device's settings, on the test's own home.

    Why: the candidate is installed beside it and must never touch it.
    """
    return load_settings(home=isolated_home)


@pytest.fixture
def candidate(
    tmp_path: Path, device: EdgeSettings, demo_suite: Suite
) -> PreparedCandidate:
    """The demo fleet, the shipped policy and no model, on a throw-away home.

    Why no model: these tests are about the cases and their scoring; the
    model's own test is marked ``llm``.
    """
    return prepare_candidate(
        CandidateSpec(no_model=True),
        device,
        tmp_path / "candidate",
        jobs=demo_suite.jobs,
    )
