"""Headless Chromium from Debian's packages, driven through its chromedriver.

Selenium is always handed both paths (``/usr/bin/chromium`` and
``/usr/bin/chromedriver``, from the ``chromium`` and ``chromium-driver``
packages that ``scripts/setup.sh`` installs), so Selenium Manager, which would
look for or download a browser and a driver of its own, never runs.

    driver = start_browser(tmp_path / "profile")
    driver.get(url)
    wait_for_text(driver, "Sign in")
    save_screenshot(driver, out / "sign-in.png")
    driver.quit()
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
"""The browser of Debian's ``chromium`` package."""
CHROMEDRIVER = Path("/usr/bin/chromedriver")
"""The WebDriver of Debian's ``chromium-driver`` package."""
VIEWPORT = (1280, 800)
"""The page area every test and screenshot sees: a depot desktop's window."""
WAIT_SECONDS = 10.0


class BrowserMissing(RuntimeError):
    """Chromium or its WebDriver is not installed where the harness looks."""


class _GivenDriver(Service):
    """chromedriver from the path given, never from ``SE_CHROMEDRIVER``."""

    def env_path(self) -> str | None:
        return None


def start_browser(
    profile: Path,
    *,
    chromium: Path = CHROMIUM,
    chromedriver: Path = CHROMEDRIVER,
    viewport: tuple[int, int] = VIEWPORT,
) -> WebDriver:
    """A headless Chromium with a fresh profile in ``profile``; quit it after use.

    The window and the page area are both ``viewport`` (width, height), so a
    screenshot has exactly that size.

    Raises:
        BrowserMissing: ``chromium`` or ``chromedriver`` is not an executable
            file (the message says to run ``scripts/setup.sh``).
    """
    _require(chromium, "chromium")
    _require(chromedriver, "chromium-driver")
    profile.mkdir(parents=True, exist_ok=True)
    options = Options()
    options.binary_location = str(chromium)
    width, height = viewport
    for argument in (
        "--headless=new",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(argument)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium's sandbox refuses root
    driver = webdriver.Chrome(
        options=options, service=_GivenDriver(executable_path=str(chromedriver))
    )
    with ExitStack() as unless_ready:
        unless_ready.callback(driver.quit)
        _set_viewport(driver, width, height)
        unless_ready.pop_all()
    return driver


def _require(path: Path, package: str) -> None:
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise BrowserMissing(
            f"{path} is missing or not executable: the browser tests drive "
            f"Debian's Chromium (packages chromium and chromium-driver) and never "
            f"download one. Run scripts/setup.sh to install {package}."
        )


def _set_viewport(driver: WebDriver, width: int, height: int) -> None:
    """Make the page area, not the window with its frame, ``width`` x ``height``."""
    metrics = {"width": width, "height": height}
    metrics |= {"deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def wait_for_element(
    driver: WebDriver, css: str, *, timeout: float = WAIT_SECONDS
) -> WebElement:
    """The first element matching ``css`` once it is visible.

    Raises:
        TimeoutException: none became visible within ``timeout``.
    """
    found: WebElement = WebDriverWait(driver, timeout).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)),
        f"no visible {css!r} on {driver.current_url} after {timeout:g} s",
    )
    return found


def wait_for_text(
    driver: WebDriver, text: str, *, css: str = "body", timeout: float = WAIT_SECONDS
) -> WebElement:
    """The element matching ``css`` once its text contains ``text``.

    Raises:
        TimeoutException: the text did not appear within
            ``timeout``; the message quotes what the element showed.
    """
    locator = (By.CSS_SELECTOR, css)
    try:
        WebDriverWait(driver, timeout).until(
            expected_conditions.text_to_be_present_in_element(locator, text)
        )
    except TimeoutException as exc:
        shown = _text_of(driver, css)
        raise TimeoutException(
            f"{text!r} not in {css!r} on {driver.current_url} after {timeout:g} s; "
            f"it shows: {shown!r}"
        ) from exc
    return driver.find_element(*locator)


def _text_of(driver: WebDriver, css: str) -> str:
    elements = driver.find_elements(By.CSS_SELECTOR, css)
    return elements[0].text[:500] if elements else "(no such element)"


def page_status(driver: WebDriver) -> int:
    """The HTTP status of the page the browser last navigated to (0: unknown)."""
    status = driver.execute_script(
        "const [n] = performance.getEntriesByType('navigation');"
        "return n ? n.responseStatus : 0;"
    )
    return int(status or 0)


def save_screenshot(driver: WebDriver, path: Path) -> Path:
    """Write what the page area shows now to ``path`` (PNG); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not driver.save_screenshot(str(path)):
        raise OSError(f"Chromium could not write the screenshot {path}")
    return path
