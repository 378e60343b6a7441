"""Screenshots of the supervisor's console at 1280x800, from a centre with
demo data in it.

    python -m tests.browser.tour [OUT_DIR]    # scripts/console_tour.sh runs it

A fresh centre (``edge-governance serve`` on loopback, its storage in a
temporary folder) publishes the default policy; a demo device enrols, orders
parts the policy holds for a supervisor, answers a few questions and syncs,
and three more devices of other technicians send orders held for review with
their evidence (codes read from a photo, cited chunks), so the review queue,
the fleet and the journal of turns have something in them. A supervisor
account is made, the browser signs in through the form at
``/console/sign-in``, and each page of ``PAGES`` is written twice, as
``OUT_DIR/light/NAME.png`` and ``OUT_DIR/dark/NAME.png`` (the browser's
``prefers-color-scheme`` emulated through the DevTools protocol; default
``OUT_DIR``: ``console-screenshots/``). Nothing of the caller's own device or
centre is read or written.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import click
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from edge_agent.__main__ import main as edge_agent
from policies.defaults import SOURCE_DIR
from tests.browser.browser import (
    WAIT_SECONDS,
    page_status,
    save_screenshot,
    start_browser,
    wait_for_element,
)
from tests.browser.centre import Centre, running_centre
from tests.browser.depot import LiveDevice
from tests.sync.server.gate_support import vouch_at


@dataclass(frozen=True, slots=True)
class Page:
    """One console page to photograph."""

    name: str
    """The screenshot's file name, without ``.png``."""
    path: str
    """Its address on the centre, e.g. ``/console/review?device={device}``:
    ``{device}`` is the demo device's id, ``{action}`` the key of its oldest
    order held for review, ``{turn}`` the trace id of its first question,
    ``{release}`` the release's name, ``{report}`` the number of the
    evaluation report that let it through."""
    ready: str = "body"
    """A CSS selector that is visible once the page has shown what it is for."""
    signed_in: bool = True
    """Whether it is shown to a signed-in supervisor (else before signing in)."""


PAGES: tuple[Page, ...] = (
    Page("sign-in", "/console/sign-in", "input[name=username]", signed_in=False),
    Page("review", "/console/review", "#queue-table"),
    Page("review-filtered", "/console/review?device={device}", "#queue-table"),
    Page("review-action", "/console/review/{action}?device={device}", "#payload"),
    Page("fleet", "/console/fleet", "#fleet-table"),
    Page("device", "/console/devices/{device}", "#device-facts"),
    Page("kill-switches", "/console/kill-switches", "#switches-table"),
    Page("turns", "/console/turns", "#turns-table"),
    Page("decisions", "/console/decisions", "#decisions-table"),
    Page("turn", "/console/turns/{turn}?device={device}", "#turn-timeline"),
    Page("report", "/console/report", "#report-period"),
    Page("releases", "/console/releases", "#create-form"),
    Page("release", "/console/releases/{release}", "#release-facts"),
    Page("evaluations", "/console/evaluations", "#reports-table"),
    Page("evaluation", "/console/evaluations/{report}", "#evaluation-checks"),
    Page("knowledge", "/console/knowledge", "#kb-documents"),
    Page("drift", "/console/drift", "#drift-title"),
)
"""The pages photographed, in order; the file names must differ."""

SCHEMES = ("light", "dark")
"""The colour schemes each page is photographed in, one folder each."""
SIGN_IN = "/console/sign-in"
SUPERVISOR = ("sam", "tour-password-2026")
"""The supervisor account the tour makes and signs in with (name, password)."""
HELD_ORDERS = (
    '{"part_number": "4471-A20-339", "quantity": 2, "job_id": "J-1001"}',
    '{"part_number": "4471-G10-131", "quantity": 12, "job_id": "J-1002"}',
    '{"part_number": "4471-G10-131", "quantity": 20, "job_id": "J-1001"}',
)
"""Orders the default policy holds for a supervisor (over 250, or over 10)."""
PLAIN_ORDER = '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}'
QUESTIONS = ("what does E-42 mean", "C-191", "how do I prime the pump")
FIELD = (
    ("van-07", "bo", 2),
    ("van-12", "cy", 3),
    ("bench-02", "di", 1),
)
"""Other devices: (id, technician, orders held for review)."""
EVIDENCE = {
    "ocr_codes": [
        {"code": "E-42", "confidence": 0.97, "box": [112, 40, 188, 66]},
        {"code": "4471-G10-131", "confidence": 0.88, "box": [96, 210, 312, 238]},
    ],
    "cited_chunks": [
        {
            "chunk_id": "pump-p200#faults",
            "text": "E-42 means the inlet pressure is low; replace the gasket set.",
        }
    ],
}
"""What the other devices' orders carry: codes read from a photo, a cited
chunk of the manual."""
MANUAL = "# Pump P-200\n\n## Faults\n\nE-42 means the inlet pressure is low.\n"
RELEASE = "2026.12-pump"
MODEL_SHA256 = "5e" * 32
"""The released model's SHA-256 (the tour's release names a model it does not
ship; a passing evaluation report for exactly it is stored first)."""


