"""What a question asks for, and whether a sentence gives it.

Reads questions (the kind of value asked for, the words that say what is asked, its names, numbers,
countries and chemical elements) and sentences (dates, counts, sums of money, people's, places', countries'
and institutions' names, other instances of what was asked). :mod:`bot.evidence` scores sentences with
these readings and :mod:`bot.abstain` decides on them. Everything here is general English or world
knowledge (a gazetteer, the periodic table); nothing is tuned to a particular question's wording.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from bot.countries import COUNTRY_NAMES, countries_asked, country_matches, country_names, mentions_country
from bot.types import Passage
from index.bm25 import STOPWORDS, tokenize
from index.embeddings import Embedder

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")

_MONTH = re.compile(
    r"\b(Jan(uary)?|Feb(ruary)?|Mar(ch)?|Apr(il)?|May|June?|July?|Aug(ust)?|Sep(t(ember)?)?|"
    r"Oct(ober)?|Nov(ember)?|Dec(ember)?)\b"
)

_WEEKDAY = re.compile(r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")

_NAME = re.compile(r"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)+\b")

_WORD_CASED = re.compile(r"\b[^\W\d_][\w]*")

_TITLE_WORDS = r"(?:Dr|Prof|Professor|Mr|Mrs|Ms|Madam|Sir|Academician)"

# An institution's name: capitalised words around the noun that names its kind ("China Geological
# Survey", "University of Cambridge", "National Research Center for Geoanalysis").
_INSTITUTION = re.compile(
    r"(?:\b[A-Z][\w'’-]*\s+){0,5}(?:Universit(?:y|ies)|Institut(?:e|es|ion)|Survey|Cent(?:re|er)s?|Academy|"
    r"Ministry|Commission|Committee|Agency|Organi[sz]ation|Union|Association|Society|Council|Office|"
    r"Department|Bureau|Laborator(?:y|ies)|College|School|Foundation|Administration|Service|Directorate)\b"
    # the tail may join two adjectives with "and" ("Institute of Geophysical and Geochemical Exploration");
    # after any other word "and" ends the name ("the University of Cambridge and Arthur Darnley")
    r"(?:\s+(?:of|for|on)\s+(?:the\s+)?[A-Z][\w'’-]*(?:(?:(?<=al)\s+and(?!\s+" + _TITLE_WORDS + r"\b))?"
    r"\s+[A-Z][\w'’-]*)*)?"
    # or in lower case before "of <Name>": "the ministries of Foreign Affairs, Education and Finance"
    r"|\b(?:universit(?:y|ies)|institutes?|ministr(?:y|ies)|agenc(?:y|ies)|departments?|academ(?:y|ies))"
    r"\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*"
)

_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]+\b")

_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][A-Za-z]+|[A-Z]{2,}\w*)")

# Wh-phrases and the kind of value they ask for. "when" and "who" count only where they open a
# question or a clause: "... when the centre was founded" and "participants who attended" are not asks.
_CLAUSE = r"(?:^|[,;:(\-–]\s*|\b(?:and|or|but|so|also)\s+)"


# Words after which the noun is not what the question asks for: auxiliaries ("what should the lab use"
# asks for a thing; the lab is its subject) and prepositions other than "of" ("what happens with the lab").
_NOT_BEFORE_ASKED = (
    r"is|was|are|were|do|does|did|can|could|should|shall|will|would|must|may|might|has|have|had|"
    r"with|in|at|for|to|from|by|on|about|after|before"
)


# "which kind of metals", "list (please) of the countries": "of" after these still leads to the thing asked
# for; after other nouns it does not ("which forms of the metals" asks for forms).
_OF_LEADS_ON = (
    r"(?:kinds?|types?|sorts?|groups?|sets?|lists?|names?|one|ones|all|each|any|many|some|most|both|please|"
    r"pls)"
)


def _which_of(nouns: str) -> re.Pattern[str]:
    """A "which/what/list/name ... <noun>" ask, up to five words between ("list of the 11 partner
    countries"), none of them an auxiliary or a preposition, and "of" only after a word like "kind"."""
    return re.compile(
        r"\b(?:which|what|list|name)\s+(?:of\s+)?(?:"
        + _OF_LEADS_ON
        + r"\s+of\s+|(?!(?:"
        + _NOT_BEFORE_ASKED
        + r"|of)\b)\w+\s+){0,5}?(?:"
        + nouns
        + r")\b"
    )


# "Who is the director of ...", "authors of the 2025 paper": an office or authorship, held by a person.
_ROLE = (
    r"(?:director|head|president|chair(?:man|woman|person)?|secretary|minister|leader|author|editor|founder|"
    r"coordinator|manager|chief|deputy|official|representative|signator(?:y|ie)|lecturer|teacher|trainer|"
    r"instructor|speaker|member)s?"
)

_BODY_NOUNS = (
    r"institutions?|institutes?|organi[sz]ations?|agenc(?:y|ies)|laborator(?:y|ies)|labs?|compan(?:y|ies)|"
    r"ministr(?:y|ies)"
)

_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # also keyword queries: "exact date of the handover", "date of signing"
    (
        "day",
        re.compile(
            r"\b(?:what|which)\s+(?:\w+\s+){0,2}?(?:date|day)s?\b|\bon what day\b|\bexact (?:dates?|days?)\b|"
            r"^(?:the\s+)?date\s+(?:of|when)\b|\b(?:start|starting|end|ending|opening|closing)\s+(?:and\s+\w+\s+)?"
            r"dates?\b"
        ),
    ),
    ("year", re.compile(r"\b(?:what|which)\s+(?:\w+\s+){0,2}?years?\b")),
    # (a "month and year" is asked as a year: "June 2007" gives both)
    (
        "month",
        re.compile(r"\b(?:what|which)\s+(?:\w+\s+){0,2}?months?\b(?!\s+(?:and|or|&)\s+(?:the\s+)?years?)"),
    ),
    (
        "date",
        re.compile(
            r"\bsince when\b|\bhow long ago\b|\bdeadlines?\b|\bwhen\s*\??\s*$|"
            r"\bwhen\s+(?:exactly\s+|precisely\s+)?"
            r"(?:did|was|were|is|are|does|do|has|have|had|will|would|could|can|should)\b"
        ),
    ),
    # "number of samples collected" in a search-box query too, but not "a number of"
    # an identifier, not a count: "the certificate number of GSD-1", "its ISBN"
    (
        "code",
        re.compile(
            r"\b(?:certificate|serial|catalogue|catalog|registration|phone|telephone|fax|id|identification|"
            r"licen[cs]e|permit|contract|grant|document|publication|report|isbn|issn|doi)\s+(?:numbers?|no\b|"
            r"codes?|ids?)|\b(?:isbn|issn|doi)\b"
        ),
    ),
    (
        "count",
        re.compile(
            r"\bhow (?:many|much)\b|\b(?<!\ba )(?:number|percentage|share|fraction) of\b|\bwhat number\b"
        ),
    ),
    # a map's scale is a ratio ("1:1,000,000")
    (
        "extent",
        re.compile(r"\bhow (?:long(?! ago)|far|deep|high|wide)\b"),
    ),
    (
        "measure",
        re.compile(r"\bhow (?:large|big|old)\b|\b(?:what|which)\s+(?:\w+\s+){0,2}?scales?\b"),
    ),
    ("countries", _which_of(r"countr(?:y|ies)|nations?")),
    ("places", _which_of(r"cit(?:y|ies)|towns?|provinces?|continents?|rivers?|regions?")),
    ("universities", _which_of(r"universit(?:y|ies)|colleges?")),
    ("elements", _which_of(r"elements?|metals?")),
    # the material sampled: "what sampling medium", "which media were collected in Laos"
    (
        "medium",
        re.compile(r"\b(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:medium|media)\b|\bsampl\w*\s+medi(?:um|a)\b"),
    ),
    # ("which journal editor" asks for a person)
    (
        "journal",
        _which_of(r"(?:journals?|magazines?|newspapers?|periodicals?)(?![\s-]+(?:\w+\s+)?" + _ROLE + r"\b)"),
    ),
    ("bodies", _which_of(_BODY_NOUNS)),
    ("person", re.compile(_CLAUSE + r"(?:who|whom|whose)\b")),
    ("place", re.compile(_CLAUSE + r"where\b")),
)

