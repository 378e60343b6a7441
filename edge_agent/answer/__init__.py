"""Answering a technician's question, by the lightest route that can.

- ``question_turn``: the use case every front end calls: one question, one
  answer, its trace saved.
- ``answerer``: routing a question to a code answer, a text answer or an
  absent code.
- ``budgets``: the answer's budgets, the settings capped by the policy.
- ``answer_turn``: what one question's answering passes along.
- ``code_answers``: codes quoted from the code tables; absent codes with the
  closest listed ones.
- ``text_answers``: search hits quoted, or "nothing answers this".
- ``citations``: the chunks an answer cites.
- ``explanation``: the model's explanation, only its grounded sentences kept.
- ``sentence_checks``: the model's text checked sentence by sentence as it
  streams.
- ``routing``: which codes a question names, and which hits answer it.
- ``serials``: serial numbers looked up in the job list.
- ``quoting``: which lines of the knowledge base an answer quotes.
- ``directives``: document lines that speak to the assistant, never quoted
  nor given to the model.
- ``prompting``: the model's prompt within a token budget.
- ``grounding``: the check each model sentence must pass to be shown.
- ``similarity``: similarity of meaning for re-ranking search hits.
- ``values``: what an answer holds, as text or JSON.
"""

from __future__ import annotations

__all__: list[str] = []
