"""Checks that still earn their place beside the reader: one file each, switched on or off by a setting.

A check reads what the answer would quote and may refuse it, with a plain-language reason. Each lives in
one module holding its logic, its reason text and its own examples (``EXAMPLES``: cases it must refuse and
cases it must let through), and every check passes the shared contract test
(``tests/test_bot_checks.py``). A check is kept only while removing it measurably costs accuracy
(bench/results/reader.md); there is deliberately no catalogue of question wordings here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.reader import Reading, ScoredSentence


@dataclass(frozen=True)
class Refusal:
    reason: str  # technical, for staff and --json
    category: str  # coarse, for the plain-language refusal shown to users


class Check(Protocol):
    name: str  # also the setting that switches it: ``check_<name>``

    def refuse(self, reading: Reading, quoted: Sequence[ScoredSentence]) -> Refusal | None:
        """A refusal when ``quoted`` does not answer what ``reading.question`` asks; None when it may."""
        ...


def enabled_checks(settings) -> list[Check]:
    from bot.checks.answer_type import AnswerTypeCheck

    checks: list[Check] = []
    if settings.check_answer_type:
        checks.append(AnswerTypeCheck(settings.check_answer_type_min_prob))
    return checks
