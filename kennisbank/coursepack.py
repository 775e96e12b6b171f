"""Course packs: chosen pages, sections and paragraphs of the built site as one handout.

Reads only what the site build wrote (``citations.json`` and the pages' HTML), so a pack
cites exactly what the site cites. A pack is one HTML document made for paper (A4, margins,
page numbers, links printed as URLs, the "bron" notes of findings shown open, a citation
under each part, a bibliography of every study it draws on); WeasyPrint turns that same
document into the PDF. Both files are written through temporary files and only put in
place when both are complete.
"""
from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

import yaml
from bs4 import BeautifulSoup, Tag
from markupsafe import Markup, escape

from kbcore.errors import CoursePackError
from kbsite import apa
from kbsite.pagecite import CITATIONS_FILE

CSS_FILE = Path(__file__).with_name("cursus.css")
SPEC_FIELDS = {"titel": "de titel op het titelblad", "ondertitel": "een regel onder de titel",
               "inleiding": "tekst voor het titelblad (alinea's gescheiden door een lege regel)",
               "onderdelen": "de lijst van pagina's, secties en alinea's"}
_ALLOWED_ITEMS = ("een paginalabel (regierol-wijkteam), pagina#anker (regierol-wijkteam#regierol-wijkteam-waarom "
                  "of regierol-wijkteam#p-k3x9a, het id naast de alinea) of een link van de site")
#: Elements of a page that are navigation or controls, not text for paper.
_DROP = ["div.kb-paginakop", "details.kb-alinea-citeer", "a.headerlink", "section.kb-zie-ook",
         "section.kb-citeer", "section.kb-auto-listing", "div.toctree-wrapper", "button", "script"]


# -- what the site build wrote --------------------------------------------------------------

@dataclass
class Catalog:
    """``citations.json`` of a built site, with look-ups by label, path and docname."""

    site_dir: Path
    base_url: str
    order: list[str]
    pages: dict[str, dict[str, Any]]
    by_label: dict[str, str] = field(default_factory=dict)
    by_path: dict[str, str] = field(default_factory=dict)
    sections: dict[str, tuple[str, str]] = field(default_factory=dict)  # section label -> (docname, anchor)

    @classmethod
    def load(cls, site_dir: Path) -> "Catalog":
        path = site_dir / CITATIONS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CoursePackError(f"geen gebouwde site in {site_dir} ({CITATIONS_FILE} ontbreekt): "
                                  "voer eerst `kb build --site-only` uit") from None
        except (OSError, ValueError) as exc:
            raise CoursePackError(f"{path} is niet leesbaar ({exc}): bouw de site opnieuw met `kb build --site-only`") from None
        catalog = cls(site_dir, data.get("base_url") or "", list(data["order"]), data["pages"])
        for docname, page in catalog.pages.items():
            if page.get("label"):
                catalog.by_label[page["label"]] = docname
            catalog.by_path[page["path"]] = docname
            for anchor, info in page.get("anchors", {}).items():
                if info.get("kind") == "section":
                    catalog.sections.setdefault(anchor, (docname, anchor))
        return catalog

    def page_html(self, docname: str) -> BeautifulSoup:
        path = self.site_dir / self.pages[docname]["path"]
        try:
            return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        except OSError as exc:
            raise CoursePackError(f"{path} ontbreekt ({exc}): bouw de site opnieuw met `kb build --site-only`") from None


# -- the list of parts ----------------------------------------------------------------------

@dataclass
class PackSpec:
    title: str
    items: list[str]
    subtitle: str = ""
    introduction: str = ""