_ROLE_ASK = re.compile(
    r"\bwho\s+(?:is|was|are|were|will\s+be|has\s+been)\s+(?:\w+\s+){0,3}?" + _ROLE + r"\b"
    r"|^(?:who\s+)?(?:the\s+)?(?:names?\s+of\s+the\s+)?(?:[\w-]+\s+){0,2}?"
    + _ROLE
    + r"(?:\s+of\b|-general\b)"
    r"|\bnames?\s+and\s+(?:position|title|function|role|affiliation)s?\b"
    r"|\bnames?\s+of\s+the\s+(?:[\w-]+\s+){0,3}?(?:" + _ROLE + r"|persons?|people|staff)\b"
    # who led, headed or chaired something, signed on someone's behalf, took or left an office
    r"|\bwho\s+(?:\w+\s+){0,2}?(?:led|leads|leaded|leading|headed|heads|heading|chaired|chairs|chairing|"
    r"became|becomes|replaced|replaces|succeeded|succeeds|presented|presents|lectured|lectures|spoke|speaks|"
    r"taught|teaches|represented|represents|gave\s+(?:[\w'’-]+\s+){0,3}?(?:presentation|talk|lecture|speech|address|report))\b"
    r"|\bwho\b.*\bon\s+(?:\w+(?:'s|’s)?\s+)?behalf\b|\bwho\s+signed\b.*\bfor\s+(?:the\s+)?(?:\w+\s+){0,5}side\b"
)

# A price, cost or budget asked for: "how much did it cost", "price per sample", "what is the budget".
_MONEY_ASK = re.compile(r"\b(?:price|prices|cost|costs|budget|budgets|fees?|salar(?:y|ies)|tuition)\b")

# "the value in US dollars", "how many yuan": a currency named asks for an amount of it
_CURRENCY_ASK = re.compile(r"\b(?:dollars?|usd|us\$|yuan|rmb|cny|euros?|eur)\b|[$€£¥]")

_MONEY_IN_COUNT = re.compile(r"\b(?:money|fund(?:s|ing|ed)?|spen[dt]|paid|pay|invest(?:ed|ment)?)\b")

_MONEY = re.compile(
    r"(?:[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:million|billion|thousand|m|bn|k)?\s*(?:yuan|RMB|CNY|dollars?|USD|euros?|"
    r"EUR|pounds?|GBP|francs?)\b)",
    re.I,
)

# "what area in km2", "the depth in metres": a number with its unit is asked for
_UNIT_ASKED = re.compile(
    r"\bin\s+(?:km2|km²|square\s+kilomet(?:re|er)s|hectares|met(?:re|er)s|kilomet(?:re|er)s|km|cm|mm|hours|days|"
    r"weeks|months)\b"
)

# "What is the copper baseline value", "the median gold content": a quantity, answered with a number.
_QUANTITY_ASK = re.compile(
    r"\bwhat(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,3}?(?:value|"
    r"concentration|content|level|amount|area|size|length|depth|density|rate|percentage|proportion|total|"
    r"limit|median|mean|average)s?\b|^(?:the\s+)?(?:median|mean|average)\b"
)

# Chemical elements by name, and the usual groups: what "which elements" is answered with.
_ELEMENT = re.compile(
    r"\b(?:hydrogen|helium|lithium|beryllium|boron|carbon|nitrogen|oxygen|fluorine|neon|sodium|magnesium|"
    r"aluminium|aluminum|silicon|phosphorus|sulphur|sulfur|chlorine|argon|potassium|calcium|scandium|titanium|"
    r"vanadium|chromium|manganese|iron|cobalt|nickel|copper|zinc|gallium|germanium|arsenic|selenium|bromine|"
    r"krypton|rubidium|strontium|yttrium|zirconium|niobium|molybdenum|technetium|ruthenium|rhodium|palladium|"
    r"silver|cadmium|indium|tin|antimony|tellurium|iodine|xenon|caesium|cesium|barium|lanthanum|cerium|"
    r"praseodymium|neodymium|promethium|samarium|europium|gadolinium|terbium|dysprosium|holmium|erbium|thulium|"
    r"ytterbium|lutetium|hafnium|tantalum|tungsten|rhenium|osmium|iridium|platinum|gold|mercury|thallium|lead|"
    r"bismuth|polonium|astatine|radon|francium|radium|actinium|thorium|protactinium|uranium|neptunium|"
    r"plutonium|rare[- ]earths?|heavy metals|platinum[- ]group|REEs?|PGEs?)\b",
    re.I,
)

