"""The world's country names, so that "which countries ...?" is answered only by a sentence naming one.

Any capitalised word used to pass for a place ("Xinhua", "Chemical Earth"). This is a general
gazetteer of the UN member and observer states and a few widely used territories, in their common English
short forms and frequent variants; it is data about the world, not about any question. Matching is on
whole words, case-sensitive, so "Chad" the country is found and "chad" is not.
"""

from __future__ import annotations

import re

_NAMES = """
Afghanistan; Albania; Algeria; Andorra; Angola; Antigua and Barbuda; Argentina; Armenia; Australia; Austria;
Azerbaijan; Bahamas; Bahrain; Bangladesh; Barbados; Belarus; Belgium; Belize; Benin; Bhutan; Bolivia;
Bosnia and Herzegovina; Botswana; Brazil; Brunei; Bulgaria; Burkina Faso; Burundi; Cabo Verde; Cape Verde;
Cambodia; Cameroon; Canada; Central African Republic; Chad; Chile; China; Colombia; Comoros; Congo;
Democratic Republic of the Congo; Costa Rica; Côte d'Ivoire; Cote d'Ivoire; Ivory Coast; Croatia; Cuba;
Cyprus; Czechia; Czech Republic; Denmark; Djibouti; Dominica; Dominican Republic; Ecuador; Egypt;
El Salvador; Equatorial Guinea; Eritrea; Estonia; Eswatini; Swaziland; Ethiopia; Fiji; Finland; France;
Gabon; Gambia; Georgia; Germany; Ghana; Greece; Grenada; Guatemala; Guinea; Guinea-Bissau; Guyana; Haiti;
Honduras; Hungary; Iceland; India; Indonesia; Iran; Iraq; Ireland; Israel; Italy; Jamaica; Japan; Jordan;
Kazakhstan; Kenya; Kiribati; North Korea; South Korea; Korea; Kosovo; Kuwait; Kyrgyzstan; Laos; Lao PDR;
Latvia; Lebanon; Lesotho; Liberia; Libya; Liechtenstein; Lithuania; Luxembourg; Madagascar; Malawi;
Malaysia; Maldives; Mali; Malta; Marshall Islands; Mauritania; Mauritius; Mexico; Micronesia; Moldova;
Monaco; Mongolia; Montenegro; Morocco; Mozambique; Myanmar; Burma; Namibia; Nauru; Nepal; Netherlands;
New Zealand; Nicaragua; Niger; Nigeria; North Macedonia; Macedonia; Norway; Oman; Pakistan; Palau;
Palestine; Panama; Papua New Guinea; Paraguay; Peru; Philippines; Poland; Portugal; Qatar; Romania;
Russia; Russian Federation; Rwanda; Saint Kitts and Nevis; Saint Lucia; Saint Vincent and the Grenadines;
Samoa; San Marino; Sao Tome and Principe; Saudi Arabia; Senegal; Serbia; Seychelles; Sierra Leone;
Singapore; Slovakia; Slovenia; Solomon Islands; Somalia; South Africa; South Sudan; Spain; Sri Lanka;
Sudan; Suriname; Sweden; Switzerland; Syria; Taiwan; Tajikistan; Tanzania; Thailand; Timor-Leste;
East Timor; Togo; Tonga; Trinidad and Tobago; Tunisia; Turkey; Türkiye; Turkmenistan; Tuvalu; Uganda;
Ukraine; United Arab Emirates; UAE; United Kingdom; UK; Britain; Great Britain; England; Scotland; Wales;
United States; United States of America; USA; US; Uruguay; Uzbekistan; Vanuatu; Vatican; Venezuela;
Vietnam; Viet Nam; Yemen; Zambia; Zimbabwe; Greenland; Hong Kong; Macao; Macau; Puerto Rico
"""
COUNTRY_NAMES = frozenset(n.strip() for n in _NAMES.replace("\n", " ").split(";") if n.strip())


def _any_of(names: frozenset[str], flags: int = 0) -> re.Pattern[str]:
    """One of ``names`` as a whole word; longest first, so "South Sudan" is one name rather than "Sudan"."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(r"(?<![\w-])(?:" + alternatives + r")(?![\w-])", flags)


_COUNTRY = _any_of(COUNTRY_NAMES)
# For questions, which partners often type in lower case; "US" is left out ("tell us").
_COUNTRY_ANY_CASE = _any_of(COUNTRY_NAMES - {"US"}, re.IGNORECASE)


def country_matches(text: str) -> list[re.Match[str]]:
    """Where ``text`` writes a country's name, as written (case-sensitive)."""
    return list(_COUNTRY.finditer(text))


