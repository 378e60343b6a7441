"""Fixtures of the browser tests: a real service process and a real browser.

    def test_the_sign_in_page_asks_for_a_name(centre, browser):
        browser.get(f"{centre.url}/console/sign-in")
        wait_for_element(browser, "input[name=username]")

``centre`` is ``edge-governance serve`` in a process of its own (a fresh SQLite
database and keys folder under ``tmp_path``; ``centre.run(...)`` runs any
other ``edge-governance`` command against the same storage); ``browser`` is a
headless Chromium with a 1280x800 page area and a fresh profile. Both are
stopped after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver

from tests.browser.browser import start_browser
from tests.browser.centre import Centre, running_centre


@pytest.fixture(autouse=True)
def selenium_manager_trap(tmp_path: Path) -> Iterator[None]:
    """Point Selenium Manager at a stand-in that leaves a mark if it runs, and
    fail the test if it did.

    Why: Selenium Manager downloads a browser and a driver of its own when it
    is not handed both paths; the tests must only ever drive Debian's.
    """
    with _trapped_selenium_manager(tmp_path):
        yield


@contextmanager
def _trapped_selenium_manager(folder: Path) -> Iterator[None]:
    mark = folder / "selenium-manager-ran"
    trap = folder / "selenium-manager"
    trap.write_text(f"#!/bin/sh\ntouch '{mark}'\nexit 1\n")
    trap.chmod(0o755)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_MANAGER_PATH", str(trap))
        yield
    assert not mark.exists(), "Selenium Manager ran: a driver path was not given"


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Centre]:
    """``edge-governance serve`` on a free loopback port with its own storage.

    Why: the console is served by the same command a depot runs; a browser
    test drives that process, not an app object inside the test.
    """
    with running_centre(tmp_path) as served:
        yield served


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """A headless Chromium (1280x800 page area, fresh profile), quit afterwards.

    Why: the console's pages are judged as a supervisor's browser shows them,
    with no cookies or storage carried over from another test.
    """
    driver = start_browser(tmp_path / "chromium-profile")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shared_centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Centre]:
    """One ``edge-governance serve`` process for every test of a module.

    Why: starting the service takes seconds on a busy machine; the tests of a
    module keep apart by using devices and accounts of their own.
    """
    with running_centre(tmp_path_factory.mktemp("centre")) as served:
        yield served


@pytest.fixture(scope="module")
def shared_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One headless Chromium for every test of a module (cookies are cleared
    by the tests that sign in), Selenium Manager trapped as for ``browser``.

    Why: starting Chromium takes seconds on a busy machine.
    """
    folder = tmp_path_factory.mktemp("chromium")
    with _trapped_selenium_manager(folder):
        driver = start_browser(folder / "profile")
        try:
            yield driver
        finally:
            driver.quit()