def load_spec(path: Path) -> PackSpec:
    """Read a course-pack list (YAML: titel, ondertitel, inleiding, onderdelen)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CoursePackError(f"{path}: bestand niet gevonden") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CoursePackError(f"{path}: kan het bestand niet lezen ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", regel {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CoursePackError(f"{path}{where}: ongeldige YAML ({problem}); verwacht titel:, inleiding: en "
                              "onderdelen: met een lijst") from None
    if not isinstance(data, dict):
        raise CoursePackError(f"{path}: verwacht velden ({', '.join(SPEC_FIELDS)}), bijvoorbeeld "
                              "'titel: Samenwerken in de wijk' en 'onderdelen:' met een lijst")
    unknown = sorted(set(map(str, data)) - set(SPEC_FIELDS))
    if unknown:
        raise CoursePackError(f"{path}: onbekend veld '{unknown[0]}' (toegestaan: {', '.join(SPEC_FIELDS)})")
    items = data.get("onderdelen")
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise CoursePackError(f"{path}: 'onderdelen' moet een niet-lege lijst van teksten zijn: {_ALLOWED_ITEMS}")
    for name in ("titel", "ondertitel", "inleiding"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise CoursePackError(f"{path}: '{name}' moet een tekst zijn ({SPEC_FIELDS[name]})")
    return PackSpec(title=(data.get("titel") or "Cursusmateriaal").strip(), items=[i.strip() for i in items],
                    subtitle=(data.get("ondertitel") or "").strip(), introduction=(data.get("inleiding") or "").strip())


@dataclass
class Part:
    docname: str
    anchor: str | None  # None: the whole page
    kind: str  # page, section, paragraph, item, term
    item: str  # as the trainer wrote it


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    return f" Bedoel je: {', '.join(close)}?" if close else ""


def _page_of(catalog: Catalog, page: str) -> str | None:
    key = page.strip().lstrip("/")
    for candidate in (key, key.removesuffix(".html"), key.removesuffix(".md")):
        if candidate in catalog.pages:
            return candidate
        if candidate in catalog.by_label:
            return catalog.by_label[candidate]
        if candidate + ".html" in catalog.by_path:
            return catalog.by_path[candidate + ".html"]
    if key in catalog.by_path:
        return catalog.by_path[key]
    return None


def resolve(item: str, catalog: Catalog) -> Part:
    """One item of the list as a part of the site, or CoursePackError naming it."""
    text = item.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        parts = urlsplit(text)
        path = parts.path.lstrip("/")
        base_path = urlsplit(catalog.base_url).path.lstrip("/")
        if base_path and path.startswith(base_path):
            path = path[len(base_path):]
        page_part, anchor = path, parts.fragment
    else:
        page_part, _, anchor = text.partition("#")
    if not page_part and anchor:
        page_part = anchor
        anchor = ""
    docname = _page_of(catalog, page_part)
    if docname is None and not anchor and page_part in catalog.sections:
        docname, anchor = catalog.sections[page_part]
    if docname is None:
        raise CoursePackError(f"onbekend onderdeel '{item}': geen pagina met dat label of adres; gebruik "
                              f"{_ALLOWED_ITEMS}.{_suggest(page_part, sorted(catalog.by_label))}")
    page = catalog.pages[docname]
    if not anchor or anchor == page.get("label"):
        return Part(docname, None, "page", item)
    info = page.get("anchors", {}).get(anchor)
    if info is None:
        examples = [a for a, i in page.get("anchors", {}).items() if i.get("kind") == "section"][:2]
        hint = f" (secties van die pagina: {', '.join(examples)}…)" if examples else ""
        raise CoursePackError(f"onbekend anker '{anchor}' in '{item}': pagina '{page.get('label')}' heeft geen "
                              f"sectie of alinea met dat id; gebruik een sectielabel of het alinea-id naast de "
                              f"alinea{hint}.{_suggest(anchor, sorted(page.get('anchors', {})))}")
    return Part(docname, anchor, info["kind"], item)


# -- composing the document -----------------------------------------------------------------

def _clean(node: Tag) -> None:
    for selector in _DROP:
        for found in node.select(selector):
            found.decompose()
    for box in node.select("div.kb-alinea"):
        box.unwrap()
    for note in node.select("details"):
        note.name = "div"
        note.attrs.pop("open", None)
        for summary in note.find_all("summary", recursive=False):
            summary.name = "p"
            summary["class"] = summary.get("class", []) + ["kb-bron-kop"]
    for element in node.find_all(True):
        element.attrs.pop("id", None)


def _absolute_links(node: Tag, page_url: str) -> None:
    for link in node.find_all("a", href=True):
        href = link["href"]
        if "#term-" in href:  # glossary terms: a reading aid on screen, noise on paper
            link.replace_with(link.get_text())
            continue
        url = urljoin(page_url, href)
        link["href"] = url
        link.attrs.pop("data-url", None)
        if link.get_text(strip=True) in (url, href):
            link["class"] = link.get("class", []) + ["kale-url"]


_INLINE = {"a", "em", "strong", "span", "b", "i", "cite", "abbr", "q", "small", "sub", "sup"}


def _keep_inline_hyphens(node: Tag) -> None:
    """Hyphens inside inline elements become non-breaking hyphens (U+2011).

    WeasyPrint 70 breaks a line badly before an inline element whose text has a hyphen
    near the line end ("in- en uitvoegen" as a link): the line ends words early. Not
    breaking at those hyphens avoids that; addresses (``kale-url``) keep theirs.
    """
    for text in node.find_all(string=re.compile("-")):
        parent = text.parent
        if parent is None or parent.name not in _INLINE or "kale-url" in parent.get("class", []):
            continue
        if parent.name == "a" and str(text).strip() == parent.get("href"):
            continue
        text.replace_with(str(text).replace("-", "\u2011"))


def _shift_headings(node: Tag, to_level: int) -> None:
    """Renumber headings so the shallowest one inside ``node`` becomes ``to_level``."""
    headings = node.find_all(re.compile(r"^h[1-6]$"))
    if not headings:
        return
    top = min(int(h.name[1]) for h in headings)
    for heading in headings:
        heading.name = f"h{min(6, int(heading.name[1]) - top + to_level)}"


def _fragment(soup: BeautifulSoup, part: Part, page: dict[str, Any]) -> Tag:
    """A copy of the part's HTML, without its own heading (the pack gives it one)."""
    holder = soup.new_tag("div")
    if part.kind == "page":
        top = soup.find("section", id=page["label"])
        if top is None:
            raise CoursePackError(f"pagina '{page['label']}' heeft geen inhoud in {page['path']}: bouw de site opnieuw")
        content = copy.copy(top)
        first = content.find(re.compile(r"^h[1-6]$"))
        if first is not None:
            first.decompose()
        holder.extend(list(content.children))
        _shift_headings(holder, 3)
        return holder
    element = soup.find(id=part.anchor)
    if element is None:
        raise CoursePackError(f"anker '{part.anchor}' staat niet in {page['path']}: bouw de site opnieuw")
    if part.kind == "section":
        content = copy.copy(element)
        first = content.find(re.compile(r"^h[1-6]$"))
        if first is not None:
            first.decompose()
        holder.extend(list(content.children))
        _shift_headings(holder, 3)
    elif part.kind == "term":
        dl = soup.new_tag("dl", attrs={"class": "glossary"})
        dl.append(copy.copy(element))
        definition = element.find_next_sibling("dd")
        if definition is not None:
            dl.append(copy.copy(definition))
        holder.append(dl)
    else:
        start = element.parent if element.name == "p" and "kb-alinea" in element.parent.get("class", []) else element
        if element.name == "li":
            wrapper = soup.new_tag(element.parent.name if element.parent.name in ("ul", "ol") else "ul")
            wrapper.append(copy.copy(element))
            holder.append(wrapper)
        else:
            holder.append(copy.copy(element))
        # the "bron" notes of a finding follow its paragraph (div.kb-bronnen-noten > details.kb-bron)
        for sibling in start.find_next_siblings():
            if not {"kb-bron", "kb-bronnen-noten"} & set(sibling.get("class", [])):
                break
            holder.append(copy.copy(sibling))
    return holder


