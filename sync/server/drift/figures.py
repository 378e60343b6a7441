"""The drift report's figures for one group of turns (a week, a release, or
both), and the tally that adds them up as rows stream by."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.server.drift.turn_facts import ROUTES, TurnFacts

DEVICE_ALLOWED = ("allow", "confirm")
"""Device outcomes that let an action go ahead on the device."""


@dataclass(frozen=True, slots=True)
class Figures:
    """One group's figures; a rate is ``None`` when nothing was there to count.

    Attributes:
        turns: Every turn, by kind in ``kinds``.
        questions: Question turns; ``routes`` counts them per route.
        nothing_found_rate: Questions that found nothing, per question.
        sentences_kept, sentences_dropped: The model's sentences.
        dropped_sentence_share: Dropped per sentence checked.
        photo_turns, codes_read: Photos read and the codes read from them.
        photo_confidence: The mean confidence of the codes read.
        corrections, correction_rate: Codes corrected by hand, per code read.
        decisions, denials, denial_rate: The devices' policy decisions.
        actions, quarantined, quarantine_rate: Actions the centre received,
            and those it put in quarantine.
        allowed_then_held: Actions the device allowed and the centre held
            back (quarantined or rejected).
        held_then_allowed: Actions the device denied or sent for approval
            that the centre's own decision allows.
        disagreement_rate: Both kinds of disagreement per action.
        seconds_per_turn, seconds_p95: Time per turn on the device.
        model_turns, tokens_per_model_turn: Turns that called the model and
            their mean tokens (prompt and completion).
    """

    turns: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    questions: int = 0
    routes: dict[str, int] = field(default_factory=dict)
    nothing_found_rate: float | None = None
    sentences_kept: int = 0
    sentences_dropped: int = 0
    dropped_sentence_share: float | None = None
    photo_turns: int = 0
    codes_read: int = 0
    photo_confidence: float | None = None
    corrections: int = 0
    correction_rate: float | None = None
    decisions: int = 0
    denials: int = 0
    denial_rate: float | None = None
    actions: int = 0
    quarantined: int = 0
    quarantine_rate: float | None = None
    allowed_then_held: int = 0
    held_then_allowed: int = 0
    disagreement_rate: float | None = None
    seconds_per_turn: float | None = None
    seconds_p95: float | None = None
    model_turns: int = 0
    tokens_per_model_turn: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class Tally:
    """Counts for one group, added to row by row."""

    def __init__(self) -> None:
        self.kinds: dict[str, int] = {}
        self.routes = dict.fromkeys(ROUTES, 0)
        self.kept = self.dropped = self.codes = self.corrections = 0
        self.confidence = 0.0
        self.photos = self.model_turns = self.tokens = 0
        self.seconds: list[float] = []
        self.decisions = self.denials = 0
        self.actions = self.quarantined = 0
        self.allowed_then_held = self.held_then_allowed = 0

    def add_turn(self, facts: TurnFacts) -> None:
        self.kinds[facts.kind] = self.kinds.get(facts.kind, 0) + 1
        self.seconds.append(facts.seconds)
        if facts.route:
            self.routes[facts.route] += 1
        self.kept += facts.sentences_kept
        self.dropped += facts.sentences_dropped
        if facts.called_model:
            self.model_turns += 1
            self.tokens += facts.tokens
        if facts.kind == "photo":
            self.photos += 1
            self.codes += len(facts.confidences)
            self.confidence += sum(facts.confidences)
        elif facts.kind == "correction":
            self.corrections += 1

    def add_decisions(self, outcome: str, count: int) -> None:
        self.decisions += count
        if outcome == "deny":
            self.denials += count

    def add_action(
        self,
        device_outcome: str,
        centre_outcome: str | None,
        *,
        quarantined: bool,
        rejected: bool,
    ) -> None:
        """One action the centre received: ``quarantined`` when re-validation
        put it in quarantine (whatever the review made of it since),
        ``rejected`` when re-validation rejected it."""
        self.actions += 1
        self.quarantined += quarantined
        allowed_there = device_outcome in DEVICE_ALLOWED
        if allowed_there and (quarantined or rejected):
            self.allowed_then_held += 1
        elif not allowed_there and centre_outcome in DEVICE_ALLOWED:
            self.held_then_allowed += 1

    def merge(self, other: Tally) -> None:
        for kind, n in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + n
        for route, n in other.routes.items():
            self.routes[route] += n
        self.seconds.extend(other.seconds)
        for name in (
            "kept", "dropped", "codes", "corrections", "confidence", "photos",
            "model_turns", "tokens", "decisions", "denials", "actions",
            "quarantined", "allowed_then_held", "held_then_allowed",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> Figures:
        questions = sum(self.routes.values())
        checked = self.kept + self.dropped
        seconds = sorted(self.seconds)
        disagreements = self.allowed_then_held + self.held_then_allowed
        return Figures(
            turns=len(seconds),
            kinds=dict(sorted(self.kinds.items())),
            questions=questions,
            routes=dict(self.routes),
            nothing_found_rate=_share(self.routes["not_found"], questions),
            sentences_kept=self.kept,
            sentences_dropped=self.dropped,
            dropped_sentence_share=_share(self.dropped, checked),
            photo_turns=self.photos,
            codes_read=self.codes,
            photo_confidence=_share(self.confidence, self.codes),
            corrections=self.corrections,
            correction_rate=_share(self.corrections, self.codes),
            decisions=self.decisions,
            denials=self.denials,
            denial_rate=_share(self.denials, self.decisions),
            actions=self.actions,
            quarantined=self.quarantined,
            quarantine_rate=_share(self.quarantined, self.actions),
            allowed_then_held=self.allowed_then_held,
            held_then_allowed=self.held_then_allowed,
            disagreement_rate=_share(disagreements, self.actions),
            seconds_per_turn=_share(sum(seconds), len(seconds)),
            seconds_p95=_quantile(seconds, 0.95),
            model_turns=self.model_turns,
            tokens_per_model_turn=_share(self.tokens, self.model_turns),
        )


def _share(part: float, whole: float) -> float | None:
    return None if not whole else round(part / whole, 4)


def _quantile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(int(q * len(ordered)), len(ordered) - 1)], 3)
