"""Ukraine's oblasts under every spelling our sources use, resolved to ISO 3166-2 codes.

The sources name the same oblast in many ways: the alerts files say "Kharkivska oblast",
the missile reports "Kharkiv oblast", UCDP "Kharkiv Oblast" or "Kiev Special Republican
city", ACLED's admin1 just "Kharkiv", the oblast outlines "Харківська область". ``OBLASTS``
is the one table of names; ``resolve_oblast`` matches a name against it after folding case,
apostrophes, hyphens and the words "oblast", "region", "область".

Two names are ambiguous and are settled here once: "Kyiv" alone is the oblast (``UA-32``),
as in ACLED's admin1; the city is "Kyiv City", "м. Київ" or "Kiev Special Republican city"
(``UA-30``). Sevastopol (``UA-40``) and Crimea (``UA-43``) are their own codes.

>>> resolve_oblast("Kharkivska oblast"), resolve_oblast("Харківська область")
('UA-63', 'UA-63')
>>> resolve_oblast("Kiev Special Republican city"), resolve_oblast("Kyiv")
('UA-30', 'UA-32')
>>> resolve_oblast("Zaporizhzhya oblast"), resolve_oblast("Lubenskyi raion") is None
('UA-23', True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Oblast:
    """One first-level division of Ukraine and the names sources give it."""

    code: str
    name_en: str
    name_uk: str
    aliases: tuple[str, ...]


OBLASTS: tuple[Oblast, ...] = (
    Oblast(
        "UA-05",
        "Vinnytsia Oblast",
        "Вінницька область",
        ("Vinnytska", "Vinnytsia", "Vinnytsya", "Vinnitsa"),
    ),
    Oblast("UA-07", "Volyn Oblast", "Волинська область", ("Volynska", "Volyn", "Volhynia")),
    Oblast("UA-09", "Luhansk Oblast", "Луганська область", ("Luhanska", "Luhansk", "Lugansk")),
    Oblast(
        "UA-12",
        "Dnipropetrovsk Oblast",
        "Дніпропетровська область",
        ("Dnipropetrovska", "Dnipropetrovsk", "Dnepropetrovsk", "Dnipro"),
    ),
    Oblast("UA-14", "Donetsk Oblast", "Донецька область", ("Donetska", "Donetsk")),
    Oblast(
        "UA-18", "Zhytomyr Oblast", "Житомирська область", ("Zhytomyrska", "Zhytomyr", "Zhitomir")
    ),
    Oblast(
        "UA-21",
        "Zakarpattia Oblast",
        "Закарпатська область",
        ("Zakarpatska", "Zakarpattia", "Zakarpattya", "Transcarpathia", "Transcarpathian"),
    ),
    Oblast(
        "UA-23",
        "Zaporizhzhia Oblast",
        "Запорізька область",
        ("Zaporizka", "Zaporizhzhia", "Zaporizhia", "Zaporizhzhya", "Zaporozhye", "Zaporizhzhe"),
    ),
    Oblast(
        "UA-26",
        "Ivano-Frankivsk Oblast",
        "Івано-Франківська область",
        ("Ivano-Frankivska", "Ivano-Frankivsk", "Ivano-Frankovsk"),
    ),
    Oblast(
        "UA-30",
        "Kyiv City",
        "м. Київ",
        (
            "Kyiv City",
            "City of Kyiv",
            "Kiev City",
            "Kiev Special Republican city",
            "Київ",
            "м.Київ",
            "місто Київ",
        ),
    ),
    Oblast("UA-32", "Kyiv Oblast", "Київська область", ("Kyivska", "Kyiv", "Kiev", "Kievska")),
    Oblast(
        "UA-35",
        "Kirovohrad Oblast",
        "Кіровоградська область",
        ("Kirovohradska", "Kirovohrad", "Kirovograd", "Kropyvnytskyi"),
    ),
    Oblast(
        "UA-40",
        "Sevastopol",
        "Севастополь",
        (
            "Sevastopol",
            "Sevastopol City",
            "Sevastopol Special Republican city",
            "м. Севастополь",
            "Місто Севастополь",
        ),
    ),
    Oblast(
        "UA-43",
        "Autonomous Republic of Crimea",
        "Автономна Республіка Крим",
        (
            "Crimea",
            "Avtonomna Respublika Krym",
            "Republic of Crimea",
            "Krym",
            "Крим",
            "Autonomous Republic of Crimea",
            "Crimean Autonomous Republic",
        ),
    ),
    Oblast("UA-46", "Lviv Oblast", "Львівська область", ("Lvivska", "Lviv", "Lvov")),
    Oblast(
        "UA-48",
        "Mykolaiv Oblast",
        "Миколаївська область",
        ("Mykolaivska", "Mykolaiv", "Mykolayiv", "Nikolaev", "Nikolayev"),
    ),
    Oblast("UA-51", "Odesa Oblast", "Одеська область", ("Odeska", "Odesa", "Odessa")),
    Oblast("UA-53", "Poltava Oblast", "Полтавська область", ("Poltavska", "Poltava")),
    Oblast("UA-56", "Rivne Oblast", "Рівненська область", ("Rivnenska", "Rivne", "Rovno")),
    Oblast("UA-59", "Sumy Oblast", "Сумська область", ("Sumska", "Sumy")),
    Oblast("UA-61", "Ternopil Oblast", "Тернопільська область", ("Ternopilska", "Ternopil")),
    Oblast("UA-63", "Kharkiv Oblast", "Харківська область", ("Kharkivska", "Kharkiv", "Kharkov")),
    Oblast("UA-65", "Kherson Oblast", "Херсонська область", ("Khersonska", "Kherson")),
    Oblast(
        "UA-68",
        "Khmelnytskyi Oblast",
        "Хмельницька область",
        (
            "Khmelnytska",
            "Khmelnytskyi",
            "Khmelnytskyy",
            "Khmelnytskyj",
            "Khmelnitsky",
            "Khmelnytsky",
        ),
    ),
    Oblast("UA-71", "Cherkasy Oblast", "Черкаська область", ("Cherkaska", "Cherkasy", "Cherkassy")),
    Oblast(
        "UA-74",
        "Chernihiv Oblast",
        "Чернігівська область",
        ("Chernihivska", "Chernihiv", "Chernigov"),
    ),
    Oblast(
        "UA-77",
        "Chernivtsi Oblast",
        "Чернівецька область",
        ("Chernivetska", "Chernivtsi", "Chernovtsy"),
    ),
)

_SUFFIXES = frozenset(
    {"oblast", "oblasti", "obl", "region", "province", "область", "обл", "oblast'"}
)
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_SEPARATORS = re.compile(r"[\s\-_.]+")
_ISO = re.compile(r"^UA-?(\d{2})$", re.IGNORECASE)


def _fold(name: str) -> str:
    """Case, apostrophes, hyphens, dots and the words for "oblast" folded away."""
    words = _SEPARATORS.sub(" ", _APOSTROPHES.sub("", name.casefold())).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for oblast in OBLASTS:
        for name in (oblast.name_en, oblast.name_uk, *oblast.aliases):
            key = _fold(name)
            if index.get(key, oblast.code) != oblast.code:  # pragma: no cover - table guard
                raise ValueError(f"name {name!r} is given to two oblasts")
            index[key] = oblast.code
    return index


def resolve_oblast(name: str) -> str | None:
    """The ISO 3166-2 code of an oblast (or Kyiv, Sevastopol, Crimea) named ``name``, or None.

    >>> resolve_oblast("Kyiv City"), resolve_oblast("м. Київ"), resolve_oblast("UA63")
    ('UA-30', 'UA-30', 'UA-63')
    >>> resolve_oblast("Mykolayiv oblast"), resolve_oblast("Odessa oblast")
    ('UA-48', 'UA-51')
    """
    text = name.strip()
    if not text:
        return None
    iso = _ISO.match(text)
    if iso:
        code = f"UA-{iso.group(1)}"
        return code if any(o.code == code for o in OBLASTS) else None
    return _index().get(_fold(text))


def oblast_name(code: str) -> str:
    """The English name of the oblast with ISO 3166-2 ``code``."""
    for oblast in OBLASTS:
        if oblast.code == code:
            return oblast.name_en
    raise KeyError(code)
