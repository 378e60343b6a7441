"""The knowledge page: the KB versions published, the newest documents with
their revisions, the withdrawals, and withdrawing a document or an old
revision after a confirmation that says what devices get; supervisors only,
refusals shown on the page, audited as the command line's."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from sync.protocol import KbDelta
from sync.server.storage import fleet
from sync.server.storage.audit import events
from sync.server.storage.kb_withdrawals import withdrawals
from sync.server.withdrawing import Withdrawer
from tests.sync.server.console.support import form_token, post_form, sign_in
from tests.sync.server.support import Harness
from tests.sync.server.test_kb_check import publish_kb

OLD = "# Pump P-200\n\nE-42: tighten the impeller nut to 400 Nm.\n"
FIXED = "# Pump P-200\n\nE-42: tighten the impeller nut to 40 Nm.\n"
P300 = "# Pump P-300\n"
PAGE = "/console/knowledge"
CONFIRM = "/console/knowledge/withdraw-confirm"
WITHDRAW = "/console/knowledge/withdraw"


def revision(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def newest(centre: Harness) -> tuple[int, set[str]]:
    """The newest KB version and its documents."""
    with centre.services.storage.read() as connection:
        latest = fleet.latest_kb_version(connection)
        stored = fleet.kb_version(connection, latest)
    assert stored is not None
    return latest, set(KbDelta.model_validate_json(stored["snapshot"]).files)


def withdrawn(centre: Harness) -> list[tuple[str, str | None, str]]:
    with centre.services.storage.read() as connection:
        return [(w.document, w.revision, w.reason) for w in withdrawals(connection)]


def row_form(page: str, document: str) -> dict[str, str]:
    """The fields of the withdraw form on ``document``'s row."""
    for form in re.findall(r'<form[^>]*id="withdraw-form-\d+".*?</form>', page, re.S):
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
        if fields.get("document") == document:
            return fields
    raise AssertionError(f"no withdraw form for {document}")


def test_the_page_lists_versions_documents_and_withdrawals(
    centre: Harness, tmp_path: Path
) -> None:
    first = publish_kb(centre, tmp_path, {"manuals/p200.md": OLD, "p300.md": P300}, "a")
    second = publish_kb(
        centre,
        tmp_path,
        {"manuals/p200.md": FIXED, "p300.md": P300, "p400.md": "# P-400\n"},
        "b",
    )
    Withdrawer(
        centre.services.storage, centre.services.keys, clock=centre.clock
    ).withdraw_revision(
        "manuals/p200.md", revision(OLD), reason="torque wrong", actor="office"
    )
    sign_in(centre.http, "sam")

    page = centre.http.get(PAGE)

    assert page.status_code == 200
    assert 'id="nav-knowledge" href="/console/knowledge" aria-current="page"' in (
        page.text
    )
    assert "<title>Knowledge base · Edge governance</title>" in page.text
    assert f"Documents of KB v{second}" in page.text
    rows = dict(re.findall(r'id="version-row-(\d+)">(.*?)</tr>', page.text, re.S))
    assert list(rows) == [str(second), str(first)]
    assert "added p400.md; changed manuals/p200.md" in rows[str(second)]
    assert "first version: 2 documents" in rows[str(first)]
    assert "office" in rows[str(second)] and "<td>3</td>" in rows[str(second)]
    documents = re.findall(
        r'id="document-row-\d+">\s*<td class="wrap">([^<]+)</td>\s*<td><code>(\w+)',
        page.text,
    )
    assert documents == [
        ("manuals/p200.md", revision(FIXED)),
        ("p300.md", revision(P300)),
        ("p400.md", revision("# P-400\n")),
    ]
    (row,) = re.findall(r'id="withdrawal-row-1">(.*?)</tr>', page.text, re.S)
    assert revision(OLD) in row and "torque wrong" in row and "office" in row
    assert f"v{first} brought it" in row


def test_no_kb_published_says_how_to_publish_one(centre: Harness) -> None:
    sign_in(centre.http, "sam")

    page = centre.http.get(PAGE)

    assert page.status_code == 200
    assert (
        "No knowledge base published yet: publish one with "
        "<code>edge-governance kb publish FOLDER</code>" in page.text
    )
    assert 'id="withdrawals-empty"' in page.text
    assert 'id="kb-documents"' not in page.text and "withdraw-form" not in page.text


def test_a_supervisor_withdraws_a_document_after_seeing_what_devices_get(
    centre: Harness, tmp_path: Path
) -> None:
    first = publish_kb(centre, tmp_path, {"manuals/p200.md": OLD, "p300.md": P300}, "a")
    sign_in(centre.http, "sam")
    fields = row_form(centre.http.get(PAGE).text, "manuals/p200.md")
    token = fields.pop("csrf_token")
    fields["reason"] = "pump retired from the fleet"

    asked = post_form(centre.http, CONFIRM, token, **fields)

    assert asked.status_code == 200
    assert (
        f"The centre publishes the next KB version (after v{first}) with the other "
        "1 document and without manuals/p200.md. Devices drop it from search at "
        "their next sync" in asked.text
    )
    assert "held at the centre for review" in asked.text
    assert newest(centre) == (first, {"manuals/p200.md", "p300.md"})  # not yet

    done = post_form(centre.http, WITHDRAW, token, **fields)

    assert done.status_code == 200
    assert f"Published KB v{first + 1} without manuals/p200.md" in done.text
    assert newest(centre) == (first + 1, {"p300.md"})
    assert withdrawn(centre) == [
        ("manuals/p200.md", None, "pump retired from the fleet")
    ]
    with centre.services.storage.read() as connection:
        event = events(connection)[-1]
    assert (event.actor, event.event) == ("supervisor:sam", "kb_document_withdrawn")
    assert event.detail == {
        "document": "manuals/p200.md",
        "version": first + 1,
        "reason": "pump retired from the fleet",
    }
    page = centre.http.get(PAGE).text
    (row,) = re.findall(r'id="withdrawal-row-1">(.*?)</tr>', page, re.S)
    assert "the whole document" in row and "supervisor:sam" in row
    assert f"v{first + 1} published without it" in row
    assert "removed manuals/p200.md" in page


