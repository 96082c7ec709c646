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


def country_names(text: str, any_case: bool = False) -> list[str]:
    """The country names written in ``text``, in order; with ``any_case`` also in lower case ("laos")."""
    return (_COUNTRY_ANY_CASE if any_case else _COUNTRY).findall(text)


# Combining forms that name a country inside a compound ("the Sino-Mongolian border").
_COMBINING_FORMS = {
    "china": "Sino",
    "japan": "Japano",
    "france": "Franco",
    "russia": "Russo",
}


def mentions_country(text: str, name: str) -> bool:
    """Does ``text`` name the country ``name``, use a word built on its first four letters ("Peruvian",
    "Chinese", "Nepalese") or its combining form ("Sino-")?"""
    stem = name[:4]
    form = _COMBINING_FORMS.get(name.lower())
    return (
        bool(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I))
        or bool(re.search(rf"\b{re.escape(stem[0].upper() + stem[1:].lower())}[a-z]*\b", text))
        or bool(form and re.search(rf"\b{form}-[A-Z]", text))
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