# A concentration of an element asked for, the measure word next to the element ("what selenium
# concentration", "median lead in topsoil", "level of cadmium", "the gold detection limit in ppb"): only a
# number with a concentration's unit answers it, not a count of samples.
_MEASURED = (
    r"(?:concentrations?|contents?|levels?|values?|abundances?|backgrounds?|baselines?|detection\s+limits?)"
)
_CONCENTRATION_ASK = re.compile(
    r"(?:" + _ELEMENT.pattern + r")\s+(?:[\w-]+\s+)?" + _MEASURED + r"\b"
    r"|\b(?:"
    + _MEASURED
    + r"|median|mean|average)\s+(?:[\w-]+\s+){0,2}?(?:of|for)\s+(?:the\s+)?(?:"
    + _ELEMENT.pattern
    + r")(?!\s+(?:reports?|projects?|programmes?|surveys?|study|studies|maps?|atlas))"
    r"|\b(?:median|mean|average|typical|background)\s+(?:" + _ELEMENT.pattern + r")"
    r"|\b(?:ppm|ppb|mg/kg|µg/g|μg/g|ug/g|g/t)\b",
    re.I,
)
# a percentage alone is a share of anything ("25% of the samples"), not a concentration
_CONCENTRATION = re.compile(
    r"\b(\d[\d,.]*)\s*(?:ppm|ppb|ppt|parts\s+per\s+(?:million|billion|trillion)|[mµμun]g/(?:kg|g|l)\b|g/t\b|"
    r"wt\s?%)",
    re.I,
)

# A unit right after a number, at most one word between ("15,000 square kilometres", "70-day", "2 m deep").
_UNIT_AFTER = re.compile(
    r"\s*-?\s*(?:[a-z]+\s+)?(?:km2|km²|km|kilomet(?:re|er)s?|m|cm|mm|met(?:re|er)s?|centimet(?:re|er)s?|"
    r"millimet(?:re|er)s?|miles?|hectares?|ha|seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|"
    r"%|per\s?cent)\b",
    re.I,
)

# "Busan, Republic of Korea", "Delhi, India": a city and its country
_ADDRESS_BEFORE = re.compile(r"\b[A-Z][a-z]+,\s+(?:the\s+)?(?:Republic\s+of\s+)?$")

_CODE = re.compile(
    r"\b(?:[A-Z]{1,6}|No\.|[Nn]umber|[Rr]eport|[Ss]eries|[Pp]ublication|[Vv]olume|ISBN|ISSN)[-\s]?(\d+)(?:[-/.]\d+)*\b"
)

# What geochemical samples are taken of: the answer to "what sampling medium".
_MEDIUM = re.compile(
    r"\b(?:(?:stream|catchment|overbank|floodplain|flood-plain|lake|marine|active)\s+)?(?:sediments?|soils?|"
    r"topsoils?|subsoils?|waters?|rocks?|humus|regolith|loess|till|alluvium|laterites?|plants?|vegetation|"
    r"mosses?|dust|saprolite)\b",
    re.I,
)

_TITLE = re.compile(r"\b" + _TITLE_WORDS + r"\.?\s+[A-Z][a-z]+")

# Kinds whose value can be recognised reliably in a sentence; abstention requires one of these when it is
# asked for. A "who" may be answered by a person, a body or a country, so it only steers sentence choice.
STRICT_KINDS = frozenset(
    {
        "day",
        "year",
        "month",
        "date",
        "count",
        "measure",
        "extent",
        "money",
        "countries",
        "places",
        "universities",
        "elements",
        "bodies",
        "role",
        "journal",
        "concentration",
        "medium",
        "code",
    }
)

KIND_WORDS = {
    "day": "a day",
    "year": "a year",
    "month": "a month",
    "date": "a date",
    "count": "a count",
    "measure": "a measure",
    "extent": "a length, depth or duration with its unit",
    "concentration": "a concentration with its unit",
    "medium": "a sampling medium",
    "code": "an identifier",
    "countries": "country names",
    "places": "place names",
    "universities": "names of universities",
    "elements": "names of chemical elements",
    "money": "an amount of money",
    "bodies": "names of institutions",
    "person": "a person",
    "role": "a person's name",
    "journal": "a journal's title",
    "place": "a place",
}

# Words that phrase a request rather than name what is asked ("can you tell me", "pls list").
REQUEST_WORDS = frozenset(
    tokenize(
        "tell know list give name show explain describe find want like need please pls info information "
        "detail details anything something question ask d"
    )
)

_DAY_DATE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?(?:\s*(?:-|–|to|and)\s*\d{1,2}(?:st|nd|rd|th)?)?\s+"
    + _MONTH.pattern
    + r"|"
    + _MONTH.pattern
    + r"\s+\d{1,2}\b|\b\d{4}-\d{2}-\d{2}\b"
)

_COUNT = re.compile(
    r"\b\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|"
    r"seven|eigh|nine)teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|dozens?|hundreds?|"
    r"thousands?|millions?|billions?)\b",
    re.I,
)


def answer_type(question: str) -> str | None:
    """What the question asks for (a key of ``KIND_WORDS``, or None), from its first wh-phrase.

    The first ask decides in a multi-part question ("How long ... and how many ..."). A "who" about an
    office becomes "role", a count of money "money", and "what is the ... value" a "measure".
    """
    q = question.lower().strip()
    # the earliest ask, and of asks starting together the shortest ("which countries have laboratories"
    # asks for countries, not laboratories)
    found = [(m.start(), m.end(), kind) for kind, pattern in _ASKS if (m := pattern.search(q))]
    kind = min(found)[2] if found else None
    if kind == "place" and any(k == "places" for _, _, k in found):
        kind = "places"  # "where was it held, which city?": the more precise ask
    if kind == "person" and (cost := _MONEY_ASK.search(q)) and cost.start() < min(found)[0]:
        return "money"  # "what is the total cost and who is paying": the first ask is the amount
    if kind in (None, "person") and _ROLE_ASK.search(q):
        return "role"  # a "who" that asks who holds an office: answered by a person's name
    if (
        (kind is None and _MONEY_ASK.search(q))
        or (kind == "count" and (_MONEY_ASK.search(q) or _MONEY_IN_COUNT.search(q)))
        or (kind in (None, "count", "measure") and _CURRENCY_ASK.search(q))
    ):
        return "money"  # "price per sample", "how much money was spent": an amount with its currency
    if (
        (kind in (None, "measure") or (kind == "count" and "how much" in q))
        and _CONCENTRATION_ASK.search(q)
        and question_elements(question)
    ):
        return "concentration"
    if kind in (None, "measure") and _UNIT_ASKED.search(q):
        return "extent"  # "what area in km2": a number with that unit
    if kind is None and _QUANTITY_ASK.search(q):
        return "measure"
    return kind


