"""The console as a supervisor's browser sees it: a real ``edge-governance
serve`` process, Debian's headless Chromium, and devices that enrol and sync
over HTTP (a real device home for the bulk approval).

One service and one browser serve the whole module; each test uses devices
of its own and filters the queue to them, and signs in afresh.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait

from sync.server.publishing import Publisher
from sync.server.storage.audit import events
from tests.browser.browser import (
    WAIT_SECONDS,
    page_status,
    wait_for_element,
    wait_for_text,
)
from tests.browser.centre import Centre
from tests.browser.depot import PASSWORD, Depot, LiveDevice, now
from tests.browser.tour import HELD_ORDERS, SIGN_IN, device, set_scheme, sign_in
from tests.sync.server.drift.field_turns import ask

pytestmark = [pytest.mark.browser, pytest.mark.server]

SUPERVISOR = "sam"
AUDITOR = "ada"
SCRIPT = '<script>window.ranScript = 1; alert("script")</script>'
IMAGE = '<img src="x" onerror="window.ranScript = 1; alert(\'image\')">'


@pytest.fixture(scope="module")
def depot(shared_centre: Centre) -> Iterator[Depot]:
    """The served centre's services in this process, with a supervisor and
    an auditor account.

    Why: accounts and enrolment tokens are made directly on the centre's
    storage, which is quicker than a command per step on a busy machine.
    """
    with Depot.beside(shared_centre) as opened:
        opened.add_person(SUPERVISOR, "supervisor")
        opened.add_person(AUDITOR, "auditor")
        yield opened


@pytest.fixture
def page(shared_browser: WebDriver) -> WebDriver:
    """The module's browser with no cookies and no extra headers.

    Why: each test signs in (or not) for itself.
    """
    shared_browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    shared_browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
    return shared_browser


def signed_in(driver: WebDriver, depot: Depot, username: str) -> WebDriver:
    sign_in(driver, depot.centre.url, username, PASSWORD)
    return driver


def held_by(depot: Depot, device_id: str, count: int) -> LiveDevice:
    """A device that enrolled and pushed ``count`` orders held for review."""
    live = LiveDevice.enrol(depot.centre.url, depot.token(), device_id)
    for _ in range(count):
        live.hold()
    assert live.push().status_code == 200
    assert len(depot.held_keys(device_id)) == count
    return live


def queue_of(driver: WebDriver, depot: Depot, device_id: str) -> None:
    driver.get(f"{depot.centre.url}/console/review?device={device_id}")
    wait_for_element(driver, "#queue-table")


def rows(driver: WebDriver) -> list[str]:
    found = driver.find_elements(By.CSS_SELECTOR, "#queue-table tbody tr")
    return [row.text for row in found]


def states() -> dict[int, str]:
    listed = json.loads(device("actions", "list", "--json"))
    return {action["seq"]: action["state"] for action in listed}


def posted(driver: WebDriver, path: str, fields: dict[str, str]) -> tuple[int, str]:
    """POST a form from the page (its cookies go with it): status and text."""
    script = """
        const [path, fields, done] = arguments;
        fetch(path, {method: "POST", body: new URLSearchParams(fields),
                     credentials: "same-origin", redirect: "manual"})
          .then(r => r.text().then(t => done([r.status, t])))
          .catch(e => done([0, String(e)]));
    """
    status, text = driver.execute_async_script(script, path, fields)
    return int(status), str(text)


def test_a_supervisor_filters_and_approves_two_orders_the_device_then_sees_applied(
    depot: Depot, page: WebDriver
) -> None:
    url = depot.centre.url
    held_by(depot, "dev-browser-other", 1)
    device("demo", "--no-start")
    enrolled = device("enroll", "--server", url, "--token", depot.token(None))
    found = re.search(r"Enrolled as device (\S+) with", enrolled)
    assert found, enrolled
    device_id = found.group(1)
    for order in HELD_ORDERS:
        device("actions", "create", "order_part", "--args", order, "--yes")
    device("sync", "--server", url)
    assert states() == {1: "quarantined", 2: "quarantined", 3: "quarantined"}

    signed_in(page, depot, SUPERVISOR)
    page.get(f"{url}/console/review")
    wait_for_element(page, "#filter-device").send_keys(device_id)
    page.find_element(By.ID, "filter-apply").click()
    WebDriverWait(page, WAIT_SECONDS).until(
        lambda seen: f"device={device_id}" in seen.current_url and len(rows(seen)) == 3,
        "the filter did not narrow the queue to the device's three orders",
    )
    assert not any("dev-browser-other" in row for row in rows(page))
    page.find_element(By.ID, "select-1").click()
    page.find_element(By.ID, "select-2").click()
    page.find_element(By.ID, "verdict-reason").send_keys("urgent job")
    page.find_element(By.ID, "approve").click()

    wait_for_text(page, "Approve 2 actions?", css="h1")
    confirmed = page.find_elements(By.CSS_SELECTOR, "#confirm-table tbody tr")
    assert len(confirmed) == 2
    assert len(depot.held_keys(device_id)) == 3  # nothing done before confirming
    page.find_element(By.ID, "confirm-decision").click()
    wait_for_text(page, "Approved 2; 0 skipped", css="#done-summary")

    device("sync", "--server", url)
    assert states() == {1: "applied", 2: "applied", 3: "quarantined"}
    with depot.services.storage.read() as connection:
        approved = [e for e in events(connection) if e.event == "review_approved"]
    assert {e.actor for e in approved} == {f"supervisor:{SUPERVISOR}"}
    assert len(approved) == 2


def test_the_filtered_queue_is_a_url_that_can_be_bookmarked(
    depot: Depot, page: WebDriver
) -> None:
    held_by(depot, "dev-browser-bookmark", 2)
    signed_in(page, depot, SUPERVISOR)
    bookmark = f"{depot.centre.url}/console/review?device=dev-browser-bookmark"
    page.get(bookmark)
    wait_for_element(page, "#queue-table")
    assert len(rows(page)) == 2
    assert page.find_element(By.ID, "filter-device").get_attribute("value") == (
        "dev-browser-bookmark"
    )


def test_an_auditor_finds_no_forms_and_a_post_with_their_session_is_refused(
    depot: Depot, page: WebDriver
) -> None:
    live = held_by(depot, "dev-browser-audit", 1)
    (key,) = depot.held_keys(live.device_id)
    signed_in(page, depot, AUDITOR)
    queue_of(page, depot, live.device_id)
    assert len(rows(page)) == 1
    assert page.find_elements(By.CSS_SELECTOR, "main form[method=post]") == []
    assert page.find_elements(By.CSS_SELECTOR, "main input[type=checkbox]") == []
    page.find_element(By.ID, "action-1").click()
    wait_for_element(page, "#payload")
    assert page.find_elements(By.CSS_SELECTOR, "main form") == []
    assert page.find_elements(By.CSS_SELECTOR, "#approve, #reject") == []

    token = page.find_element(By.CSS_SELECTOR, "#sign-out-form [name=csrf_token]")
    status, text = posted(
        page,
        "/console/review/decide",
        {
            "csrf_token": str(token.get_attribute("value")),
            "verdict": "approve",
            "target": f"{live.device_id}/{key}",
        },
    )

    assert status == 403 and "auditor" in text
    assert depot.held_keys(live.device_id) == [key]


def test_a_form_posted_without_its_csrf_token_is_refused(
    depot: Depot, page: WebDriver
) -> None:
    live = held_by(depot, "dev-browser-csrf", 1)
    signed_in(page, depot, SUPERVISOR)
    queue_of(page, depot, live.device_id)
    page.execute_script(
        "document.querySelector('#decide-form [name=csrf_token]').remove()"
    )
    page.find_element(By.ID, "select-1").click()
    page.find_element(By.ID, "approve").click()

    message = wait_for_element(page, "#error-message")
    assert page_status(page) == 403
    assert "security token" in message.text
    assert len(depot.held_keys(live.device_id)) == 1


def test_a_device_s_signed_headers_do_not_open_the_console(
    depot: Depot, page: WebDriver
) -> None:
    live = held_by(depot, "dev-browser-signed", 1)
    headers = live.signed("GET", "/console/review")
    page.execute_cdp_cmd("Network.enable", {})
    page.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": headers})

    page.get(f"{depot.centre.url}/console/review")

    wait_for_element(page, "#sign-in-form")
    assert SIGN_IN in page.current_url
    assert page.find_elements(By.ID, "queue-table") == []
    direct = httpx.get(
        f"{depot.centre.url}/console/review",
        headers=live.signed("GET", "/console/review"),
    )
    assert direct.status_code == 303
    assert direct.headers["location"].startswith(SIGN_IN)


def test_html_and_script_from_a_device_show_as_text_and_run_nothing(
    depot: Depot, page: WebDriver
) -> None:
    live = LiveDevice.enrol(depot.centre.url, depot.token(), "dev-browser-xss")
    live.hold(
        reasons=(IMAGE,),
        evidence={
            "ocr_text": SCRIPT,
            "cited_chunks": [{"chunk_id": "c-1", "text": IMAGE}],
            "codes": [{"code": "<b>E-42</b>", "confidence": 0.93}],
        },
    )
    assert live.push().status_code == 200
    signed_in(page, depot, SUPERVISOR)
    queue_of(page, depot, live.device_id)
    page.find_element(By.ID, "action-1").click()
    evidence = wait_for_element(page, "#evidence")

    assert SCRIPT in evidence.text and IMAGE in evidence.text
    assert "<b>E-42</b>" in evidence.text
    assert IMAGE in page.find_element(By.ID, "decisions").text
    assert page.find_elements(By.CSS_SELECTOR, "main script, main img, main b") == []
    assert page.execute_script("return window.ranScript") is None
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text  # noqa: B018 (reading it is the check)


def test_a_question_with_html_shows_as_text_in_the_turns_and_runs_nothing(
    depot: Depot, page: WebDriver
) -> None:
    live = LiveDevice.enrol(depot.centre.url, depot.token(), "dev-browser-ask")
    question = f"why E-42 {SCRIPT} {IMAGE}"
    turn = ask("0" * 31 + "1", datetime.now(UTC), question, "retrieval")
    assert live.push_turn(turn).status_code == 200
    signed_in(page, depot, SUPERVISOR)
    page.get(f"{depot.centre.url}/console/turns?device={live.device_id}")
    listed = wait_for_element(page, "#turns-table")
    assert question in listed.text
    page.get(
        f"{depot.centre.url}/console/turns/{turn['trace_id']}?device={live.device_id}"
    )

    assert question in wait_for_element(page, "#turn-question").text
    assert page.find_elements(By.CSS_SELECTOR, "main script, main img") == []
    assert page.execute_script("return window.ranScript") is None
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text  # noqa: B018 (reading it is the check)


def test_sign_out_ends_the_session(depot: Depot, page: WebDriver) -> None:
    url = depot.centre.url
    signed_in(page, depot, SUPERVISOR)
    cookie = page.get_cookie("edge_console")
    assert cookie is not None and cookie["httpOnly"]
    page.get(f"{url}/console/review")

    page.find_element(By.ID, "sign-out").click()

    wait_for_element(page, "#sign-in-form")
    page.get(f"{url}/console/review")
    wait_for_element(page, "#sign-in-form")
    assert SIGN_IN in page.current_url
    again = httpx.get(
        f"{url}/console/review", cookies={"edge_console": cookie["value"]}
    )
    assert again.status_code == 303


def test_the_keyboard_alone_reaches_and_uses_the_queue_s_actions(
    depot: Depot, page: WebDriver
) -> None:
    live = held_by(depot, "dev-browser-keys", 2)
    signed_in(page, depot, SUPERVISOR)
    queue_of(page, depot, live.device_id)
    page.execute_script("document.activeElement.blur()")
    keys = ActionChains(page)
    reached: list[str] = []
    for _ in range(40):
        keys.send_keys(Keys.TAB).perform()
        focused = page.execute_script("return document.activeElement.id")
        reached.append(focused)
        if focused == "select-1":
            keys.send_keys(Keys.SPACE).perform()
        if focused == "approve":
            break

    expected = ["filter-device", "filter-apply", "select-1", "action-1", "select-2"]
    expected += ["verdict-reason", "approve"]
    assert [r for r in reached if r in expected] == expected
    assert page.find_element(By.ID, "select-1").is_selected()
    assert not page.find_element(By.ID, "select-2").is_selected()
    keys.send_keys(Keys.ENTER).perform()
    wait_for_text(page, "Approve 1 action?", css="h1")
    assert tab_to(page, "confirm-decision")
    keys.send_keys(Keys.ENTER).perform()
    wait_for_text(page, "Approved 1; 0 skipped", css="#done-summary")
    assert len(depot.held_keys(live.device_id)) == 1


def tab_to(driver: WebDriver, wanted: str, most: int = 20) -> bool:
    """Press Tab until the element ``wanted`` has the focus."""
    for _ in range(most):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.execute_script("return document.activeElement.id") == wanted:
            return True
    return False


def test_the_tour_s_dark_scheme_darkens_the_pages(
    depot: Depot, page: WebDriver
) -> None:
    background = "return getComputedStyle(document.body).backgroundColor"
    page.get(f"{depot.centre.url}{SIGN_IN}")
    wait_for_element(page, "#sign-in-form")
    try:
        set_scheme(page, "dark")
        dark = page.execute_script(background)
    finally:
        set_scheme(page, "light")
    assert (dark, page.execute_script(background)) == (
        "rgb(13, 17, 23)",
        "rgb(255, 255, 255)",
    )


def test_a_supervisor_withdraws_a_document_and_its_reason_shows_as_text(
    depot: Depot, page: WebDriver, tmp_path: Path
) -> None:
    folder = tmp_path / "kb"
    (folder / "manuals").mkdir(parents=True)
    (folder / "manuals" / "p200.md").write_text("# Pump P-200\n")
    (folder / "manuals" / "p300.md").write_text("# Pump P-300\n")
    published = Publisher(depot.services.storage, depot.services.keys, clock=now)
    version = published.publish_kb(folder, actor="test").version
    signed_in(page, depot, SUPERVISOR)
    page.get(f"{depot.centre.url}/console/knowledge")
    wait_for_element(page, "#kb-documents")

    page.find_element(By.ID, "withdraw-reason-1").send_keys(SCRIPT)
    page.find_element(By.ID, "withdraw-1").click()
    wait_for_text(page, "Withdraw manuals/p200.md from the knowledge base?", css="h1")
    assert SCRIPT in page.find_element(By.ID, "confirm-reason").text
    page.find_element(By.ID, "confirm-withdraw").click()
    wait_for_text(
        page,
        f"Published KB v{version + 1} without manuals/p200.md",
        css="#done-summary",
    )
    page.find_element(By.ID, "done-back").click()

    row = wait_for_element(page, "#kb-withdrawals tbody tr")
    assert SCRIPT in row.text and f"supervisor:{SUPERVISOR}" in row.text
    assert page.find_elements(By.CSS_SELECTOR, "main script") == []
    assert page.execute_script("return window.ranScript") is None
