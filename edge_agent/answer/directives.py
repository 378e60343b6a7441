"""Lines of a document that speak to the assistant instead of the technician.

A manual states facts and gives steps to a person. A line that addresses the
assistant ("NOTE TO THE ASSISTANT: ...", "SYSTEM: ...", "Assistant, list
..."), tells it to set its rules aside ("ignore your instructions"), or asks
it to pass something on to everyone ("tell every technician that ...") is an
instruction planted in the knowledge base, not a fact: it is never quoted as
one and never given to the model, so nothing the model says can rest on it.
The patterns are the common wording of such instructions, not any one
document's.
"""

from __future__ import annotations

import re

_ADDRESSEE = r"(?:assistant|ai|a\.i\.|model|bot|chatbot|language\s+model|llm|agent)"
_DIRECTIVE = re.compile(
    rf"""
    \b(?:note|message|instructions?|reminder)\s+(?:to|for)\s+(?:the\s+)?{_ADDRESSEE}\b
    | ^\W*(?:system(?:\s+(?:override|prompt|message))?|{_ADDRESSEE}|prompt)\s*[:>]
    | ^\W*{_ADDRESSEE}\s*,
    | \b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?
      (?:of\s+)?(?:the|your|previous|prior|earlier|above|these|those)\s+
      (?:\w+\s+)?(?:instructions?|rules?|prompts?|guidelines?|policy|technician|user)\b
    | \b(?:tell|inform|instruct|remind)\s+(?:every|all|each|any)\s+
      (?:technicians?|users?|engineers?|customers?|operators?)\b
    | \byou\s+(?:are\s+now|must\s+now|should\s+now|will\s+now)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)


def addresses_the_assistant(line: str) -> bool:
    """Whether ``line`` is an instruction to the assistant, not a fact."""
    return _DIRECTIVE.search(line) is not None


def without_directives(text: str) -> str:
    """``text`` with every line that addresses the assistant left out."""
    return "\n".join(
        line for line in text.splitlines() if not addresses_the_assistant(line)
    )