class TourFailed(RuntimeError):
    """A step of the tour did not do what it should (the message says which)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tour; 0 when every screenshot was written, 1 otherwise."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0] if args else "console-screenshots")
    try:
        written = tour(out)
    except TourFailed as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    for picture in written:
        click.echo(picture)
    return 0


def tour(out: Path) -> list[Path]:
    """Seed a fresh centre, sign in, and photograph each page into ``out``."""
    with tempfile.TemporaryDirectory(prefix="console-tour-") as folder:
        root = Path(folder)
        _isolate(root)
        with running_centre(root) as centre:
            places = seed_demo_data(centre)
            driver = start_browser(root / "chromium-profile")
            try:
                return photograph(driver, centre, out, places)
            finally:
                driver.quit()


def _isolate(root: Path) -> None:
    """Keep the demo device's home and every user folder inside ``root``."""
    for name in list(os.environ):
        if name.startswith(("EDGE_AGENT_", "EDGE_GOVERNANCE_")):
            del os.environ[name]
    os.environ["EDGE_AGENT_HOME"] = str(root / "device")
    os.environ["XDG_DATA_HOME"] = str(root / "user-data")
    os.environ["XDG_CONFIG_HOME"] = str(root / "user-config")


def seed_demo_data(centre: Centre) -> dict[str, str]:
    """A device enrols, works, and syncs (held orders, an applied one,
    turns); the devices of :data:`FIELD` send orders held with evidence.

    Returns:
        What a page's path may name (see :attr:`Page.path`).
    """
    governance(centre, "policy", "publish", str(SOURCE_DIR))
    manuals = centre.data_dir.parent / "manuals"
    manuals.mkdir(exist_ok=True)
    (manuals / "pump-p200.md").write_text(MANUAL)
    governance(centre, "kb", "publish", str(manuals))
    device("demo", "--no-start")
    enrolled = device("enroll", "--server", centre.url, "--token", _token(centre))
    found = re.search(r"Enrolled as device (\S+) with", enrolled)
    if found is None:
        raise TourFailed(f"edge-agent enroll did not name the device: {enrolled}")
    for order in (*HELD_ORDERS, PLAIN_ORDER):
        device("actions", "create", "order_part", "--args", order, "--yes")
    for question in QUESTIONS:
        device("ask", "--no-model", question)
    device("sync", "--server", centre.url)
    for number, (device_id, technician, orders) in enumerate(FIELD):
        _field_device(centre, device_id, technician, orders, number)
    held = json.loads(governance(centre, "review", "list", "--json"))
    expected = len(HELD_ORDERS) + sum(orders for *_, orders in FIELD)
    if len(held) != expected:
        raise TourFailed(f"{len(held)} action(s) held for review, not {expected}")
    demo = found.group(1)
    oldest = next(item for item in held if item["device_id"] == demo)
    report = vouch_at(centre.database_url, model_sha256=MODEL_SHA256)
    stop = ("--reason", "Customer contact paused during the billing migration")
    governance(centre, "kill-switch", "on", "--tool", "contact_customer", *stop)
    release = ("--name", RELEASE, "--model-name", "pump-expert.gguf")
    governance(centre, "release", "create", *release, "--model-sha256", MODEL_SHA256)
    turns = json.loads(governance(centre, "turns", "list", "--json"))
    asked = [t for t in turns if t["device_id"] == demo and t["name"] == "ask"]
    if not asked:
        raise TourFailed("the centre has no question from the demo device")
    return {
        "device": demo,
        "action": oldest["key"],
        "turn": asked[-1]["trace_id"],
        "release": RELEASE,
        "report": str(report),
    }