# Irregular past forms and participles of verbs that questions and documents use in different tenses
# ("who was leading" / "led by"): the stemmer leaves them apart. Ambiguous forms ("found", "left") are not
# listed.
_IRREGULAR = {
    "led": "lead",
    "held": "hold",
    "took taken": "take",
    "met": "meet",
    "began begun": "begin",
    "sent": "send",
    "gave given": "give",
    "made": "make",
    "won": "win",
    "paid": "pay",
    "spent": "spend",
    "wrote written": "write",
    "chose chosen": "choose",
    "built": "build",
    "brought": "bring",
    "taught": "teach",
    "bought": "buy",
    "sold": "sell",
    "went gone": "go",
    "came": "come",
    "became": "become",
    "saw seen": "see",
    "told": "tell",
    "sought": "seek",
    "left": "leave",
    "grew grown": "grow",
    "knew known": "know",
    "drew drawn": "draw",
    "spoke spoken": "speak",
    "ran": "run",
    "rose risen": "rise",
    "shown": "show",
    "thought": "think",
    "undertook undertaken": "undertake",
}
_LEMMA = {
    form: base
    for forms, (base,) in ((forms, tokenize(base)) for forms, base in _IRREGULAR.items())
    for form in tokenize(forms)
}


def terms_of(text: str) -> frozenset[str]:
    """The stemmed words of ``text``, irregular verb forms taken to their base ("led" as "lead"): what
    question and sentence words are compared by."""
    return frozenset(_LEMMA.get(t, t) for t in tokenize(text))


# Verbs of an outcome or a step taken: "did Nepal sign", "was the map completed", "has the project
# started". Whether it happened is only answered by a sentence that states that step.
_EVENT_VERB = (
    r"(?:(?:sign|complet|finish|finalis|finaliz|conclud|join|approv|ratif|renew|publish|releas|launch|start|"
    r"begin|fund|pay|award|win|accept|adopt|agre|extend|establish|creat|open|clos|cancel|postpon|appoint|"
    r"elect|hir|employ|retir|resign|receiv|deliver|hand|submit|send|leav|discover|confirm|verif|reveal|identif|"
    r"uncover|inaugurat)"
    r"(?:e|es|ed|ing|s|d|ied|ies|y|ning)?"
    r"|began|begun|won|paid|sent|left|founded|founding)"
)
# The step a yes/no or "when" question asks about: the verb after "did/was/has ..." ("did Nepal sign",
# "which year was the sampling finished"), not one in a clause of its own ("decide to create", "the
# agreement that created").
_WORD_NOT_CLAUSE = (
    r"(?:(?!(?:which|what|who|when|where|how|that|to|after|before|since|until|once|because|while|if)\b)"
    r"[^\s?]+\s+)"
)
# the verb itself not after a preposition: "in Abuja for starting the project" is why he was there
_NOT_AFTER_PREPOSITION = r"(?<!\bfor )(?<!\bto )(?<!\bof )(?<!\bafter )(?<!\bbefore )(?<!\bby )"
# after the auxiliary: up to twelve words of the subject, then the verb of the step
_STEP_AFTER_AUXILIARY = _WORD_NOT_CLAUSE + r"{1,12}?" + _NOT_AFTER_PREPOSITION + r"(" + _EVENT_VERB + r")\b"
# a step still to come: "going to be published", "expected to be finished"
_PLANNED = r"\b(?:going|expected|planned|scheduled|due|supposed|likely)\s+to\b"
_PLANNED_ASK = re.compile(r"\bwill\b|\bshall\b|" + _PLANNED)
_POLAR_EVENT = re.compile(
    r"(?:^|[,;:?–-]\s*|\b(?:and|or|why)\s+|\b(?:when|(?:which|what)\s+(?:year|date|day|month))\s+"
    r"(?:exactly\s+|precisely\s+)?)(?:did|does|do|has|have|had|was|were|is|are|will)\s+"
    + _STEP_AFTER_AUXILIARY
    # "which projects did UNESCO approve": the thing asked for is what the step produced
    + r"|\b(?:which|what)\s+(?:[\w-]+\s+){0,4}?(?:did|does|do)\s+"
    + _STEP_AFTER_AUXILIARY
    # "when will the maps be finished" typed as "when the maps will be finished", "on what date the MOU
    # was finally signed"
    + r"|\b(?:when|which|what)\s+"
    + _WORD_NOT_CLAUSE
    + r"{0,11}?(?:will|would|was|were|is|are|has|have|had)\s+(?:be\s+|been\s+)?(?:\w+ly\s+)?("
    + _EVENT_VERB
    + r")\b"
    # "when is the atlas going to be published", "expected to be finished"
    + r"|\b(?:when|which|what)\s+"
    + _WORD_NOT_CLAUSE
    + r"{0,11}?"
    + _PLANNED
    + r"\s+(?:be\s+)?("
    + _EVENT_VERB
    + r")\b"
)


def asks_planned(question: str) -> bool:
    """Does the question ask when a step is to come ("when will the maps be finished", "when is the atlas
    going to be published")? Then a plan answers it: "the atlas will be published in 2026"."""
    return bool(_PLANNED_ASK.search(question.lower()))


# "Who became director", "who replaced X": taking an office is a step too. (Not "who paid": the answer
# often sits in a passage retrieval ranks lower than the course itself.)
_WHO_EVENT = re.compile(
    r"\bwho\s+(?:has\s+|had\s+|was\s+|were\s+|will\s+)?"
    r"(becomes?|became|replac(?:e|es|ed)|succeed(?:s|ed)?|appointed|elected|signed)\b"
)
# "X's successor", "who took over from X": only a sentence that says someone succeeded or replaced X answers
# it; one on X in office ("Director Dr Peng") or on someone else becoming a member does not.
# "after Peng Xuanming", not "after the founding" or "after 2018"
_AFTER_SOMEONE = r"\bafter\s+(?!(?:the|a|an|its|his|her|their|this|that|it|he|she|they|\d)\b)[a-z]"
_SUCCESSION_ASK = re.compile(
    r"\bsuccessors?\b|\b(?:took|taken|take|takes)\s+over\s+(?:from|as)\b|\bwho\b[^?]*?\b(?:replaced|succeeded)\b"
    # "who became director after Peng Xuanming" (not "after the founding", "after 2018")
    r"|\bwho\s+(?:\w+\s+)?(?:became|becomes|was\s+appointed|was\s+named|was\s+elected)\b[^?]*?"
    + _AFTER_SOMEONE
    # "after Peng Xuanming left, who became the new head"
    + r"|"
    + _AFTER_SOMEONE
    + r"[^?,]*?\b(?:left|retired|resigned|stepped\s+down)\b[^?]*?\bwho\b"
)
_SUCCESSION = "replace succeed successor"

