"""The harness itself: a real service process seen through a real browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver

from tests.browser.browser import (
    CHROMEDRIVER,
    CHROMIUM,
    BrowserMissing,
    page_status,
    save_screenshot,
    start_browser,
    wait_for_text,
)
from tests.browser.centre import Centre
from tests.browser.tour import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_the_browser_shows_the_health_of_a_served_centre(
    centre: Centre, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(f"{centre.url}/v1/health")
    shown = wait_for_text(browser, '"status"', css="pre")
    assert json.loads(shown.text)["status"] == "ok"
    assert page_status(browser) == 200
    assert browser.execute_script("return [innerWidth, innerHeight]") == [1280, 800]
    picture = save_screenshot(browser, tmp_path / "shots" / "health.png")
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    browser.get(f"{centre.url}/v1/no-such-page")
    wait_for_text(browser, "not_found")
    assert page_status(browser) == 404


@pytest.mark.parametrize("missing", ["chromium", "chromedriver"])
def test_the_harness_refuses_to_start_without_the_browser_or_driver(
    tmp_path: Path, missing: str
) -> None:
    absent = tmp_path / "nowhere" / missing
    paths = {"chromium": CHROMIUM, "chromedriver": CHROMEDRIVER, missing: absent}
    with pytest.raises(BrowserMissing) as refused:
        start_browser(tmp_path / "profile", **paths)
    message = str(refused.value)
    assert str(absent) in message
    assert "Run scripts/setup.sh" in message
    assert not (tmp_path / "profile").exists()


def test_the_tour_photographs_console_pages_under_distinct_names() -> None:
    names = [page.name for page in PAGES]
    assert len(set(names)) == len(names)
    assert all(page.path.startswith("/console/") for page in PAGES)