def _token(centre: Centre, *technician: str) -> str:
    option = ["--technician", *technician] if technician else []
    printed = governance(centre, "device", "enroll-token", *option)
    token = re.search(r"[A-Za-z0-9_\-]{20,}", printed)
    if token is None:
        raise TourFailed("edge-governance device enroll-token printed no token")
    return token.group()


def _field_device(
    centre: Centre, device_id: str, technician: str, orders: int, number: int
) -> None:
    """A device of ``technician`` sends ``orders`` orders held for review,
    each with the codes a photo read and the manual's chunks it cited."""
    token = _token(centre, technician)
    live = LiveDevice.enrol(centre.url, token, device_id, technician)
    for order in range(orders):
        quantity = 12 + 7 * order + 5 * number
        args = {"part_number": "4471-G10-131", "quantity": quantity, "unit_price": 9.8}
        live.hold({**args, "job_id": f"J-20{number}{order}"}, evidence=EVIDENCE)
    reply = live.push()
    if reply.status_code != 200:
        raise TourFailed(
            f"{device_id} could not push: {reply.status_code} {reply.text}"
        )


def governance(centre: Centre, *args: str, stdin: str | None = None) -> str:
    """``edge-governance args`` against ``centre``; its output, or TourFailed."""
    done = centre.run("--as", "tour", *args, stdin=stdin)
    if done.returncode != 0:
        raise TourFailed(
            f"edge-governance {' '.join(args)} exited with {done.returncode}: "
            f"{done.stderr.strip() or done.stdout.strip()}"
        )
    return done.stdout


def device(*args: str) -> str:
    """``edge-agent args`` on the demo device; its output, or TourFailed."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = edge_agent(list(args))
    if code != 0:
        raise TourFailed(
            f"edge-agent {' '.join(args)} exited with {code}: "
            f"{err.getvalue().strip() or out.getvalue().strip()}"
        )
    return out.getvalue()


def add_supervisor(centre: Centre, name: str, password: str) -> None:
    """Make the supervisor account the browser signs in with."""
    governance(
        centre, "user", "add", name, "--role", "supervisor", "--password-stdin",
        stdin=f"{password}\n",
    )  # fmt: skip


def photograph(
    driver: WebDriver, centre: Centre, out: Path, places: dict[str, str]
) -> list[Path]:
    """Each page of PAGES as ``out/SCHEME/NAME.png`` for each of
    :data:`SCHEMES`, signing in before the first page that needs it."""
    written: list[Path] = []
    signed_in = False
    for page in PAGES:
        if page.signed_in and not signed_in:
            add_supervisor(centre, *SUPERVISOR)
            sign_in(driver, centre.url, *SUPERVISOR)
            signed_in = True
        for scheme in SCHEMES:
            set_scheme(driver, scheme)
            _open(driver, centre.url + page.path.format(**places), page)
            written.append(save_screenshot(driver, out / scheme / f"{page.name}.png"))
    set_scheme(driver, "light")
    return written


def _open(driver: WebDriver, url: str, page: Page) -> None:
    driver.get(url)
    status = page_status(driver)
    if status != 200:
        raise TourFailed(f"{url} answered {status}, not 200: {_shown(driver)!r}")
    try:
        wait_for_element(driver, page.ready)
    except TimeoutException as exc:
        raise TourFailed(exc.msg or f"{url} never showed {page.ready}") from exc


def set_scheme(driver: WebDriver, scheme: str) -> None:
    """Have the pages see ``prefers-color-scheme: scheme`` (light or dark)."""
    feature = {"name": "prefers-color-scheme", "value": scheme}
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [feature]})


def sign_in(driver: WebDriver, url: str, name: str, password: str) -> None:
    """Fill in and send the sign-in form; wait until it has led elsewhere."""
    driver.get(url + SIGN_IN)
    wait_for_element(driver, "input[name=username]").send_keys(name)
    driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda seen: SIGN_IN not in seen.current_url,
        f"still on the sign-in page after {WAIT_SECONDS:g} s: {_shown(driver)!r}",
    )


def _shown(driver: WebDriver) -> str:
    """The start of the page's text ("" while a page is being loaded)."""
    try:
        return str(driver.find_element(By.TAG_NAME, "body").text)[:300]
    except WebDriverException:  # between two pages
        return ""


if __name__ == "__main__":
    sys.exit(main())