def _studies(fragment: Tag) -> list[str]:
    return [" ".join(p.get_text().split()) for p in fragment.select(".kb-bron-studie")]


_STUDY = re.compile(r"^(.*?\((?:\d{4}|z\.d\.)[a-z]?\)\.\s*[^.?!\]]*)")


def study_key(reference: str) -> str:
    """Authors, year and title of an APA reference: the same study, however much follows."""
    flat = " ".join(reference.split())
    match = _STUDY.match(flat)
    return re.sub(r"\s+([.,;:])", r"\1", match.group(1) if match else flat).strip().lower()


_REFERENCE_HEAD = re.compile(r"^(?P<author>[^,.(]+).*?\((?P<year>\d{4}|z\.d\.)[a-z]?\)")


def cited_in(text: str, sources: list[dict[str, str]]) -> list[dict[str, str]]:
    """The page's studies that ``text`` names in its in-text citations (first author and year).

    For a part without "bron" notes: "(Gilsing & Hermens, 2016)" in the text names the study
    whose reference starts "Gilsing, R., & Hermens, N. (2016)".
    """
    flat = " ".join(text.split()).lower()
    found = []
    for source in sources:
        head = _REFERENCE_HEAD.match(source["reference"])
        if head is None:
            continue
        author, year = head.group("author").strip().lower(), head.group("year")
        if author and author in flat and year in flat:
            found.append(source)
    return found