# Verbs that state the same step: "won an award" is also "received an award".
_EVENT_FAMILIES = (
    "sign conclude",
    "become appoint elect",
    _SUCCESSION,
    "leave resign retire",
    "complete finish finalise finalize conclude",
    "start begin launch commence open",
    "found establish inaugurate open",
    "pay fund finance sponsor",
    "win receive award grant earn",
    "approve ratify adopt endorse",
    "discover find identify detect reveal uncover",
    "confirm verify prove validate",
)


_EVENT_FAMILY_TERMS = tuple(terms_of(words) for words in _EVENT_FAMILIES)


def polar_event(question: str) -> frozenset[str]:
    """Stemmed verbs that would state the step a yes/no question asks about ("did Nepal sign an
    agreement" gives {"sign"}; "was it completed" gives complete, finish, ...), or nothing. A sentence
    saying only that Nepal visited and was invited does not answer it."""
    q = question.lower().strip()
    if _SUCCESSION_ASK.search(q):
        return terms_of(_SUCCESSION)
    m = _POLAR_EVENT.search(q) or _WHO_EVENT.search(q)
    if not m:
        return frozenset()
    verb = terms_of(next(g for g in m.groups() if g))
    return verb.union(*(family for family in _EVENT_FAMILY_TERMS if verb & family))


_NOT_DONE = frozenset({"to", "will", "would", "could", "may", "might", "should", "shall", "can", "must"})


# "held from 29 August to 27 September 2017", "ran from 1988 to 1992": when something started and ended.
_WHEN_PART = (
    r"(?:\d{1,2}(?:st|nd|rd|th)?\s+"
    + _MONTH.pattern
    + r"(?:\s+"
    + _YEAR.pattern
    + r")?|"
    + _MONTH.pattern
    + r"(?:\s+"
    + _YEAR.pattern
    + r")?|"
    + _YEAR.pattern
    + r")"
)
_DATE_RANGE = re.compile(r"\b[Ff]rom\s+" + _WHEN_PART + r"\s+(?:to|until|till|through)\s+" + _WHEN_PART)
# "3 to 12 March", "9-17 October": how long something lasted
_DAYS_RANGE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s*(?:-|–|to|until)\s*\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH.pattern
)
# the families of starting and of finishing (_EVENT_FAMILIES)
_START_OR_END = frozenset().union(*(f for f in _EVENT_FAMILY_TERMS if f & terms_of("start complete")))


def mentions_event(text: str, event: frozenset[str]) -> bool:
    """Does ``text`` speak of the step at all, done or planned ("will be published in 2026")?"""
    return bool(terms_of(text) & event)


def states_event(text: str, event: frozenset[str]) -> bool:
    """Does ``text`` state the step (``polar_event``) as taken, not only as intended: "signed an
    agreement" does, "agreed to sign a memorandum" or "will sign" does not. A span of dates ("held from 29
    August to 27 September") states when something started and when it finished."""
    if event & _START_OR_END and (span := _DATE_RANGE.search(text)):
        before = re.findall(r"[\w'’-]+", text[: span.start()].lower())[-3:]  # "will run from 2021 to 2025"
        if not set(before) & _NOT_DONE:
            return True
    words = re.findall(r"[\w'’-]+", text.lower())
    return any(terms_of(w) & event and (i == 0 or words[i - 1] not in _NOT_DONE) for i, w in enumerate(words))


# "Why did X happen?": a question about the cause of a past event, answered only by a sentence that gives a
# cause. (Why a method is used - "why are samples dried at low temperature" - is explained in many ways and
# is not checked.)
_WHY_EVENT = re.compile(r"(?:^|[,;:?–-]\s*|\b(?:and|or|but)\s+)why\s+(?:did|was|were|had)\b")
_CAUSE = re.compile(
    r"\b(?:because|since|as a result|due to|owing to|thanks to|so that|so as to|in order to|therefore|thus|"
    r"hence|reasons?|aim(?:s|ed)?|purpose|intended|allow(?:s|ed)?|enabl\w*|ensur\w*|request(?:s|ed)?|"
    r"invit\w*|following|after|prompted|led to|caused?)\b",
    re.I,
)


def asks_cause(question: str) -> bool:
    """Does the question ask why a past event happened ("why did they organise a workshop for Peru")?"""
    return bool(_WHY_EVENT.search(question.lower().strip()))


# Words that only ever state a cause: what a sentence added for its cause alone must hold ("following"
# and "after" also just order things: "the following officers").
_FIRM_CAUSE = re.compile(
    r"\b(?:because|due to|owing to|as a result|thanks to|so that|in order to|therefore|hence|reasons?|"
    r"prompted|led to|caused)\b",
    re.I,
)


def gives_firm_cause(text: str) -> bool:
    """Does ``text`` state a cause in words that do nothing else ("postponed because of the pandemic")?"""
    return bool(_FIRM_CAUSE.search(text))


def gives_cause(text: str) -> bool:
    """Does ``text`` state a cause or purpose ("because", "so that", "at the request of", "following")?"""
    return bool(_CAUSE.search(text))


# "the highest gold value", "maximum depth": the extreme of a range, which a median or a mean is not.
_EXTREME_ASK = re.compile(
    r"\b(?:maximum|max|highest|peak|largest|biggest|greatest|minimum|min|lowest|smallest)\b", re.I
)
_EXTREME = re.compile(
    r"\b(?:maxim(?:um|a)|max|highest|peak|largest|biggest|greatest|minim(?:um|a)|lowest|smallest|up\s+to|"
    r"as\s+(?:high|low|much|little)\s+as|rang(?:e|es|ed|ing)|reach(?:ed|es|ing)?|exceed(?:ed|s|ing)?)\b"
    r"|\bfrom\s+[\d.,]+\s+(?:\S+\s+)?to\s+[\d.,]+",
    re.I,
)


# Which statistic of an element a concentration question asks for, each with the words that state it: a
# median does not give the detection limit.
_STATISTICS = (
    (re.compile(r"\bdetection\s+limits?\b", re.I), "detection"),
    (re.compile(r"\bmedians?\b", re.I), "median"),
    (re.compile(r"\b(?:means?|averages?)\b", re.I), "mean average"),
    (re.compile(r"\bbackgrounds?\b", re.I), "background"),
    (re.compile(r"\bbaselines?\b", re.I), "baseline"),
)


