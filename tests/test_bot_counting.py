"""What a "how many" question counts, and whether a sentence's numbers count it (real model)."""

from __future__ import annotations

from bot.asked import acronyms_in, new_numbers
from bot.counting import CountedMatcher, counted_words, words_after_numbers
from bot.countries import listed_countries
from index.bm25 import tokenize
from tests.answer_docs import passage_of


def test_counted_words_are_the_words_after_how_many_up_to_the_first_stop_word():
    assert counted_words("How many people work at IGGE?") == ("people", "work")
    assert counted_words("If every cell gets 8 points, how many sampling points is that?") == (
        "sampling",
        "points",
    )
    assert counted_words("How many UNESCO category 2 centres exist?") == ("category", "centres", "exist")
    assert counted_words("In how many of the world's geochemical programmes did China take part?") == (
        "world",
        "geochemical",
        "programmes",
    )
    assert counted_words("What number of samples was archived?") == ("samples",)


def test_nothing_is_counted_when_no_content_word_follows_how_many():
    assert counted_words("How many of them are on land?") == ()
    assert counted_words("grn marine cells how many") == ()
    assert counted_words("How much farmland was flagged?") == ()  # an amount, not a count of things
    assert counted_words("When was the centre founded?") == ()


def test_words_after_numbers_skip_dates_and_known_numbers():
    text, numbers = new_numbers(
        "count", "In 2016 the team of 22 Chinese and Lao staff collected 146 samples."
    )
    assert [m.group(0) for m in numbers] == ["22", "146"]
    assert words_after_numbers(text, numbers) == ["chinese", "lao", "staff", "samples"]


def test_a_number_counts_only_the_noun_phrase_right_after_it():
    text, numbers = new_numbers("count", "During the visit the two sides completed pilot sampling.")
    assert words_after_numbers(text, numbers) == ["sides", "completed", "pilot"]  # not "sampling"
    text, numbers = new_numbers("count", "18 trainees from Argentina and Sudan; 5 or 8 random points")
    assert words_after_numbers(text, numbers) == ["trainees", "random", "points", "random", "points"]


def test_a_count_of_the_asked_thing_matches_by_stem_or_by_meaning(embedder):
    matcher = CountedMatcher("How many labs analysed the reference samples?", embedder)
    assert matcher.active
    assert matcher.matches(["laboratories", "in", "china"])  # same meaning, different stem
    assert matcher.matches(["lab"])  # same stem
    people = CountedMatcher("How many people work at IGGE?", embedder)
    assert not people.matches(["complementary", "analytical", "methods"])
    assert not people.matches([])


def test_an_unanswerable_count_check_passes_when_nothing_is_counted(embedder):
    matcher = CountedMatcher("How many of them are on land?", embedder)
    assert not matcher.active and matcher.matches(["anything"])


def test_acronyms_are_terms_the_passages_write_only_in_capitals():
    passages = [passage_of("ICGG and IGGE train staff. The MAP of Laos is a map.", title="ICGG news")]
    # "MAP" is also written "map": a word
    assert acronyms_in(passages) == set(tokenize("ICGG IGGE"))


def test_word_vectors_are_cached_across_questions(embedder):
    CountedMatcher("How many labs took part?", embedder).matches(["laboratories"])
    before = embedder.forward_passes
    assert CountedMatcher("How many labs took part in the survey?", embedder).matches(["laboratories"])
    assert embedder.forward_passes == before


def test_how_many_people_is_answered_by_a_count_of_any_kind_of_people(embedder):
    people = CountedMatcher("How many people were in the delegation?", embedder)
    text, numbers = new_numbers("count", "A five-member delegation from Nepal visited the centre.")
    assert words_after_numbers(text, numbers) == ["member", "delegation"]
    assert people.matches(words_after_numbers(text, numbers))
    assert people.matches(["trainees"])
    assert not people.matches(["countries"])


def test_number_of_in_a_search_box_query_names_what_is_counted():
    assert counted_words("number of uranium deposits discovered by the project") == (
        "uranium",
        "deposits",
        "discovered",
    )
    assert counted_words("a number of partners joined") == ()


def test_a_total_over_several_countries_does_not_count_one_countrys_share(embedder):
    question = "How many trainees came from Ethiopia?"
    matcher = CountedMatcher(question, embedder)
    for sentence in (
        "In 2019, 18 trainees from Argentina, Cambodia, Sudan and Ethiopia visited IGGE.",
        "The workshop had 27 participants from 11 countries, among them Ethiopia.",
    ):
        text, numbers = new_numbers("count", sentence, frozenset())
        kept = [m.group(0) for m in matcher.own_numbers(text, numbers)]
        assert "18" not in kept and "27" not in kept, sentence  # ("11" counts countries: left to the matcher)
    text, numbers = new_numbers("count", "Six trainees from Ethiopia took part.", frozenset())
    assert [m.group(0) for m in matcher.own_numbers(text, numbers)] == ["Six"]
    # a delegation from one country, described at length, is still that country's count
    text, numbers = new_numbers(
        "count", "A five-member delegation from Nepal, led by the head of Nepal's survey."
    )
    assert [
        m.group(0) for m in CountedMatcher("How many came from Nepal?", embedder).own_numbers(text, numbers)
    ]
    # without a country in the question every number may count
    text, numbers = new_numbers("count", "27 participants from 11 countries attended.")
    assert len(CountedMatcher("How many participants attended?", embedder).own_numbers(text, numbers)) == 2


def test_countries_listed_at_the_start_of_a_text():
    assert listed_countries("Argentina, Cambodia and Ethiopia visited") == [
        "Argentina",
        "Cambodia",
        "Ethiopia",
    ]
    assert listed_countries("Nepal, led by the head of Nepal's survey") == ["Nepal"]
    assert listed_countries("the Laos team") == []
