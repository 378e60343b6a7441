"""Numbers a photo names as something other than a code.

A drive's or controller's screen shows more than fault codes, and some of
what it shows has a code's shape: ``OBJ 0x6041`` is the CANopen object the
screen is showing (the statusword), ``REG 40001`` a Modbus register,
``PARAM 0x2000`` a parameter, ``NODE 12`` a bus address. Printed right after
a word that names it so, a value is that thing, and never a fault code,
whatever its shape, and even with a zero read for the letter O
(``0BJ 0x6041``). The words come from the vocabulary of fieldbuses and
controllers (CiA 301's object dictionary, Modbus, drive parameter lists).
"""

from __future__ import annotations

import re

_NAMED_OTHERWISE = re.compile(
    r"(?<![A-Za-z0-9])(?:[O0]BJ(?:ECT)?|INDEX|IDX|SUB(?:INDEX|IDX)?|REG(?:ISTER)?|"
    r"ADDR(?:ESS)?|PARAM(?:ETER)?|PAR|N[O0]DE(?:\s?ID)?|C[O0]B-?ID|CAN\s?ID)"
    r"\.?\s*[:#=]?\s*$",
    re.IGNORECASE,
)


def named_otherwise(text: str, start: int) -> bool:
    """Whether the value at ``text[start:]`` follows a word naming it as an
    object, register, parameter, address or node, not a code."""
    return _NAMED_OTHERWISE.search(text, 0, start) is not None
