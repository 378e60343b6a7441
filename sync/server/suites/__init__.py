"""Evaluation suites, versioned at the centre.

- ``checking.py``: what the centre checks of a suite folder before it
  publishes it (the device checks the rest when it runs it).
- ``service.py``: :class:`Suites`: publish, list, export, and hand one to a
  device.
- ``requirement.py``: which published suite the release gate asks a report
  to have run.
"""

from __future__ import annotations

from sync.server.suites.checking import CheckedSuite, check_suite
from sync.server.suites.requirement import required_suite, suite_problem
from sync.server.suites.service import Publication, Suites

__all__ = [
    "CheckedSuite",
    "Publication",
    "Suites",
    "check_suite",
    "required_suite",
    "suite_problem",
]