def test_a_supervisor_withdraws_an_old_revision(
    centre: Harness, tmp_path: Path
) -> None:
    first = publish_kb(centre, tmp_path, {"manuals/p200.md": OLD, "p300.md": P300}, "a")
    second = publish_kb(
        centre, tmp_path, {"manuals/p200.md": FIXED, "p300.md": P300}, "b"
    )
    sign_in(centre.http, "sam")
    token = form_token(centre.http.get(PAGE))
    fields = {
        "document": "manuals/p200.md",
        "revision": revision(OLD)[:8].upper(),
        "reason": "torque figure wrong",
    }

    asked = post_form(centre.http, CONFIRM, token, **fields)
    done = post_form(centre.http, WITHDRAW, token, **fields)

    assert f"No new KB version is published: devices keep KB v{second}" in asked.text
    assert f"Revision {revision(OLD)} (first published in KB v{first})" in asked.text
    assert done.status_code == 200 and f"Revision {revision(OLD)}" in done.text
    assert newest(centre)[0] == second
    assert withdrawn(centre) == [
        ("manuals/p200.md", revision(OLD), "torque figure wrong")
    ]
    with centre.services.storage.read() as connection:
        event = events(connection)[-1]
    assert (event.actor, event.event) == ("supervisor:sam", "kb_revision_withdrawn")


@pytest.mark.parametrize(
    ("fields", "status", "said"),
    [
        (
            {"document": "p300.md", "reason": "x"},
            409,
            "p300.md is the only document of the knowledge base",
        ),
        (
            {"document": "manuals/gone.md", "reason": "x"},
            409,
            "holds no document manuals/gone.md",
        ),
        (
            {"document": "p300.md", "revision": revision(P300), "reason": "x"},
            409,
            f"Revision {revision(P300)} is the one of p300.md in use now",
        ),
        (
            {"document": "p300.md", "reason": "  "},
            422,
            "Withdrawing p300.md needs a reason",
        ),
    ],
)
@pytest.mark.parametrize("step", [CONFIRM, WITHDRAW])
def test_a_refused_withdrawal_is_said_on_the_page_and_changes_nothing(
    centre: Harness,
    tmp_path: Path,
    fields: dict[str, str],
    status: int,
    said: str,
    step: str,
) -> None:
    first = publish_kb(centre, tmp_path, {"p300.md": P300}, "a")
    sign_in(centre.http, "sam")
    token = form_token(centre.http.get(PAGE))

    refused = post_form(centre.http, step, token, **fields)

    assert refused.status_code == status
    (alert,) = re.findall(r'id="withdraw-error">(.*?)</p>', refused.text, re.S)
    assert said in alert
    assert 'id="kb-documents"' in refused.text  # the page, to try again
    assert newest(centre) == (first, {"p300.md"}) and withdrawn(centre) == []


def test_document_names_and_reasons_are_shown_as_text(
    centre: Harness, tmp_path: Path
) -> None:
    odd = "<b>bold</b>.md"
    publish_kb(centre, tmp_path, {odd: "# odd\n", "p300.md": P300}, "a")
    sign_in(centre.http, "sam")
    token = form_token(centre.http.get(PAGE))
    script = "<script>alert('withdrawn')</script>"

    asked = post_form(centre.http, CONFIRM, token, document=odd, reason=script)
    post_form(centre.http, WITHDRAW, token, document=odd, reason=script)
    page = centre.http.get(PAGE)

    for shown in (asked.text, page.text):
        assert "&lt;script&gt;alert(&#39;withdrawn&#39;)&lt;/script&gt;" in shown
        assert "&lt;b&gt;bold&lt;/b&gt;.md" in shown
        assert "<script>alert" not in shown and "<b>bold" not in shown
    assert withdrawn(centre) == [(odd, None, script)]


def test_an_auditor_sees_the_page_but_cannot_withdraw(
    centre: Harness, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, {"manuals/p200.md": OLD, "p300.md": P300}, "a")
    unsigned = centre.http.get(PAGE, follow_redirects=False)
    sign_in(centre.http, "ada")
    page = centre.http.get(PAGE)
    token = form_token(page)  # the sign-out form's

    assert unsigned.status_code == 303
    assert unsigned.headers["location"].startswith("/console/sign-in?next=")
    assert page.status_code == 200 and "manuals/p200.md" in page.text
    assert "withdraw-form" not in page.text and 'id="revision-form"' not in page.text
    for step in (CONFIRM, WITHDRAW):
        refused = post_form(
            centre.http, step, token, document="manuals/p200.md", reason="x"
        )
        assert refused.status_code == 403 and "auditor" in refused.text
    assert withdrawn(centre) == []


def test_a_withdrawal_without_the_form_s_token_is_refused(
    centre: Harness, tmp_path: Path
) -> None:
    first = publish_kb(centre, tmp_path, {"manuals/p200.md": OLD, "p300.md": P300}, "a")
    sign_in(centre.http, "sam")

    for token in ("", "forged"):
        refused = post_form(
            centre.http, WITHDRAW, token, document="manuals/p200.md", reason="x"
        )
        assert refused.status_code == 403 and "security token" in refused.text
    assert newest(centre)[0] == first and withdrawn(centre) == []