def asked_statistic(question: str, kind: str | None) -> frozenset[str]:
    """Stems of the words that state the statistic a concentration question (``kind``, its
    ``answer_type``) asks for ("what detection limit for gold" gives {"detect"}), or nothing when it asks
    for a concentration in general."""
    if kind != "concentration":
        return frozenset()
    for pattern, words in _STATISTICS:
        if pattern.search(question):
            return terms_of(words)
    return frozenset()


def asks_extreme(question: str, kind: str | None) -> bool:
    """Does the question (of ``answer_type`` ``kind``) ask for the highest or lowest of a quantity ("the
    maximum gold value")?"""
    return kind in ("concentration", "measure", "extent") and bool(_EXTREME_ASK.search(question))


def gives_extreme(text: str) -> bool:
    """Does ``text`` state an extreme or a range ("up to 120 ppb", "ranged from 0.1 to 43")?"""
    return bool(_EXTREME.search(text))


# "who is the director now", "what courses does it run this year": the documents are dated, so what holds
# today is answered only by a sentence that says it holds now ("currently", "still", "remains").
_NOW = r"now|today|currently|current|at the moment|at present|presently|these days|this year|nowadays"
_PRESENT_ASK = re.compile(rf"\b(?:{_NOW})\b", re.I)
_PRESENT = re.compile(rf"\b(?:{_NOW}|still|remains?|continues?|so far|to date)\b", re.I)


def asks_present(question: str) -> bool:
    """Does the question ask what holds today ("who is the director now")?"""
    return bool(_PRESENT_ASK.search(question))


def says_present(text: str) -> bool:
    """Does ``text`` say what holds now ("currently", "still", "remains"), not only what once did?"""
    return bool(_PRESENT.search(text))


# "who were the other members of the delegation": people besides the one a passage names as its leader
_OTHER_PEOPLE_ASK = re.compile(
    r"\b(?:other|remaining)\s+(?:\w+\s+){0,2}?(?:members|people|persons|participants|delegates|lecturers|"
    r"experts|speakers|officials|authors|representatives|staff|trainees)\b|\bthe\s+(?:others|rest)\b",
    re.I,
)


def asks_other_people(question: str) -> bool:
    """Does the question ask for the other people of a group ("the other four members of the delegation"),
    which a sentence naming only its leader does not answer?"""
    return bool(_OTHER_PEOPLE_ASK.search(question))


def years_in(text: str) -> frozenset[str]:
    """The years ``text`` names ("2019")."""
    return frozenset(_YEAR.findall(text))


def question_values(question: str) -> frozenset[str]:
    """Numbers (also spelled out: "five") and the (stemmed) words of the question, names and chemical
    elements among them: a sentence that only repeats them has not answered anything. Names count typed in
    lower case too ("which countries apart from laos"): partners often type that way."""
    numbers = {m.group(0).lower().rstrip(".,") for m in _COUNT.finditer(question)}
    return frozenset(numbers) | frozenset(tokenize(question))


# A numbered name in a question: "IGCP 360", "GSD 1-8", "igcp 259" (not "in 2016", "December 2016").
_NUMBERED_NAME = re.compile(r"\b([A-Za-z][A-Za-z'’]+)[\s-]+(\d[\d.]*(?:-\d+)?)\b(?!-[A-Za-z])")

# A capitalised name after a preposition of place: "held in Beijing", "came to Langfang", "at Vientiane".
_AT_PLACE = re.compile(
    r"\b(?:in|at|near|to|from|outside|around)\s+(?:the\s+(?:city|town|province)\s+of\s+)?"
    r"([A-Z][a-z]+(?:[ -][A-Z][a-z]+)*)"
    # or named by its kind: "Houaphan province", "Hebei Province", "Guilin City"
    r"|\b([A-Z][a-z]+(?:[ -][A-Z][a-z]+)*)\s+(?:[Pp]rovince|[Cc]ity|[Cc]ounty|[Pp]refecture|[Dd]istrict)\b"
)


def place_names(text: str) -> list[str]:
    """Names of places below a country in ``text``: capitalised names after a preposition of place ("in
    Guilin"), not countries ("in Sweden" does not say which city), months, days or institutions."""
    names = []
    for m in _AT_PLACE.finditer(text):
        name = m.group(1) or m.group(2)
        if not (
            _MONTH.match(name) or _WEEKDAY.match(name) or _INSTITUTION.search(name) or country_names(name)
        ):
            names.append(name)
    return names


def numbered_names(question: str) -> dict[str, str]:
    """{name word (lower case): number} for the numbered names of the question ("IGCP 360").

    Years and months are left out: "December 2016" dates something rather than naming it.
    """
    out: dict[str, str] = {}
    for m in _NUMBERED_NAME.finditer(question):
        word, number = m.group(1).lower(), m.group(2)
        if word in STOPWORDS or _MONTH.fullmatch(m.group(1)) or _YEAR.fullmatch(number):
            continue
        out.setdefault(word, number)
    return out


def about_another(text: str, names: dict[str, str], elements: frozenset[str]) -> bool:
    """Is ``text`` about another instance of what the question names: another numbered name
    (:func:`names_another`), or other chemical elements and none of the question's ``elements``
    ("the chromium baseline" for "the copper baseline")?"""
    if names and names_another(text, names):
        return True
    mentioned = elements_in(text) if elements else frozenset()
    return bool(mentioned) and not mentioned & elements


# "lead" in a question is mostly the verb; it is the element before what is measured of it.
_LEAD_ELEMENT = re.compile(
    r"\blead\s+(?:concentrations?|contents?|levels?|values?|pollution|contamination|poisoning|isotopes?|"
    r"anomal\w*|baselines?|data|maps?)\b"
    r"|\b(?:median|mean|average|background|baseline)\s+lead\b"
    r"|\b(?:abundance|concentration|content|level)s?\s+of\s+lead\b",
    re.I,
)


def question_elements(question: str) -> frozenset[str]:
    """The chemical elements a question is about (:func:`elements_in`), "lead" only as the element ("lead
    concentrations", not "who will lead the team")."""
    found = elements_in(question)
    return found if _LEAD_ELEMENT.search(question) else found - {"lead"}


def elements_in(text: str) -> frozenset[str]:
    """Stemmed names of the chemical elements (and element groups) that ``text`` mentions."""
    return frozenset(tokenize(" ".join(m.group(0) for m in _ELEMENT.finditer(text))))


def names_another(text: str, names: dict[str, str]) -> bool:
    """Does ``text`` name another instance of one of the question's numbered names ("IGCP 259" when
    "IGCP 360" was asked) without naming the asked one? Such a sentence is about something else."""
    for m in _NUMBERED_NAME.finditer(text):
        word = m.group(1).lower()
        if (
            word in names
            and m.group(2) != names[word]
            and not re.search(rf"\b{re.escape(m.group(1))}[\s-]+{re.escape(names[word])}\b", text, re.I)
        ):
            return True
    return False