def country_names(text: str, any_case: bool = False) -> list[str]:
    """The country names written in ``text``, in order; with ``any_case`` also in lower case ("laos")."""
    return (_COUNTRY_ANY_CASE if any_case else _COUNTRY).findall(text)


# Adjectives of nationality, as partners name a country in a question ("the nigerian project", "the
# Sino-Mongolian border", "cambodian side"); ambiguous ones ("American", "Guinean", "Dominican") are left out.
_ADJECTIVES = """
Afghanistan: Afghan; Albania: Albanian; Algeria: Algerian; Angola: Angolan;
Argentina: Argentine, Argentinian; Armenia: Armenian; Australia: Australian; Austria: Austrian;
Azerbaijan: Azerbaijani; Bangladesh: Bangladeshi; Belarus: Belarusian; Belgium: Belgian; Benin: Beninese;
Bhutan: Bhutanese; Bolivia: Bolivian; Botswana: Botswanan; Brazil: Brazilian; Bulgaria: Bulgarian;
Burkina Faso: Burkinabe; Burundi: Burundian; Cambodia: Cambodian, Khmer; Cameroon: Cameroonian;
Canada: Canadian; Chad: Chadian; Chile: Chilean; China: Chinese, Sino; Colombia: Colombian;
Congo: Congolese; Costa Rica: Costa Rican; Croatia: Croatian; Cuba: Cuban; Cyprus: Cypriot; Czechia: Czech;
Denmark: Danish; Ecuador: Ecuadorian; Egypt: Egyptian; Eritrea: Eritrean; Estonia: Estonian;
Ethiopia: Ethiopian; Fiji: Fijian; Finland: Finnish; France: French, Franco; Gabon: Gabonese;
Gambia: Gambian; Germany: German; Ghana: Ghanaian; Greece: Greek; Guatemala: Guatemalan; Haiti: Haitian;
Honduras: Honduran; Hungary: Hungarian; Iceland: Icelandic; India: Indian; Indonesia: Indonesian;
Iran: Iranian; Iraq: Iraqi; Ireland: Irish; Israel: Israeli; Italy: Italian; Jamaica: Jamaican;
Japan: Japanese, Japano; Jordan: Jordanian; Kazakhstan: Kazakh; Kenya: Kenyan; Korea: Korean; Kuwait: Kuwaiti;
Kyrgyzstan: Kyrgyz; Laos: Lao, Laotian; Latvia: Latvian; Lebanon: Lebanese; Liberia: Liberian;
Libya: Libyan; Lithuania: Lithuanian; Madagascar: Malagasy; Malawi: Malawian; Malaysia: Malaysian;
Mali: Malian; Mauritania: Mauritanian; Mexico: Mexican; Moldova: Moldovan; Mongolia: Mongolian;
Morocco: Moroccan; Mozambique: Mozambican; Myanmar: Burmese; Namibia: Namibian; Nepal: Nepali, Nepalese;
Netherlands: Dutch; Nicaragua: Nicaraguan; Nigeria: Nigerian; Norway: Norwegian; Oman: Omani;
Pakistan: Pakistani; Panama: Panamanian; Paraguay: Paraguayan; Peru: Peruvian;
Philippines: Filipino, Philippine; Poland: Polish; Portugal: Portuguese; Qatar: Qatari; Romania: Romanian;
Russia: Russian, Russo; Rwanda: Rwandan; Saudi Arabia: Saudi; Senegal: Senegalese; Serbia: Serbian;
Sierra Leone: Sierra Leonean; Singapore: Singaporean; Slovakia: Slovak; Slovenia: Slovenian;
Somalia: Somali; South Africa: South African; Spain: Spanish; Sri Lanka: Sri Lankan; Sudan: Sudanese;
Sweden: Swedish; Switzerland: Swiss; Syria: Syrian; Tajikistan: Tajik; Tanzania: Tanzanian; Thailand: Thai;
Togo: Togolese; Tunisia: Tunisian; Turkey: Turkish; Turkmenistan: Turkmen; Uganda: Ugandan;
Ukraine: Ukrainian; United Kingdom: British; Uruguay: Uruguayan; Uzbekistan: Uzbek; Venezuela: Venezuelan;
Vietnam: Vietnamese; Yemen: Yemeni; Zambia: Zambian; Zimbabwe: Zimbabwean
"""
ADJECTIVE_COUNTRY = {
    adjective.strip(): country.strip()
    for entry in _ADJECTIVES.replace("\n", " ").split(";")
    if entry.strip()
    for country, adjectives in [entry.split(":")]
    for adjective in adjectives.split(",")
}
_ADJECTIVES_OF: dict[str, tuple[str, ...]] = {}
for _adjective, _country in ADJECTIVE_COUNTRY.items():
    _ADJECTIVES_OF[_country] = (*_ADJECTIVES_OF.get(_country, ()), _adjective)
