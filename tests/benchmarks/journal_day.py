"""A device's day for the journal benchmark: actions, questions, denials.

The actions are ``bench_sync``'s. The turns between them are built as the app
builds them, with ``edge_agent.tracing.TurnTracer``: questions answered
(retrieval, then mostly the model's answer) and, now and then, an action the
model proposed and the policy denied, recorded ``denied`` in the outbox.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.benchmarks.bench_sync import default_policy, queue_actions

if TYPE_CHECKING:
    from edge_agent.tracing import TurnTracer
    from policies import Policy
    from sync import Outbox

BLOCKS = 10
"""The day is recorded in this many blocks of actions, each then its turns."""
MODEL_ID = "SmolLM2-135M-Instruct-Q8_0"
MANUALS = (
    "manuals/hp300-pump-service-manual.md",
    "manuals/ac75-airmax-installation.md",
    "manuals/gx-boiler-maintenance-guide.md",
    "fault-codes.csv",
    "parts-catalogue.csv",
)
QUESTIONS = (
    "What torque for the casing bolts on the {model}?",
    "what does {code} mean",
    "How do I bleed the {model} after replacing the seal?",
    "clearance limit for the wear rings on {model}",
    "{code} keeps coming back after reset, what next",
    "which gasket fits the {model} casing",
)
MODELS = ("HP-300", "HP-350", "AC-75", "GX-24")
CODES = ("E-42", "C-120", "F-07", "E-13", "P-221")


@dataclass(frozen=True, slots=True)
class Day:
    """What a device's outbox holds before the sync.

    Attributes:
        actions: Confirmed actions, each with its turn's trace.
        turns: Turns that queued nothing, between the actions.
        spans: Spans of each action's trace.
        denied_every: One turn in this many is an action the policy denied;
            the others are questions answered.
        seed: Seeds the actions, and (plus one) the turns.
    """

    actions: int
    turns: int
    spans: int
    denied_every: int
    seed: int


def record_day(
    path: Path, device_id: str, technician: str, day: Day
) -> tuple[Counter[str], dict[str, int]]:
    """Fill the outbox with the day's actions and turns between them, in
    blocks; how many of each kind, and the mean size of a trace's spans by
    turn name. The actions do not depend on the turns: a day with turns
    queues the same actions as one without."""
    from sync import Outbox

    policy = default_policy()
    actions_rng, turns_rng = random.Random(day.seed), random.Random(day.seed + 1)
    recorded: Counter[str] = Counter()
    with closing(Outbox.open(path, device_id=device_id)) as outbox:
        outbox.db.execute("PRAGMA synchronous = OFF")  # preload only
        for block in range(BLOCKS):
            share = _share(day.actions, block)
            queue_actions(outbox, actions_rng, technician, share, day.spans)
            recorded["actions"] += share
            first = recorded["questions"] + recorded["denied"]
            turns = range(first, first + _share(day.turns, block))
            recorded += save_turns(
                outbox, policy, turns_rng, technician, turns, day.denied_every
            )
        sizes = outbox.db.execute(
            "SELECT name, ROUND(AVG(LENGTH(spans))) FROM traces GROUP BY name"
        ).fetchall()
    return recorded, {name: int(size) for name, size in sizes}


def _share(total: int, block: int) -> int:
    return total // BLOCKS + (1 if block < total % BLOCKS else 0)


def save_turns(
    outbox: Outbox,
    policy: Policy,
    rng: random.Random,
    technician: str,
    turns: range,
    denied_every: int,
) -> Counter[str]:
    """The day's ``turns`` (their places among all its turns): questions
    answered, and one turn in ``denied_every`` an action the policy denied,
    as the app records them."""
    saved: Counter[str] = Counter()
    for start in range(0, len(turns), 1000):
        with outbox.atomic():
            for n in turns[start : start + 1000]:
                if (n + 1) % denied_every == 0:
                    deny_action(outbox, policy, rng, technician)
                    saved["denied"] += 1
                else:
                    outbox.save_trace(ask_trace(rng))
                    saved["questions"] += 1
    return saved


def tracer(name: str, rng: random.Random) -> TurnTracer:
    """A turn's tracer on a made-up clock and ids from ``rng``."""
    from edge_agent.tracing import TurnTracer

    steps = itertools.accumulate(
        iter(lambda: rng.randrange(1_000_000, 400_000_000), None),
        initial=1_772_436_600_000_000_000 + rng.randrange(10**15),
    )
    return TurnTracer(
        name,
        clock_ns=lambda: next(steps),
        new_trace_id=lambda: f"{rng.getrandbits(128):032x}",
        new_span_id=lambda: f"{rng.getrandbits(64):016x}",
    )