def capitalised_terms(text: str, *, skip_opening_word: bool) -> frozenset[str]:
    """Stemmed tokens of the capitalised words and acronyms of ``text``, also after "Dr." or a full stop.

    With ``skip_opening_word`` the first word is left out unless it is an acronym: a question's first
    word is capitalised by sentence case, not because it is a name.
    """
    words = list(re.finditer(r"\b[A-Z]\w*", text))
    opening = bool(words) and not text[: words[0].start()].strip()
    if skip_opening_word and opening and not re.fullmatch(r"[A-Z][A-Z0-9]+", words[0].group(0)):
        words = words[1:]
    return frozenset(tokenize(" ".join(m.group(0) for m in words)))


# "Which Peruvian institution", "which other chinese organisation": bodies of one country.
_BODY_OF_COUNTRY = re.compile(
    r"\b(?:which|what|name\s+of\s+the)\s+(?:other\s+)?([a-z]+)\s+(?:[a-z]+\s+)?(?:" + _BODY_NOUNS + r")\b"
)


def country_of_word(word: str) -> str | None:
    """The country a word names or is built on ("laos", "Peruvian", "chinese", "kazakh"), or None."""
    if names := countries_asked(word):
        return names[0]
    if len(word) >= 5 and re.search(r"(?:an|ese|i|ish)$", word, re.I):
        built = word[:1].upper() + word[1:].lower()
        for name in sorted(COUNTRY_NAMES):
            if " " not in name and len(name) >= 4 and mentions_country(built, name):
                return name
    return None


def body_country(question: str) -> str | None:
    """The country whose institutions a "which Peruvian institution" question asks for, or None."""
    m = _BODY_OF_COUNTRY.search(question.lower())
    return country_of_word(m.group(1)) if m else None


# A journal's title: "Journal of Geochemical Exploration", "Earth Science Frontiers", "Applied Geochemistry".
_JOURNAL = re.compile(
    r"\b(?:Journal|Annals|Bulletin|Proceedings|Transactions|Acta)\s+(?:of\s+(?:the\s+)?)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*"
    r"|\b[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*\s+(?:Journal|Frontiers|Letters|Reviews?|Bulletin|Geochemistry|Geology|"
    r"Sciences?|Research|Exploration|News|Daily|Times|Gazette|Herald)\b"
)


