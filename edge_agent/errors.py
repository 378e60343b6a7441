"""Errors raised by the edge app, all in one tree.

EdgeAgentError                 anything the app reports to the technician
├── ConfigError                settings or the home directory are unusable (exit 2)
├── ModelUnavailable           the local model file is missing or unreadable
│   └── ModelNotReleased       the file is not in the depot's release (llm)
├── JobsUnreadable             the cached job list is damaged (jobs)
├── ProposalError              a tool call that cannot be proposed (act.proposals)
├── ConfirmationNeeded         the policy asks for the technician's confirmation
│   └── InteractiveConfirmationNeeded
│                              ... given at a prompt, which --yes cannot (exit 4)
├── ConfirmationMismatch       a confirmation for another payload or policy
├── IdentityMismatch           the centre's id for the device differs from the
│                              outbox's (depot.enrolment)
├── PolicyStateDamaged         the policy folder's state cannot be read; the
│                              device turns read-only (policy_store)
├── LocalDamage                a file the device keeps is damaged or gone; nothing
│   │                          was overwritten; the message says how to restore
│   │                          it (exit 5)
│   ├── OutboxLost             the outbox the device made is missing, empty,
│   │                          damaged, another one or an older copy
│   │                          (device_outbox)
│   ├── KnowledgeDamaged       knowledge.db is damaged (knowledge)
│   └── CentreKeysDamaged      centre-keys.json is damaged; the device turns
│                              read-only, sync stops (policy_store)
├── HistoryUnavailable         the chat's kept conversations cannot be read or
│                              written; the chat goes on in memory (conversations)
├── SuiteInvalid               an evaluation suite cannot be used: names the file
│                              and the case (evaluation, exit 6)
├── CandidateInvalid           a candidate release cannot be evaluated: its KB,
│                              policy bundle or model (evaluation, exit 7)
├── BaselineInvalid            a baseline report to compare with cannot be read
│                              (evaluation, a usage error: exit 2)
└── OcrError                   reading a photo failed (ocr)
    ├── OcrUnavailable         the chosen engine is not installed (says how to install)
    ├── ImageUnreadable        this photo cannot be used: missing, empty, truncated,
    │                          not an image, an unsupported format or too large
    └── CorrectionInvalid      a code typed by hand is not recognisable as a code
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BaselineInvalid",
    "ConfigError",
    "ConfirmationMismatch",
    "CandidateInvalid",
    "CentreKeysDamaged",
    "ConfirmationNeeded",
    "CorrectionInvalid",
    "EdgeAgentError",
    "HistoryUnavailable",
    "IdentityMismatch",
    "ImageUnreadable",
    "InteractiveConfirmationNeeded",
    "JobsUnreadable",
    "KnowledgeDamaged",
    "LocalDamage",
    "ModelNotReleased",
    "ModelUnavailable",
    "OcrError",
    "OcrUnavailable",
    "OutboxLost",
    "PolicyStateDamaged",
    "ProposalError",
    "SuiteInvalid",
]


class EdgeAgentError(Exception):
    """Base class: a plain-language ``message`` and an optional ``title``."""

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.title = title


class ConfigError(EdgeAgentError):
    """The configuration (file, environment or flags) cannot be used."""


class ModelUnavailable(EdgeAgentError):
    """The local model cannot be found or read; lookups still work without it."""


class ModelNotReleased(ModelUnavailable):
    """The model file is not part of the release the device holds, so it is
    not loaded; ``file_name`` and ``sha256`` name the file refused."""

    def __init__(self, message: str, *, file_name: str, sha256: str) -> None:
        super().__init__(message, title="Model not in the release")
        self.file_name = file_name
        self.sha256 = sha256


class JobsUnreadable(EdgeAgentError):
    """The cached job list is damaged; the next sync replaces it."""


class ProposalError(EdgeAgentError):
    """A tool call that cannot be proposed as it stands; ``field`` says where."""

    def __init__(self, message: str, *, tool: str = "", field: str = "") -> None:
        super().__init__(message, title="Cannot propose this")
        self.tool = tool
        self.field = field


class ConfirmationNeeded(EdgeAgentError):
    """The policy asks the technician to confirm this exact action first."""


class InteractiveConfirmationNeeded(ConfirmationNeeded):
    """The policy asks for the technician's confirmation at a prompt that
    shows the action (the app's dialog, a terminal's question); a flag such
    as ``--yes`` or a script cannot give it. ``seq``: the action kept for
    that confirmation, when there is one."""

    def __init__(self, message: str, *, seq: int | None = None) -> None:
        super().__init__(message, title="Confirm at a prompt")
        self.seq = seq


class ConfirmationMismatch(EdgeAgentError):
    """A confirmation given for another payload, technician or policy version."""


class IdentityMismatch(EdgeAgentError):
    """The centre's id for the device differs from the one its outbox uses."""