_ADJECTIVE_ALTERNATIVES = "|".join(re.escape(a) for a in sorted(ADJECTIVE_COUNTRY, key=len, reverse=True))
# "Sino-Mongolian" and "Lao-Thai" as well as "Mongolian"; not the language words inside a longer name
_ADJECTIVE = re.compile(r"(?<![\w])(" + _ADJECTIVE_ALTERNATIVES + r")(?![\w])")
_ADJECTIVE_ANY_CASE = re.compile(_ADJECTIVE.pattern, re.IGNORECASE)
# lower case -> country name, for questions typed in any case
_COUNTRY_OF_LOWER = {
    **{a.lower(): c for a, c in ADJECTIVE_COUNTRY.items()},
    **{c.lower(): c for c in COUNTRY_NAMES},
}


def countries_asked(question: str) -> list[str]:
    """The countries a question names, by name or by adjective in any case ("the nigerian project",
    "Sino-Mongolian" gives China and Mongolia), each once in order of first mention, as country names."""
    found = [(m.start(), m.group(0)) for m in _COUNTRY_ANY_CASE.finditer(question)]
    found += [(m.start(), m.group(1)) for m in _ADJECTIVE_ANY_CASE.finditer(question)]
    names: list[str] = []
    for _, written in sorted(found):
        name = _COUNTRY_OF_LOWER[written.lower()]
        if name not in names:
            names.append(name)
    return names


def mentions_country(text: str, name: str) -> bool:
    """Does ``text`` name the country ``name``, use a word built on its first four letters ("Peruvian",
    "Chinese", "Nepalese") or its adjective ("Lao staff", "Sino-Mongolian")?"""
    stem = name[:4]
    return (
        bool(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I))
        or bool(re.search(rf"\b{re.escape(stem[0].upper() + stem[1:].lower())}[a-z]*\b", text))
        or any(re.search(rf"\b{re.escape(a)}\b", text) for a in _ADJECTIVES_OF.get(name, ()))
    )


def country_forms(country: str) -> tuple[str, ...]:
    """The country's name and its adjectives ("Australia", "Australian")."""
    return (country, *_ADJECTIVES_OF.get(country, ()))


def countries_in(text: str) -> frozenset[str]:
    """The countries ``text`` names as written, by name or by capitalised adjective ("22 Chinese and Lao
    staff" gives China and Laos)."""
    found = set(country_names(text))
    found.update(ADJECTIVE_COUNTRY[m.group(1)] for m in _ADJECTIVE.finditer(text))
    return frozenset(found)


def about_other_countries(text: str, asked: list[str], home: str = "") -> bool:
    """Does ``text`` name some country other than ``home`` but none of the ``asked`` ones (``home`` aside)?
    "22 Chinese and Lao staff collected 146 samples" gives no count for a question about the Nigeria project,
    even in a report on both; "signed for the Chinese side" may still be about the agreement with Cambodia
    when China is ``home``, one side of every cooperation; "China and Cambodia signed" is not about when
    China and Iran did."""
    partners = [c for c in asked if c != home] or asked  # "China and Iran": Iran is the one to name
    return (
        bool(asked)
        and bool(countries_in(text) - {home} - set(asked))
        and not any(mentions_country(text, c) for c in partners)
    )


_LIST_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def listed_countries(text: str) -> list[str]:
    """The countries listed at the very start of ``text`` ("Argentina, Cambodia and Ethiopia visited"
    gives all three; "Nepal, led by ..." gives one)."""
    found: list[str] = []
    rest = text
    while m := _COUNTRY.match(rest):
        found.append(m.group(0))
        sep = _LIST_SEPARATOR.match(rest, m.end())
        if not sep:
            break
        rest = rest[sep.end() :]
    return found


_OTHERS_ASKED = re.compile(r"\b(?:foreign|overseas|abroad|international|other\s+countries)\b", re.I)


def asks_about_others(question: str) -> bool:
    """Does the question also ask about countries it does not name ("how many foreign and how many
    Chinese trainees")?"""
    return bool(_OTHERS_ASKED.search(question))