def _part_heading(part: Part, page: dict[str, Any]) -> tuple[str, str]:
    """(kicker, heading) of a part."""
    if part.kind == "page":
        return "", page["title"]
    info = page["anchors"][part.anchor]
    if part.kind == "section":
        return f"Uit: {page['title']}", info["section"]
    if part.kind == "term":
        return f"Uit: {page['title']}", info["section"]
    what = "Lijstpunt" if part.kind == "item" else "Alinea"
    return f"{what} uit: {page['title']}", info.get("section") or page["title"]


def _citation(part: Part, page: dict[str, Any]) -> apa.Parts:
    date = dt.date.fromisoformat(page["date"])
    if part.kind == "page":
        return apa.page_citation_parts(page["title"], date, page["url"])
    info = page["anchors"][part.anchor]
    kind = {"section": "sectie", "term": "begrip"}.get(part.kind, "alinea")
    return apa.passage_citation_parts(page["title"], info.get("section"), date, f"{page['url']}#{part.anchor}", kind)


def _parts_html(parts: apa.Parts) -> Markup:
    return Markup("").join(Markup("<em>{}</em>").format(t) if italic else escape(t) for t, italic in parts)


def compose(spec: PackSpec, catalog: Catalog, today: dt.date | None = None) -> str:
    """The whole pack as one HTML document (the print-ready HTML, and the PDF's source)."""
    parts = [resolve(item, catalog) for item in spec.items]
    today = today or dt.date.today()
    soups: dict[str, BeautifulSoup] = {}
    sections: list[str] = []
    contents: list[str] = []
    bibliography: dict[str, str] = {}
    for number, part in enumerate(parts, start=1):
        page = catalog.pages[part.docname]
        if part.docname not in soups:
            soups[part.docname] = catalog.page_html(part.docname)
        fragment = _fragment(soups[part.docname], part, page)
        found = _studies(fragment)
        if part.kind == "page":
            drawn_on = page.get("sources", [])
        elif found:
            drawn_on = []
        else:
            # no "bron" notes in this part: the studies of its page that its text cites
            drawn_on = cited_in(fragment.get_text(" "), page.get("sources", []))
        for reference in [s["reference"] for s in drawn_on] + found:
            key = study_key(reference)
            if len(reference) > len(bibliography.get(key, "")):
                bibliography[key] = reference  # the fullest form of each study
        _clean(fragment)
        _absolute_links(fragment, page["url"])
        _keep_inline_hyphens(fragment)
        kicker, heading = _part_heading(part, page)
        date = dt.date.fromisoformat(page["date"])
        contents.append(str(Markup('<li><a href="#deel-{}">{}{}</a></li>').format(
            number, heading, Markup(' <span class="uit">uit: {}</span>').format(page["title"]) if kicker else "")))
        sections.append(str(Markup(
            '<section class="deel" id="deel-{n}">{kicker}<h2>{heading}</h2>'
            '<p class="deel-adres"><a class="kale-url" href="{url}">{url}</a> · laatst gewijzigd {date}</p>'
            '<div class="deel-tekst">{body}</div>'
            '<p class="deel-citaat"><span class="label">Citeer als:</span> {citation}</p></section>').format(
            n=number, kicker=Markup('<p class="kicker">{}</p>').format(kicker) if kicker else "",
            heading=heading, url=page["url"] + (f"#{part.anchor}" if part.anchor else ""),
            date=apa.long_date(date), body=Markup(fragment.decode_contents()),
            citation=_parts_html(_citation(part, page)))))
    references = sorted(bibliography.values(), key=lambda r: r.lower())
    intro = Markup("").join(Markup("<p>{}</p>").format(" ".join(block.split()))
                            for block in re.split(r"\n\s*\n", spec.introduction) if block.strip())
    bib_items = Markup("").join(Markup("<li>{}</li>").format(r) for r in references) or \
        Markup("<li>Dit materiaal steunt niet op studies uit de bibliografie.</li>")
    css = CSS_FILE.read_text(encoding="utf-8")
    return str(Markup(
        '<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>{title}</title><meta name="author" content="{site}">'
        '<meta name="generator" content="Wijkteam Kennisbank: kb cursus">'
        '<style>{css}</style></head><body>'
        '<section class="titelblad"><p class="kicker">{site}</p><h1>{title}</h1>{subtitle}'
        '<div class="inleiding">{intro}</div>'
        '<p class="colofon">Samengesteld uit de {site} (<a class="kale-url" href="{base}">{base}</a>) op {today}. '
        'Elk onderdeel noemt zijn adres op de site en hoe je het citeert; achterin staan de studies '
        'waarop dit materiaal steunt.</p></section>'
        '<nav class="inhoud" aria-labelledby="inhoud-kop"><h2 id="inhoud-kop">Inhoud</h2><ol>{contents}'
        '<li><a href="#literatuur">Literatuur</a></li></ol></nav>'
        '{sections}'
        '<section class="literatuur" id="literatuur"><h2>Literatuur</h2>'
        '<p class="uitleg">De studies waarop de onderdelen van dit materiaal steunen (APA 7).</p>'
        '<ul>{bibliography}</ul></section>'
        '</body></html>\n').format(
        title=spec.title, site=apa.SITE_NAME, css=Markup(css),
        subtitle=Markup('<p class="ondertitel">{}</p>').format(spec.subtitle) if spec.subtitle else "",
        intro=intro, base=catalog.base_url, today=apa.long_date(today), contents=Markup("".join(contents)),
        sections=Markup("".join(sections)), bibliography=bib_items))