def outside_bodies(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Matches of ``pattern`` in ``text`` that overlap no body's name: "Global-Scale Geochemistry" in "the
    International Centre on Global-Scale Geochemistry" is neither a journal nor a person."""
    bodies = [m.span() for m in _INSTITUTION.finditer(text)]
    return [m for m in pattern.finditer(text) if not any(s < m.end() and m.start() < e for s, e in bodies)]


def journal_titles(text: str) -> list[str]:
    """Titles of journals in ``text``, not names of bodies ("Centre on Global-Scale Geochemistry")."""
    return [m.group(0) for m in outside_bodies(_JOURNAL, text)]


def carries_answer_type(
    kind: str | None,
    text: str,
    known: frozenset[str] = frozenset(),
    people: frozenset[str] = frozenset(),
    country: str | None = None,
) -> bool:
    """Does ``text`` contain a value of the asked kind that the question (``known``) does not already give?

    A count must be a number that is not part of a date; a "when" needs a new year, month or day; a
    "which day" needs a day and month; a "role" needs a person's name (:func:`person_names`, with the
    ``people`` of :func:`people_in`); "bodies" of a ``country`` (:func:`body_country`) need a name that says
    so. Kinds that cannot be checked this way (None, person, place) pass.
    """
    if kind == "day":
        return bool(_DAY_DATE.search(text))
    if kind == "year":
        return any(y not in known for y in _YEAR.findall(text))
    if kind == "month":
        return bool(_MONTH.search(text))
    if kind == "date":
        return bool(_DAY_DATE.search(text) or _MONTH.search(text)) or any(
            y not in known for y in _YEAR.findall(text)
        )
    if kind == "countries":  # not the country of an address ("in Busan, Republic of Korea")
        return any(
            not set(tokenize(m.group(0))) <= known
            for m in country_matches(text)
            if not _ADDRESS_BEFORE.search(text[: m.start()])
        )
    if kind == "places":  # a place's name the question does not already give
        return any(not set(tokenize(n)) <= known for n in place_names(text))
    if kind == "role":  # a person the question does not already name (no word of the name given)
        return any(not set(tokenize(n)) & known for n in person_names(text, people))
    if kind == "journal":
        return any(not set(tokenize(n)) <= known for n in journal_titles(text))
    if kind == "money":
        return bool(_MONEY.search(text))
    if kind == "concentration":  # "0.79 parts per billion", "50 ug/g", not "787 samples"
        return any(m.group(1).rstrip(".,") not in known for m in _CONCENTRATION.finditer(text))
    if kind == "elements":  # an element the question does not already name
        return any(not set(tokenize(m.group(0))) <= known for m in _ELEMENT.finditer(text))
    if kind == "universities":  # "University of X", "X College": a university's name, not any body's
        names = [
            m.group(0) for m in _INSTITUTION.finditer(text) if re.search(r"Universit|College", m.group(0))
        ]
        return any(not set(tokenize(n)) <= known for n in names)
    if kind == "bodies":  # an institution's name (an acronym, or "... Survey of ...") not in the question
        bodies = list(_INSTITUTION.finditer(text))
        if country:  # of that country: "Geological Survey of Iran", "Peru's Mining Institute", "the
            # Peruvian Mining Institute"; an acronym alone does not say whose it is
            names = [
                m.group(0)
                for m in bodies
                if mentions_country(text[max(0, m.start() - 20) : m.end()], country)
            ]
        else:
            names = [m.group(0) for m in bodies] + _ACRONYM.findall(text)
        return any(not set(tokenize(n)) <= known for n in names)
    if kind in ("count", "measure"):
        return bool(new_numbers(kind, text, known)[1])
    if kind == "extent":  # "20 metres", "a three-week course", "from 3 to 12 March": not a bare year
        rest, numbers = new_numbers(kind, text, known)
        return any(_UNIT_AFTER.match(rest, m.end()) for m in numbers) or bool(
            _DATE_RANGE.search(text) or _DAYS_RANGE.search(text)
        )
    if kind == "code":  # "GBW07301", "No. 19", "report 19": a number tied to a name, not given already
        return any(m.group(1) not in known for m in _CODE.finditer(text))
    if kind == "medium":  # any: "stream sediment or soil?" is answered by one of the two
        return bool(_MEDIUM.search(text))
    return True


def new_numbers(kind: str, text: str, known: frozenset[str] = frozenset()) -> tuple[str, list[re.Match[str]]]:
    """(text searched, number matches in it) that the question does not already give.

    For a count, dates and years are blanked first: "in 2016" counts nothing.
    """
    rest = _YEAR.sub(" ", _DAY_DATE.sub(" ", text)) if kind == "count" else text
    return rest, [m for m in _COUNT.finditer(rest) if m.group(0).lower().rstrip(".,") not in known]


def matches_type(kind: str | None, text: str, people: frozenset[str]) -> bool:
    """Sentence-choice bonus: the sentence holds something of the asked kind (names for who/where)."""
    if kind in STRICT_KINDS:
        return carries_answer_type(kind, text, people=people)
    if kind == "person":
        return bool(_NAME.search(text) or re.search(r"\b(Dr|Prof|Mr|Ms|Mrs)\b", text))
    if kind == "place":
        return bool(_NAME.search(text) or re.search(r"\b[A-Z][a-z]{3,}\b", text[1:]))
    return False


def asked_terms(question: str) -> frozenset[str]:
    """The question's content words that say what is asked (not names or numbers, not request words).

    In "What training courses does the Karst centre offer?" these are training, course, offer: an answer
    that mentions only the Karst centre has found the subject but not what was asked about it.
    """
    names = capitalised_terms(question, skip_opening_word=True)
    return terms_of(question) - specific_terms(question) - names - REQUEST_WORDS


# A run of capitalised words ("Deputy Director Gan Xingping"); a full name is two or three of them.
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b")


def person_names(text: str, people: frozenset[str] = frozenset()) -> list[str]:
    """People's names in ``text``: a title and a name ("Dr Peng"), or a word of a name the passages give
    in full (``people``, from :func:`people_in`: "Darnley" once "Arthur Darnley" has been seen)."""
    names = [m.group(0) for m in _TITLE.finditer(text)]
    bodies = [m.span() for m in _INSTITUTION.finditer(text)]
    run: list[str] = []  # adjacent words of one name: "Soma Nath Sapkota" is one person
    for m in re.finditer(r"[^\W\d_][\w]*|[^\w\s-]+", text):
        word = m.group(0)
        tokens = set(tokenize(word))
        in_body = any(
            s <= m.start() < e for s, e in bodies
        )  # "Geochemical" of "Institute of ... Exploration"
        if word[0].isupper() and tokens and tokens <= people and not in_body:
            run.append(word)
            continue
        if run:
            names.append(" ".join(run))
            run = []
    if run:
        names.append(" ".join(run))
    return names


# Capitalised words of titles, offices and places, never part of a person's name here.
_NOT_NAME = frozenset(
    tokenize(
        "director deputy general chief head board executive secretary president chair scientist minister "
        "province city county region river basin desert mountains sea ocean lake island valley plateau"
    )
)


def passage_text(p: Passage) -> str:
    """What a passage says: its document's title, its heading and its text."""
    return f"{p.document.title}\n{p.chunk.heading}\n{p.chunk.text}"


def written_only(texts: Sequence[str], form) -> frozenset[str]:
    """Stemmed terms whose words ``texts`` write only in the ``form`` (a test on a word) and never
    otherwise: only capitalised ("Xuejing") or only in capitals ("ICGG")."""
    chosen: set[str] = set()
    other: set[str] = set()
    for text in texts:
        for w in _WORD_CASED.findall(text):
            (chosen if form(w) else other).update(tokenize(w))
    return frozenset(chosen - other)


def people_in(passages: Sequence[Passage], vocabulary: frozenset[str] | None = None) -> frozenset[str]:
    """Stemmed words of the people's full names in the passages: two or three capitalised words that the
    passages only ever write capitalised and that name no institution, country, month, office or place
    ("Xie Xuejing", "Shahbaz Khan"; not "Chemical Earth", "Geological Survey", "South Africa").

    With the embedding model's ``vocabulary`` (lower-case whole words), a name also needs a word the
    vocabulary lacks: "Xuejing", "Darnley" are names, "Sino Mongolian" is not.
    """
    texts = [passage_text(p) for p in passages]
    proper = written_only(texts, lambda w: w[0].isupper())
    out: set[str] = set()
    for text in texts:
        for m in outside_bodies(_CAPITALISED_RUN, text):
            words = m.group(0).replace("-", " ").split()
            while words and set(tokenize(words[0])) <= _NOT_NAME:
                words = words[1:]  # an office before the name: "Deputy Director Gan Xingping"
            if not 2 <= len(words) <= 3:
                continue
            name = " ".join(words)
            tokens = set(tokenize(name))
            words = name.lower().split()
            if (
                tokens
                and tokens <= proper
                and not tokens & _NOT_NAME
                and (vocabulary is None or any(w not in vocabulary for w in words))
                and not (_INSTITUTION.search(name) or country_names(name) or _MONTH.search(name))
            ):
                out |= tokens
    return frozenset(out)


def acronyms_in(passages: Sequence[Passage]) -> frozenset[str]:
    """Terms the passages write only as acronyms ("ICGG", "RGNR"): names, even when a question types
    them in lower case ("icgg director"), so they never count as what is asked about."""
    return written_only([passage_text(p) for p in passages], lambda w: len(w) > 1 and w.isupper())


def specific_terms(question: str) -> frozenset[str]:
    """The question's numbers and proper names (capitalised words not opening the question, acronyms
    anywhere), stemmed."""
    raw = [m.group(0) for m in re.finditer(r"\b\w*\d\w*\b", question)]
    raw += [m.group(1) for m in _CAPITALISED.finditer(question.strip())]
    # an acronym is a name even where sentence case would capitalise any word ("GEMAS sampling density")
    raw += re.findall(r"(?:^|(?<=[.!?]\s))([A-Z]{2,}[A-Z0-9]*)\b", question.strip())
    return frozenset(tokenize(" ".join(raw)))


@cache
def _vocabulary_of(tokenizer) -> frozenset[str]:
    return frozenset(w for w in tokenizer.get_vocab() if w.isalpha())


def word_vocabulary(embedder: Embedder) -> frozenset[str] | None:
    """The whole words of the embedding model's tokenizer (None when it exposes none): common words."""
    tokenizer = getattr(embedder, "tokenizer", None)
    if tokenizer is None or not hasattr(tokenizer, "get_vocab"):
        return None
    return _vocabulary_of(tokenizer)
