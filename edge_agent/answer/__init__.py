"""Answering a technician's question, by the lightest route that can.

- ``question_turn``: the use case every front end calls: one question, one
  answer, its trace saved.
- ``answerer``: routing a question to a code lookup, quotes or the model.
- ``routing``: which codes a question names, and which hits answer it.
- ``serials``: serial numbers looked up in the job list.
- ``quoting``: which lines of the knowledge base an answer quotes.
- ``prompting``: the model's prompt within a token budget.
- ``grounding``: the check each model sentence must pass to be shown.
- ``similarity``: similarity of meaning for re-ranking search hits.
- ``values``: what an answer holds, as text or JSON.
"""

from __future__ import annotations

__all__: list[str] = []
