"""Synthetic questions with planted personal data, for the scrubber and privacy tests (#15).

Every question is made of one or two sentences about a client, carrying personal data
of the kinds the issue lists, and a question about a topic a professional might ask
about. All data is invented but shaped like the real thing: BSNs pass the elfproef,
IBANs their mod-97 check, phone numbers are Dutch mobile and landline numbers in the
ways people type them. Names are partly from the scrubber's lists and partly not (an
invented surname after a title, an unlisted capitalised name), so the test does not
only check the lists against themselves. Deterministic: the same seed gives the same set.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from search_app.insights_scrub import elfproef


@dataclass(frozen=True)
class Planted:
    kind: str
    value: str  # exactly as it stands in the question


@dataclass(frozen=True)
class SyntheticQuestion:
    text: str
    planted: tuple[Planted, ...]
    topic: str  # the part without personal data; its content words should survive


TOPICS = (
    "Hoe regel ik schuldhulpverlening via het wijkteam?",
    "Welke hulp is er bij eenzaamheid?",
    "Mag ik informatie delen met de huisarts zonder toestemming?",
    "Wie voert de regie als meerdere zorgaanbieders betrokken zijn?",
    "Hoe vraag ik een indicatie voor dagbesteding aan?",
    "Wat doet het wijkteam bij huiselijk geweld?",
    "Hoe ondersteun ik een mantelzorger die overbelast is?",
    "Wanneer schakel ik de praktijkondersteuner in?",
    "Hoe werk ik samen met de woningcorporatie bij huurachterstand?",
    "Kan het wijkteam helpen bij een aanvraag voor beschermd wonen?",
    "Wat zijn de mogelijkheden voor jeugdhulp na een scheiding?",
    "Hoe organiseer ik een keukentafelgesprek?",
    "Welke voorzieningen zijn er voor dementie thuis?",
    "Hoe bespreek ik verslaving met de familie?",
    "Wat kan ik doen bij een dreigende huisuitzetting?",
    "Hoe zet ik het sociale netwerk in?",
)

FIRST_LISTED = ("Fatima", "Kees", "Anouk", "Mohammed", "Sanne", "Henk", "Yusuf", "Ingrid",
                "Daan", "Emine", "Pieter", "Noor", "Bilal", "Marieke", "Ahmet", "Johan")
FIRST_UNLISTED = ("Gerdien", "Wobbe", "Hiske", "Jildou", "Sietske", "Douwe", "Anouar", "Tessel",
                  "Brecht", "Lobke", "Ynte", "Feline")
SURNAME_LISTED = ("Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "de Jong", "Mulder",
                  "El Amrani", "Yilmaz", "van Dijk", "Smit", "Dekker")
SURNAME_UNLISTED = ("Kortenhoeve", "Wilderink", "Oosterbaan", "Brinkhorst", "ten Velde",
                    "Ouwerling", "Stuivenberg", "Vlasblom", "Kwakkel", "Rademaker", "Haverkamp",
                    "Groenewoud", "Sprenkels", "Tuinstra", "Zuidema", "van der Ploeg-Rademaker")
TITLES = ("mevrouw", "Mevrouw", "mw.", "Mw.", "meneer", "Meneer", "dhr.", "Dhr.", "de heer",
          "mevr.", "fam.", "familie")
LOWER_LISTED = ("jan de boer", "kees bakker", "fatima", "mohammed el amrani", "sanne visser",
                "henk jansen", "anouk", "yusuf yilmaz")
STREETS = ("Bloemstraat", "Kerkweg", "Julianalaan", "Dorpsstraat", "Molenweg", "Marktplein",
           "Prinsengracht", "Stationsweg", "Kastanjedreef", "Wilhelminakade", "Van Goghlaan",
           "Burgemeester de Withstraat", "Lindenhof", "bloemstraat", "kerkweg")
HOUSE_NUMBERS = ("12", "7a", "112-3", "4 bis", "23 hs", "1", "45B", "208")
DOMAINS = ("example.nl", "mail.example.com", "wijkteam.example.org", "provider.example")
BANKS = ("ABNA", "RABO", "INGB", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def make_bsn(rng: random.Random) -> str:
    while True:
        digits = f"{rng.randrange(10_000_000, 999_999_999):09d}"
        if elfproef(digits):
            return digits


def make_iban(rng: random.Random) -> str:
    bank = rng.choice(BANKS)
    account = f"{rng.randrange(10**9):010d}"
    numeric = "".join(str(int(ch, 36)) for ch in bank + account + "NL00")
    check = 98 - int(numeric) % 97
    return f"NL{check:02d}{bank}{account}"


def _name_with_title(rng: random.Random) -> str:
    title = rng.choice(TITLES)
    surname = rng.choice(SURNAME_UNLISTED + SURNAME_LISTED)
    initial = rng.choice(("", "", "J. ", "A.M. ", "K. "))
    if title.lower() in {"mevrouw", "meneer"} and rng.random() < 0.25:
        surname = surname.lower()  # typed quickly: *mevrouw kortenhoeve*
    return f"{title} {initial}{surname}"


def _name_without_title(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        return f"{rng.choice(FIRST_LISTED)} {rng.choice(SURNAME_LISTED + SURNAME_UNLISTED)}"
    if roll < 0.5:
        return f"{rng.choice(FIRST_UNLISTED)} {rng.choice(SURNAME_UNLISTED)}"
    if roll < 0.7:
        return rng.choice(LOWER_LISTED)
    if roll < 0.85:
        return rng.choice(FIRST_LISTED)
    return rng.choice(SURNAME_LISTED).replace("de ", "De ").replace("van ", "Van ")


def _phone(rng: random.Random) -> str:
    n = f"{rng.randrange(10**8):08d}"
    area = f"{rng.randrange(10, 99)}"
    return rng.choice((
        f"06-{n}", f"06{n}", f"06 {n[:4]} {n[4:]}", f"+31 6 {n[:4]} {n[4:]}", f"+316{n}",
        f"0031 6 {n}", f"0{area}-{n[:7]}", f"(0{area}) {n[:3]} {n[3:5]} {n[5:7]}",
        f"+31 (0){area} {n[:7]}"))


def _email(rng: random.Random) -> str:
    first = rng.choice(FIRST_LISTED + FIRST_UNLISTED).lower()
    last = rng.choice(SURNAME_UNLISTED).lower().replace(" ", "")
    return rng.choice((f"{first}.{last}@{rng.choice(DOMAINS)}",
                       f"{first[0]}{last}{rng.randrange(10, 99)}@{rng.choice(DOMAINS)}",
                       f"{last}+zorg@{rng.choice(DOMAINS)}"))


def _postcode(rng: random.Random) -> str:
    digits = rng.randrange(1000, 9999)
    letters = "".join(rng.choice("ABCEGHJKLMNPRTVWXZ") for _ in range(2))
    return rng.choice((f"{digits} {letters}", f"{digits}{letters}", f"{digits}{letters.lower()}"))


def _address(rng: random.Random) -> str:
    return f"{rng.choice(STREETS)} {rng.choice(HOUSE_NUMBERS)}"


def _date(rng: random.Random) -> str:
    d, m, y = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(1935, 2025)
    return rng.choice((f"{d:02d}-{m:02d}-{y}", f"{d}/{m}/{y % 100:02d}", f"{y}-{m:02d}-{d:02d}",
                       f"{d} {MONTHS[m - 1]} {y}", f"{d} {MONTHS[m - 1]}", f"{d}.{m}.{y}"))


def _age(rng: random.Random) -> str:
    a = rng.randrange(2, 99)
    return rng.choice((f"({a})", f"{a} jaar", f"{a}-jarige", f"{a} jaar oud", f"leeftijd {a}"))


def _iban(rng: random.Random) -> str:
    iban = make_iban(rng)
    spaced = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return rng.choice((iban, spaced, iban.lower()))


def _case_number(rng: random.Random) -> str:
    year, n = rng.randrange(2015, 2026), rng.randrange(100, 999_999)
    return rng.choice((f"dossiernummer {year}-{n:04d}", f"zaaknummer Z-{year}-{n:06d}",
                       f"kenmerk WT/{year}/{n}", f"cliëntnummer {n:06d}", f"WT-{year}-{n:04d}",
                       f"dossier {n:05d}", f"zaak {year}.{n}"))


MAKERS = {
    "naam met titel": _name_with_title,
    "naam zonder titel": _name_without_title,
    "bsn": lambda rng: rng.choice(("BSN {}", "bsn: {}", "burgerservicenummer {}", "{}")).format(
        _format_bsn(rng, make_bsn(rng))),
    "telefoon": _phone,
    "email": _email,
    "postcode": _postcode,
    "adres": _address,
    "datum": _date,
    "leeftijd": _age,
    "iban": _iban,
    "dossiernummer": _case_number,
}

#: The scrubber's kind for each planted kind.
SCRUB_KIND = {"naam met titel": "naam", "naam zonder titel": "naam"}

#: Sentences about the client with one slot each; chosen to read naturally with the kind.
FRAMES = {
    "naam met titel": ("Ik heb contact met {}.", "Bij {} thuis is de situatie zorgelijk.",
                       "De buurvrouw belde over {}."),
    "naam zonder titel": ("Ik begeleid {} al een tijd.", "Het gaat over {} uit de wijk.",
                          "Gisteren sprak ik {} op het spreekuur."),
    "bsn": ("Het gaat om {}.", "Zie {} in het systeem.", "De aanvraag staat op {}."),
    "telefoon": ("Ze is bereikbaar op {}.", "Bel terug op {} als het kan.", "Nummer: {}."),
    "email": ("Mail gaat naar {}.", "Ze mailde vanaf {} om hulp.", "Contact via {}."),
    "postcode": ("Het adres heeft postcode {}.", "Hij woont in {} Zwolle.", "Postcode {}, eerste etage."),
    "adres": ("Ze woont aan de {}.", "Het huis aan de {} is vervuild.", "Adres: {}."),
    "datum": ("Geboren op {}.", "Het gesprek was op {}.", "Sinds {} is er geen contact meer."),
    "leeftijd": ("Het gaat om een vrouw {}.", "De cliënt is {}.", "Een man van {} woont alleen."),
    "iban": ("De huur gaat van {} af.", "Rekeningnummer {}.", "Betaling vanaf {} stopte."),
    "dossiernummer": ("Zie {}.", "Het staat in {}.", "Ik verwijs naar {}."),
}


def _format_bsn(rng: random.Random, digits: str) -> str:
    return rng.choice((digits, f"{digits[:4]}.{digits[4:6]}.{digits[6:]}",
                       f"{digits[:3]} {digits[3:6]} {digits[6:]}"))


def synthetic_questions(count: int = 264, seed: int = 15) -> list[SyntheticQuestion]:
    """``count`` questions; every kind appears in at least ``count * 2 // len(MAKERS)`` of them."""
    rng = random.Random(seed)
    kinds = list(MAKERS)
    out: list[SyntheticQuestion] = []
    for i in range(count):
        chosen = [kinds[i % len(kinds)], kinds[(i * 7 + 3) % len(kinds)]]
        if i % 3 == 0:
            chosen.append(kinds[(i * 5 + 1) % len(kinds)])
        chosen = list(dict.fromkeys(chosen))
        sentences: list[str] = []
        planted: list[Planted] = []
        for kind in chosen:
            value = MAKERS[kind](rng)
            sentences.append(rng.choice(FRAMES[kind]).format(value))
            planted.append(Planted(kind, _value_part(kind, value)))
        topic = rng.choice(TOPICS)
        out.append(SyntheticQuestion(" ".join(sentences + [topic]), tuple(planted), topic))
    return out


def _value_part(kind: str, value: str) -> str:
    """The personal part of a made value: without the keyword in front (*BSN*, *kenmerk*)."""
    if kind in {"bsn", "dossiernummer"} and " " in value:
        head, rest = value.split(" ", 1)
        if not any(ch.isdigit() for ch in head):
            return rest
    if kind == "leeftijd" and value.startswith("leeftijd "):
        return value.split(" ", 1)[1]
    if kind == "naam met titel":
        return value  # the title goes too
    return value
