"""Follow-up questions become standalone questions, using the previous user turn."""

from __future__ import annotations

import pytest

from bot.followup import looks_like_followup, resolve_followup, subject_of


def turn(question: str, answer: str = "An answer [1].") -> list[tuple[str, str]]:
    return [("user", question), ("assistant", answer)]


@pytest.mark.parametrize(
    ("previous", "followup", "expected"),
    [
        (
            "What is the Global Geochemical Reference Network?",
            "and when was it founded?",
            "When was the Global Geochemical Reference Network founded?",
        ),
        ("What is the ICGG Secretariat?", "Who leads it?", "Who leads the ICGG Secretariat?"),
        ("What is the GRN?", "How are its land cells labelled?", "How are the GRN's land cells labelled?"),
        ("Who is Xie Xuejing?", "Who did he work with?", "Who did Xie Xuejing work with?"),
        ("Where is IGGE located?", "What happened there in 2017?", "What happened at IGGE in 2017?"),
        (
            "Tell me about the Chemical Earth programme.",
            "What are its objectives?",
            "What are the objectives of the Chemical Earth programme?",
        ),
        ("What did ICGG do in Cambodia?", "What about Laos?", "What did ICGG do in Laos?"),
        ("What is geochemical mapping?", "what about baseline sampling?", "What is baseline sampling?"),
        ("What did ICGG do in Cambodia?", "and in 2019?", "What did ICGG do in Cambodia in 2019?"),
        (
            "What is the Chemical Earth programme?",
            "and the budget?",
            "What is the budget of the Chemical Earth programme?",
        ),
        (
            "Who was ICGG's Director when the centre opened?",
            "Who was his deputy?",
            "Who was the deputy of ICGG's Director when the centre opened?",
        ),
    ],
)
def test_followup_is_rewritten_with_the_previous_subject(previous, followup, expected):
    assert resolve_followup(followup, turn(previous)) == expected


def test_followup_whose_referent_is_the_previous_answer_carries_the_previous_question_along():
    resolved = resolve_followup(
        "Under which agreement is it carried out?",
        turn("Which project did Yao Wensheng go to Abuja to launch?"),
    )
    assert resolved.startswith("Under which agreement is it carried out?")
    assert "Yao Wensheng" in resolved and "Abuja" in resolved


@pytest.mark.parametrize(
    "question",
    [
        "When did IGCP 259 run?",
        "What is geochemistry?",
        "Who signed the agreement between China and UNESCO in May 2016?",
        "How many elements does the Chemical Earth programme map in each cell?",
    ],
)
def test_standalone_questions_are_left_unchanged(question):
    assert not looks_like_followup(question)
    assert resolve_followup(question, turn("What is the GRN?")) == question


def test_without_history_nothing_changes():
    assert resolve_followup("and when was it founded?", []) == "and when was it founded?"
    assert resolve_followup("Who leads it?", [("assistant", "Hello")]) == "Who leads it?"


def test_the_latest_user_turn_is_the_one_followed_up():
    history = turn("What is the Chemical Earth programme?") + turn("What is the ICGG Secretariat?")
    assert resolve_followup("Who leads it?", history) == "Who leads the ICGG Secretariat?"


def test_subject_is_only_taken_from_questions_whose_shape_shows_it():
    assert subject_of("What is the GRN?") == "the GRN"
    assert subject_of("When was ICGG founded?") == "ICGG"
    assert subject_of("Which project did Yao launch?") is None
