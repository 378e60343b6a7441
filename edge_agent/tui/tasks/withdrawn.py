"""The documents the centre withdrew (``withdrawn.json``), read for the chat.

A missing or damaged list reads as empty: it only informs, so the chat goes
on without it.
"""

from __future__ import annotations

from edge_agent.config import EdgeSettings
from edge_agent.depot.withdrawn import Withdrawn, WithdrawnList, withdrawn_message


def withdrawn_list(settings: EdgeSettings) -> WithdrawnList:
    """The device's list of withdrawn documents."""
    layout = settings.layout
    return WithdrawnList(layout.withdrawn_file, layout.withdrawn_set_aside)


def withdrawn_entries(settings: EdgeSettings) -> list[Withdrawn]:
    """Every document withdrawn, to mark the answers that cite one."""
    return withdrawn_list(settings).entries()


def take_withdrawn_notices(settings: EdgeSettings) -> list[str]:
    """The lines an answer says once after a sync withdrew documents, as
    ``edge-agent ask`` does (``"Withdrawn by the centre in KB v5: ..."``);
    none after that."""
    return withdrawn_message(withdrawn_list(settings).take_unshown())