class PolicyStateDamaged(EdgeAgentError):
    """The policy folder's ``state.json`` exists but cannot be read or parsed;
    the policy store reports read-only mode with this message."""


class LocalDamage(EdgeAgentError):
    """A file the device keeps is damaged, missing or not the one it made.

    Nothing was created or overwritten in its place; the message says what was
    found and how to restore it. ``path`` names the file.
    """

    def __init__(self, message: str, *, path: Path, title: str | None = None) -> None:
        super().__init__(message, title=title)
        self.path = path


class OutboxLost(LocalDamage):
    """The outbox the device made cannot be used as found; ``found`` says how.

    Kinds: ``missing``, ``empty``, ``damaged``, ``replaced`` (another outbox
    in its place) and ``behind`` (an older copy: fewer actions than the
    device had recorded).
    """

    def __init__(self, message: str, *, path: Path, found: str) -> None:
        super().__init__(message, path=path, title="Outbox lost")
        self.found = found


class KnowledgeDamaged(LocalDamage):
    """The knowledge base is damaged; what does not need it still works.

    ``cause`` says what was found (``it is cut short ...``).
    """

    def __init__(self, message: str, *, path: Path, cause: str) -> None:
        super().__init__(message, path=path, title="Knowledge base damaged")
        self.cause = cause


class CentreKeysDamaged(LocalDamage):
    """The centre's key set the device trusts cannot be read; nothing signed
    can be checked, so the policy is read-only and a sync stops before it
    sends; listing and showing actions still work."""

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message, path=path, title="Centre keys unreadable")


class HistoryUnavailable(EdgeAgentError):
    """The chat's history cannot be read or written (damaged, locked, no
    room); the chat still answers, keeping the conversation in memory only."""


class SuiteInvalid(EdgeAgentError):
    """An evaluation suite that cannot be used as it stands.

    ``file`` is the suite file (or a file it names) and ``case_id`` the case
    at fault, when one is.
    """

    def __init__(self, message: str, *, file: Path, case_id: str = "") -> None:
        where = f"{file}" + (f", case {case_id}" if case_id else "")
        super().__init__(f"{where}: {message}", title="Evaluation suite unusable")
        self.file = file
        self.case_id = case_id


class CandidateInvalid(EdgeAgentError):
    """A candidate release that cannot be evaluated; ``part`` names which of
    its parts (``kb``, ``policy`` or ``model``)."""

    def __init__(self, message: str, *, part: str) -> None:
        super().__init__(message, title="Candidate release unusable")
        self.part = part


class BaselineInvalid(EdgeAgentError):
    """A baseline report that cannot be read or is not an evaluation report."""


class OcrError(EdgeAgentError):
    """Reading a photo failed; other photos and the rest of the app still work."""


class OcrUnavailable(OcrError):
    """The OCR engine is not installed or cannot start; ``engine`` names it."""

    def __init__(self, message: str, *, engine: str) -> None:
        super().__init__(message, title="OCR engine unavailable")
        self.engine = engine


class ImageUnreadable(OcrError):
    """One photo cannot be read; ``reason`` is a short machine-readable cause.

    Reasons: ``missing``, ``not_a_file``, ``empty``, ``not_an_image``,
    ``unsupported_format``, ``truncated``, ``too_large``, ``unreadable``,
    ``changed`` (the file is no longer the photo that was read).
    """

    def __init__(self, message: str, *, path: Path, reason: str) -> None:
        super().__init__(message, title="Photo unreadable")
        self.path = path
        self.reason = reason


class CorrectionInvalid(OcrError):
    """A code typed as a correction cannot be recognised; ask for it again."""
