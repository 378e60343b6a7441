"""Proposing an action: a request becomes a checked, decided, queued action.

- ``request_turn``: the use case every front end calls: a request in words
  becomes one decided proposal.
- ``request_reading``: a request read by rules, without the model: the tool,
  codes by the knowledge base's formats, jobs and assets by the job list
  (``request_spans``: the codes, jobs, assets and customers it names;
  ``request_words``: verbs, counts, times, priorities, statuses, channels;
  ``request_text``: free text in the technician's words).
- ``catalogue``: the tools the assistant has, reading or changing the world.
- ``arguments``: typed arguments of every tool.
- ``grammar``: the JSON schema that constrains the model's tool call.
- ``tool_calling``: the model proposes one tool call under that grammar.
- ``proposals``: a tool call (from the model or by hand) checked into a
  proposal.
- ``argument_origins``: where each argument's text came from (typed, photo,
  document, model), by comparing it with the turn's texts.
- ``kept_evidence``: what a proposal kept for later recorded, read back.
- ``service``: the policy's decision, the technician's confirmation and the
  durable outbox record.
- ``decided``: a proposal with the policy's decision on it.
- ``confirmation``: the technician's confirmation, bound to the payload, the
  technician and the policy version, and its checks.
- ``views``: how actions, decisions and traces read, for both front ends.
"""

from __future__ import annotations

__all__: list[str] = []