def ask_trace(rng: random.Random) -> dict[str, Any]:
    """A question answered: retrieval, then (mostly) the model's answer."""
    from edge_agent.tracing import CHAT, RETRIEVAL

    model, code = rng.choice(MODELS), rng.choice(CODES)
    question = rng.choice(QUESTIONS).format(model=model, code=code)
    turn = tracer("ask", rng)
    found = int(code in question)
    hits = 0 if found else rng.randint(3, 8)
    with turn.span(RETRIEVAL, edge__query=question) as span:
        span.set(
            edge__codes_found=found,
            edge__codes_absent="",
            edge__codes_corrected="",
            edge__alternatives=f"{model.lower()} -> {model}"
            if rng.random() < 0.3
            else "",
            edge__intent=rng.choice(("information", "procedure", "troubleshooting")),
            edge__equipment=model if rng.random() < 0.5 else "",
            edge__hits=hits,
            edge__chunk_ids=",".join(
                f"{rng.choice(MANUALS)}#{rng.randrange(60)}" for _ in range(hits)
            ),
        )
    if not found and rng.random() < 0.8:
        with turn.span(
            CHAT,
            gen_ai__operation__name="chat",
            gen_ai__request__model=MODEL_ID,
            gen_ai__request__max_tokens=160,
        ) as span:
            span.set(
                gen_ai__usage__input_tokens=rng.randint(600, 1800),
                gen_ai__usage__output_tokens=rng.randint(30, 160),
                edge__sentences_kept=rng.randint(1, 5),
                edge__sentences_dropped=rng.randint(0, 2),
            )
    return turn.finish().as_dict()


def deny_action(
    outbox: Outbox, policy: Policy, rng: random.Random, technician: str
) -> None:
    """The model proposed an action the policy denies: recorded ``denied``."""
    from edge_agent.tracing import CHAT, POLICY, QUEUE
    from policies import Outcome, evaluate, request_for_call
    from sync import ActionState

    tool, args, confidence = (
        ("order_part", {"part_number": "4471-A20-339", "quantity": 60}, 0.9)
        if rng.random() < 0.5
        else ("record_repair", {"job_id": "J-1042", "fault_code": "E-42"}, 0.4)
    )
    request = request_for_call(
        policy,
        tool=tool,
        args=args,
        technician_id=technician,
        role="technician",
        model_proposed=True,
        model_confidence=confidence,
        grounded=True,
    )
    decision = evaluate(policy, request)
    if decision.outcome is not Outcome.DENY:
        raise RuntimeError(f"the default policy no longer denies {tool} {args}")
    turn = tracer("propose", rng)
    with turn.span(
        CHAT, gen_ai__operation__name="chat", gen_ai__request__model=MODEL_ID
    ):
        pass
    with turn.span(POLICY, gen_ai__tool__name=tool) as span:
        span.set(
            edge__policy__outcome=str(decision.outcome),
            edge__policy__version=decision.bundle_version,
            edge__policy__rules=",".join(decision.matched_rules),
        )
    with turn.span(QUEUE, edge__action__state=ActionState.DENIED.value):
        pass
    outbox.enqueue(
        tool=tool,
        action_type=request.action_type,
        payload={"tool": tool, "args": args},
        decision=decision.as_dict(),
        evidence={"proposed_by": "model", "model_confidence": confidence},
        trace=turn.finish().as_dict(),
        state=ActionState.DENIED,
        actor=technician,
        reason="denied by the policy",
    )