# -- writing --------------------------------------------------------------------------------

def load_weasyprint() -> Any:
    """WeasyPrint, or CoursePackError saying how to install it (it needs Pango from the system)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CoursePackError(f"PDF maken kan niet: WeasyPrint laadt niet ({first}); installeer het met "
                              "`bash scripts/setup.sh` (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0), "
                              "of maak alleen de HTML met --geen-pdf") from None
    return weasyprint


def site_fetcher(catalog: Catalog) -> Callable[..., Any]:
    """Resources under the site's address come from the built site on disk; nothing from the network."""
    base = catalog.base_url

    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if base and url.startswith(base):
            path = (catalog.site_dir / urlsplit(url).path[len(urlsplit(base).path):]).resolve()
            if path.is_relative_to(catalog.site_dir.resolve()) and path.is_file():
                return {"string": path.read_bytes(), "filename": path.name}
        raise ValueError(f"niet uit de gebouwde site: {url}")
    return fetch


def check_writable(target: Path) -> None:
    """Fail early, before the work, when the output folder cannot take a file."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".kb-cursus-{os.getpid()}.tmp"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise CoursePackError(f"kan niet schrijven in {folder} ({exc.strerror or exc}): kies met --uit een map "
                              "waarin je mag schrijven") from None


def write_pack(html: str, target: Path, catalog: Catalog, pdf: bool = True) -> list[Path]:
    """Write ``target``.html (and .pdf): both complete, or neither is touched."""
    html_path, pdf_path = target.with_suffix(".html"), target.with_suffix(".pdf")
    tmp_html = html_path.with_name(f".{html_path.name}.{os.getpid()}.tmp")
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.{os.getpid()}.tmp")
    try:
        weasyprint = load_weasyprint() if pdf else None
        tmp_html.write_text(html, encoding="utf-8")
        if weasyprint is not None:
            document = weasyprint.HTML(string=html, base_url=catalog.base_url or None,
                                       url_fetcher=site_fetcher(catalog))
            document.write_pdf(tmp_pdf, pdf_variant="pdf/ua-1")
        os.replace(tmp_html, html_path)
        if weasyprint is not None:
            os.replace(tmp_pdf, pdf_path)
            return [pdf_path, html_path]
        return [html_path]
    except OSError as exc:
        raise CoursePackError(f"kan {target} niet schrijven ({exc.strerror or exc})") from None
    finally:
        tmp_html.unlink(missing_ok=True)
        tmp_pdf.unlink(missing_ok=True)
