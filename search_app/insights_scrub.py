"""Removing personal data from a question before anything of it is kept (insights, #15).

Questions to the assistant are often about clients: *Mevrouw De Vries (82) uit de
Bloemstraat 12 is eenzaam*. `scrub` removes what identifies a person in two passes:

1. **Patterns**, in an order that keeps one kind from being mistaken for another:
   e-mail addresses, web addresses, IBANs, numbers after a keyword (*BSN*, *dossier*,
   *zaaknummer*, *kenmerk*), dates, phone numbers, BSNs (nine digits passing the
   elfproef), postcodes, street and house number, ages, codes such as *WT-2023-0112*,
   and every other number of five digits or more.
2. **Names**: a title (*mevrouw*, *dhr.*, *fam.*) and the name after it; first names
   and surnames from `insights_names` (a first name also in lower case); and every
   capitalised word the knowledge base does not use as an ordinary word. That last
   rule is deliberately broad: place and organisation names go too, but a name nobody
   listed cannot slip through just because it is capitalised.

What is kept of a question is only `content_stems` of the scrubbed text: the Snowball
stems of its content words (`indexer.textproc`, the analysis the index uses), sorted
and without repeats, and never a token with a digit in it. No raw text, no word order.
A name typed in lower case that is in no list can still reach the stems; the report
(`insights_report`) therefore shows a topic only when several questions share it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from indexer.textproc import STOP_WORDS, stem, words

from .insights_names import ALSO_WORDS, FIRST_NAMES, PARTICLES, SURNAMES, TITLES

#: Kinds of personal data, in the order reports list them, with their Dutch names.
KINDS: dict[str, str] = {
    "naam": "namen",
    "bsn": "BSN's",
    "telefoon": "telefoonnummers",
    "email": "e-mailadressen",
    "postcode": "postcodes",
    "adres": "straat en huisnummer",
    "datum": "datums",
    "leeftijd": "leeftijden",
    "iban": "IBAN's",
    "dossiernummer": "zaak- en dossiernummers",
    "nummer": "andere lange nummers",
    "url": "webadressen",
}

#: At most this many stems are kept per question (a pasted text is not a question).
MAX_STEMS = 40

#: Laws and acronyms of the field that are never names, whatever the index holds.
DOMAIN_WORDS = frozenset("""
wmo jeugdwet participatiewet wlz zvw awb avg wet cjg ggd ggz jgz uwv svb cak pgb zin amhk vng
bsn mee wsnp digid wijkteam iban tel mail email
""".split())

_MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
           "december|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec")
_STREET_SUFFIXES = ("straat|laan|weg|plein|gracht|kade|singel|dijk|hof|pad|steeg|dreef|park|"
                    "plantsoen|markt|baan|ring|wal|erf|veld|hoeve|burg|berg|horst|akker|kamp|"
                    "weide|lei|dam|haven|boulevard|allee|oord|gaarde|zoom|stede|poort|donk|"
                    "brink|hout|bosch|straatweg")
_HOUSE_NUMBER = r"\d{1,5}(?:\s?[a-zA-Z]\b|\s?-\s?\d{1,4}\b|\s?-?\s?(?:bis|hs|huis|I{1,3}|IV|boven|beneden)\b)?"
#: Endings of Dutch abstract nouns that no name has (see `KnownWords.knows`); *-ing* only in
#: long words, as some surnames end in it (*Hoving*, *Oosting*, *Westerling*).
_NOUN_ENDING = re.compile(r"(?:.{8}ing|.{8}ingen|heid|heden|schap|schappen|atie|aties|iteit|isme|zorg|"
                          r"hulp|werk|beleid|geving)$")
_NOT_POSTCODE_LETTERS = ("en|de|in|op|om|al|of|te|na|ik|je|we|ze|me|er|is|nu|zo|ja|uw|tot|ca|nr|"
                         "km|kg|cm|mm|ml|pp")


@dataclass(frozen=True)
class KnownWords:
    """Words the knowledge base itself uses: a capitalised one of these is not a name.

    ``lower`` holds the (accent-folded) words the pages use in lower case, ``acronyms``
    the all-capital words of two to six letters (*CJG*, *GGD*). A word the pages only
    use capitalised (an author, a town) is not in it: in a question it is removed.
    """

    lower: frozenset[str] = frozenset()
    acronyms: frozenset[str] = frozenset()

    @classmethod
    def from_passages(cls, passages: Iterable[dict]) -> "KnownWords":
        """Known words of the passages of an index (``passages.jsonl``)."""
        texts: list[str] = []
        labels: list[str] = []
        for p in passages:
            texts += [p.get("title", ""), p.get("section", ""), p.get("summary", ""), p.get("text", "")]
            labels += [p.get("page_type_label", ""), *p.get("theme_labels", []), *p.get("law_labels", [])]
        return cls.from_texts(texts, labels)

    @classmethod
    def from_texts(cls, texts: Iterable[str], labels: Iterable[str] = ()) -> "KnownWords":
        lower: set[str] = set()
        acronyms: set[str] = set()
        for text in texts:
            for token in _LETTERS.findall(text):
                if token.islower():
                    lower.add(token)
                elif token.isupper() and 2 <= len(token) <= 6:
                    acronyms.add(token)
        folded = {w for token in lower for w in words(token)}
        for label in labels:  # theme and law names: *Wmo 2015*, *Regie en rolverdeling*
            folded.update(words(label))
        return cls(frozenset(folded), frozenset(acronyms))

    def knows(self, token: str) -> bool:
        """True when the capitalised ``token`` is an ordinary word, not a name.

        Besides the words of the pages, a long word with the ending of a Dutch abstract
        noun (*Dagbesteding*, *Eenzaamheid*, *Schuldhulp*) counts as ordinary: questions
        often open with their topic, and the topic of an unanswered question is exactly a
        word the pages lack. No Dutch name ends like that.
        """
        low = _fold(token)
        return (low in self.lower or low in DOMAIN_WORDS or low in STOP_WORDS
                or token in self.acronyms or len(low) >= 7 and _NOUN_ENDING.search(low) is not None)


@dataclass(frozen=True)
class Scrubbed:
    """A question with its personal data replaced by spaces, and what was found."""

    text: str
    found: Counter[str] = field(default_factory=Counter)


# -- pass 1: patterns ----------------------------------------------------------------------

def elfproef(digits: str) -> bool:
    """True for nine digits that pass the BSN eleven test (weights 9..2 and -1)."""
    if len(digits) != 9 or not digits.isdigit() or digits == "0" * 9:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _is_bsn(match: re.Match[str]) -> bool:
    return elfproef(_digits(match.group("v")))


def _is_date(match: re.Match[str]) -> bool:
    day, month = int(match.group("d")), int(match.group("m"))
    return 1 <= day <= 31 and 1 <= month <= 12


def _is_long_number(match: re.Match[str]) -> bool:
    return len(_digits(match.group())) >= 5


@dataclass(frozen=True)
class _Pattern:
    kind: str
    regex: re.Pattern[str]
    check: Callable[[re.Match[str]], bool] | None = None
    group: str | int = 0  # the part that is removed (a keyword before it stays)


def _p(kind: str, pattern: str, flags: int = 0, check=None, group: str | int = 0) -> _Pattern:
    return _Pattern(kind, re.compile(pattern, flags | re.UNICODE), check, group)


_I = re.IGNORECASE
_PATTERNS: tuple[_Pattern, ...] = (
    _p("email", r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    _p("url", r"\b(?:https?://|www\.)[^\s<>\"]+", _I),
    _p("iban", r"\bNL\s?\d{2}\s?[A-Z]{4}(?:\s?\d){10}\b", _I),
    _p("iban", r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b"),
    _p("bsn", r"\b(?:bsn|burgerservicenummer|sofinummer|sofi-nummer)(?:\s*(?:-?nummer|nr\.?|is|van|:))*"
              r"\s*[:#]?\s*(?P<v>\d[\d .-]{6,12}\d)(?!\d)", _I, group="v"),
    _p("dossiernummer",
       r"\b(?:dossier|zaak|case|cli[eë]nt|klant|registratie|referentie|aanvraag|beschikking|"
       r"melding|polis|kenmerk|ref|dossier-?id)(?:nummer|nr)?\.?(?:\s*(?:nummer|nr\.?|no\.?|id))?"
       r"\s*[:#]?\s*(?P<v>(?=[\w/.-]*\d[\w/.-]*\d[\w/.-]*\d)[\w][\w/.-]*\w)", _I, group="v"),
    _p("datum", r"\b(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?:\d{4}|\d{2})\b", check=_is_date),
    _p("datum", r"\b(?:19|20)\d{2}-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b", check=_is_date),
    _p("datum", rf"\b\d{{1,2}}(?:e|ste|de)?\s+(?:{_MONTHS})\b\.?(?:\s+(?:\d{{4}}|'\d{{2}}))?", _I),
    _p("datum", rf"\b(?:{_MONTHS})\.?\s+(?:19|20)\d{{2}}\b", _I),
    _p("datum", r"\b(?:geboren|geb\.|geboortejaar|geboortedatum)\s*(?:op|in|:)?\s*(?P<v>(?:19|20)\d{2})\b",
       _I, group="v"),
    _p("telefoon", r"(?<![\w+])(?:(?:\+|00)\s?31\s?(?:\(0\)\s?)?[-.]?\s?\d|\(?0\d)(?:[\s.)-]{0,3}\d){8}(?!\d)"),
    _p("bsn", r"(?<![\d.])(?P<v>\d{9}|\d{4}[.\s]\d{2}[.\s]\d{3}|\d{3}[.\s]\d{3}[.\s]\d{3})(?![\d])",
       check=_is_bsn),
    _p("postcode", r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b"),
    _p("postcode", r"\b[1-9]\d{3}(?!sa|sd|ss)[a-z]{2}\b"),
    _p("postcode", rf"\b[1-9]\d{{3}} (?!(?:{_NOT_POSTCODE_LETTERS})\b)[a-z]{{2}}\b"),
    _p("adres", rf"\b[^\W\d_][\w'’-]+(?:{_STREET_SUFFIXES})\s+{_HOUSE_NUMBER}", _I),
    _p("leeftijd", r"\(\s*\d{1,3}\s*(?:jaar|jr\.?)?\s*\)", _I),
    _p("leeftijd", r"\b\d{1,3}\s*-?\s*(?:jarigen?|jarige|jaar\s+oud|jaar|jr\.?)(?!\w)", _I),
    _p("leeftijd", r"\b(?:leeftijd|lft\.?)\s*:?\s*(?:van\s*)?\d{1,3}\b", _I),
    _p("leeftijd", r"\b(?:zoon|dochter|kind|kindje|jongen|meisje|man|vrouw|moeder|vader|broer|zus|zusje|"
                   r"broertje|cli[eë]nt|jongere|baby|oma|opa|tiener|puber|meneer|mevrouw|hij|zij|ze)\s+"
                   r"(?:van|is|wordt|werd|was)\s+(?P<v>\d{1,3})\b"
                   r"(?!\s*(?:uur|euro|procent|%|minuten|dagen|weken|maanden|kinderen|keer))", _I, group="v"),
    _p("leeftijd", r"\b\d{1,2}\s*(?:maanden|weken)\s+oud\b", _I),
    _p("dossiernummer", r"\b[A-Za-z]{1,5}[-/._]?\d{3,}(?:[-/._][A-Za-z0-9]+)*\b"),
    _p("nummer", r"(?<![\w])\d(?:[\s.-]?\d){4,}(?![\w])", check=_is_long_number),
)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _scrub_patterns(text: str, found: Counter[str]) -> str:
    for pattern in _PATTERNS:
        for match in list(pattern.regex.finditer(text)):
            if pattern.check is not None and not pattern.check(match):
                continue
            start, end = match.span(pattern.group)
            if not text[start:end].strip():
                continue  # already removed by an earlier pattern
            text = _blank(text, start, end)
            found[pattern.kind] += 1
    return text


# -- pass 2: names ---------------------------------------------------------------------------

_LETTERS = re.compile(r"[^\W\d_]+", re.UNICODE)
_TOKEN = re.compile(r"[^\W\d_]+\.?", re.UNICODE)
_JOINING_GAP = re.compile(r"[ \t'’-]*")  # what may stand between the parts of one name
#: A capitalised word that ends like this and has more before it is a street (*Bloemstraat*).
_STREET_END = re.compile(r"\w\w(?:straat|laan|weg|plein|gracht|kade|singel|dreef|plantsoen|steeg)$",
                         re.IGNORECASE | re.UNICODE)
_LOWER_PARTICLE_STARTS = frozenset({"de", "van", "ter", "ten", "el"})
#: Abbreviations after which a sentence goes on (besides the titles).
_ABBREVIATIONS = TITLES | frozenset("bijv ca nr evt enz etc vb oa wo gem max min resp ivm mbt tav".split())


def _fold(token: str) -> str:
    folded = words(token)
    return folded[0] if folded else ""


@dataclass
class _Token:
    start: int
    end: int
    word: str  # without a trailing dot
    dotted: bool
    low: str
    capital: bool
    sentence_start: bool


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    last_end = 0
    for match in _TOKEN.finditer(text):
        raw = match.group()
        word = raw.rstrip(".")
        gap = text[last_end:match.start()]
        starts = (not out or bool(re.search(r"[!?:;\n]", gap))
                  or out[-1].dotted and len(out[-1].word) > 1 and out[-1].low not in _ABBREVIATIONS)
        out.append(_Token(match.start(), match.end(), word, raw.endswith("."), _fold(word),
                          word[:1].isupper(), starts))
        last_end = match.end()
    return out


class _NameFinder:
    """Finds the spans of names among the tokens of a question (see the module docstring)."""

    def __init__(self, text: str, known: KnownWords) -> None:
        self.text = text
        self.known = known
        self.toks = _tokens(text)

    def joined(self, i: int) -> bool:
        """True when token ``i`` directly follows token ``i - 1`` within one name."""
        if i <= 0 or i >= len(self.toks):
            return False
        previous = self.toks[i - 1]
        if previous.dotted and not self.is_initial(i - 1) and previous.low not in TITLES:
            return False  # a sentence ended
        return _JOINING_GAP.fullmatch(self.text[previous.end:self.toks[i].start]) is not None

    def is_initial(self, i: int) -> bool:
        tok = self.toks[i]
        return tok.dotted and len(tok.word) == 1 and tok.capital

    def listed(self, tok: _Token) -> bool:
        return tok.low in FIRST_NAMES or tok.low in SURNAMES

    def strong_name_word(self, tok: _Token) -> bool:
        """A word that is a name wherever it stands in the question (not the first word)."""
        if not tok.capital:
            return False
        return self.listed(tok) or not self.known.knows(tok.word)

    def lower_first_name(self, tok: _Token) -> bool:
        return (not tok.capital and tok.low in FIRST_NAMES and tok.low not in ALSO_WORDS
                and tok.low not in STOP_WORDS and tok.low not in self.known.lower)

    def name_at(self, i: int, after_title: bool) -> int:
        """End (exclusive token index) of a name starting at ``i``, or ``i`` when none.

        Initials and particles (*J.*, *van der*) are taken along, but only count when a
        name word follows them.
        """
        toks, j, end = self.toks, i, i
        while j < len(toks) and (j == i or self.joined(j)):
            tok = toks[j]
            if self.is_initial(j) or tok.low in PARTICLES and self.particle_fits(tok, j > i or after_title):
                j += 1
                continue
            hyphenated = end > i and j == end and "-" in self.text[toks[j - 1].end:tok.start]
            if not hyphenated and not self.is_name_word(
                    tok, first=j == i and not after_title, after_particle=j > end, has_name=end > i,
                    after_title=after_title):
                break  # (a part joined by a hyphen to a name is a name: *Ploeg-rademaker*)
            j += 1
            end = j
        return end

    @staticmethod
    def particle_fits(tok: _Token, inside: bool) -> bool:
        """*De Vries*, *jan van dijk*, *van den berg*; but not *te* in *te jong*."""
        return tok.capital or inside or tok.low in _LOWER_PARTICLE_STARTS

    def is_name_word(self, tok: _Token, first: bool, after_particle: bool, has_name: bool,
                     after_title: bool) -> bool:
        if tok.capital:
            if first and tok.sentence_start and self.known.knows(tok.word):
                return False  # *Groot* or *Wil* opening a sentence is an ordinary word
            return (self.listed(tok) or not self.known.knows(tok.word)
                    or after_title and not has_name)
        if self.lower_first_name(tok):
            return True
        if tok.low in SURNAMES and (has_name or after_title):
            return True  # *jan de boer*, *mevrouw de vries*
        if tok.low in SURNAMES and after_particle and tok.low not in self.known.lower:
            return True  # *de vries*, but not *van de wijk*
        return (after_title and not has_name and tok.low not in self.known.lower
                and tok.low not in STOP_WORDS)

    def spans(self) -> list[tuple[int, int, str]]:
        """(start, end, kind) of every name, in order."""
        out: list[tuple[int, int, str]] = []
        toks, i = self.toks, 0
        while i < len(toks):
            tok = toks[i]
            if tok.low in TITLES and (tok.low != "heer" or i > 0 and toks[i - 1].low == "de"):
                end = self.name_at(i + 1, after_title=True) if self.joined(i + 1) else i + 1
                if end > i + 1:
                    out.append((tok.start, toks[end - 1].end, "naam"))
                    i = end
                    continue
                out.append((tok.start, tok.end, ""))  # a lone title goes, but is no name
                i += 1
                continue
            end = self.name_at(i, after_title=False)
            if end > i:
                # a name starts with a name word; leading particles alone are no name
                out.append((tok.start, toks[end - 1].end, self.kind(end - 1)))
                i = end
                continue
            i += 1
        return out

    def kind(self, last: int) -> str:
        return "adres" if _STREET_END.search(self.toks[last].word) else "naam"


def _scrub_names(text: str, known: KnownWords, found: Counter[str]) -> str:
    for start, end, kind in _NameFinder(text, known).spans():
        text = _blank(text, start, end)
        if kind:
            found[kind] += 1
    return text


# -- the public functions ----------------------------------------------------------------------

def scrub(question: str, known: KnownWords | None = None) -> Scrubbed:
    """The question with all personal data found replaced by spaces, and counts per kind."""
    found: Counter[str] = Counter()
    text = _scrub_patterns(question, found)
    text = _scrub_names(text, known or KnownWords(), found)
    return Scrubbed(text, found)


def content_stems(text: str) -> tuple[str, ...]:
    """Sorted, distinct stems of the content words of ``text``; nothing with a digit."""
    kept = set()
    for word in words(text):
        if word in STOP_WORDS or word in TITLES or len(word) < 2 or any(ch.isdigit() for ch in word):
            continue
        kept.add(stem(word))
    return tuple(sorted(kept)[:MAX_STEMS])


def question_stems(question: str, known: KnownWords | None = None) -> tuple[str, ...]:
    """What insights keep of a question: `content_stems` of the `scrub`-bed text."""
    return content_stems(scrub(question, known).text)
