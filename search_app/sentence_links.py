"""Links from an answer sentence to that very sentence on its page, marked.

A citation number in the answer opens the passage the sentence was quoted from. The link
carries the sentence twice, for two kinds of browser:

- a text fragment (``#anchor:~:text=…``, https://wicg.github.io/scroll-to-text-fragment/):
  browsers that know it scroll to the sentence and highlight it themselves, also without
  JavaScript. Short sentences go whole (``text=…``); long ones as their first and last
  words (``text=start,end``), which keeps the address short and still covers the sentence;
- the parameter ``markeer`` with the sentence itself: the site's own small script
  (``kbsite/static/kb-markeer.js``) marks it with ``<mark class="kb-markeer">`` and jumps
  there at once, in every browser with JavaScript (with or without text fragments).

A browser that knows neither still opens the page; one without text fragments sees
``#anchor:~:text=…`` as an anchor that does not exist, so the script does the jump.
The sentence is text of the knowledge base, never the question, so nothing a professional
typed ends up in the address.
"""
from __future__ import annotations

from urllib.parse import quote

#: URL parameter with the sentence to mark (read by kbsite/static/kb-markeer.js).
MARK_PARAM = "markeer"
#: Sentences up to this many characters go whole into the text fragment.
EXACT_MAX_CHARS = 80
#: Words of the sentence's start and end in the ``text=start,end`` form.
TERM_WORDS = 4


def fragment_term(text: str) -> str:
    """``text`` percent-encoded for a text directive: also ``-``, ``,`` and ``&`` (its syntax)."""
    return quote(text, safe="").replace("-", "%2D")


def text_directive(sentence: str) -> str:
    """``text=…`` for ``sentence``: whole when short, ``start,end`` when long.

    The full stop at the end is left out: on the page a source note number often sits
    between the last word and the stop ("(Spit e.a., 2016)¹."), which would stop a match.
    """
    words = sentence.rstrip(".!?…").split()
    if len(" ".join(words)) <= EXACT_MAX_CHARS or len(words) <= 2 * TERM_WORDS:
        return "text=" + fragment_term(" ".join(words))
    start, end = " ".join(words[:TERM_WORDS]), " ".join(words[-TERM_WORDS:])
    return f"text={fragment_term(start)},{fragment_term(end)}"


def sentence_link(url: str, sentence: str) -> str:
    """The link (relative to the site, like ``url``) that opens ``url`` at ``sentence``, marked."""
    path, _, anchor = str(url).partition("#")
    text = " ".join(sentence.split())
    return f"{path}?{MARK_PARAM}={quote(text, safe='')}#{anchor}:~:{text_directive(text)}"
