"""The form "Was dit antwoord nuttig?" without JavaScript (POST, then back to the results),
the background post the script makes, bad input, and no form when insights are off."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from search_app import create_app
from tests.app_support import app, client, fake_factory, isolated_settings, settings, write_fake_manifest  # noqa: F401
from tests.test_app_pages import Page

QUESTION = "Wie voert de regie bij samenwerking met zorgaanbieders?"


@pytest.fixture
def on_app(tmp_path):
    s = isolated_settings(tmp_path, insights=True, insights_dir=str(tmp_path / "inzichten"))
    write_fake_manifest(Path(s.index_dir))
    application = create_app(s, searcher_factory=fake_factory())
    yield application
    application.extensions["insights"].writer.close()


def rows(app, table: str) -> list[tuple]:
    writer = app.extensions["insights"].writer
    assert writer.flush()
    conn = sqlite3.connect(writer.path)
    try:
        return conn.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        conn.close()


def form_fields(html: str) -> dict[str, list[str]]:
    page = Page(html)
    fields: dict[str, list[str]] = {}
    for field in page.inputs:
        if field.get("type") == "hidden":
            fields.setdefault(field["name"], []).append(field.get("value", ""))
    return fields


def test_no_form_and_no_route_when_off(client):  # noqa: F811
    html = client.get("/zoeken", query_string={"q": QUESTION}).get_data(as_text=True)
    assert "Antwoord" in html and "nuttig" not in html and "inzichten.js" not in html
    # the static site's catch-all route answers: GET only
    assert client.post("/zoeken/nuttig", data={"nuttig": "ja"}).status_code == 405


def test_form_under_an_answer_only(on_app):
    c = on_app.test_client()
    html = c.get("/zoeken", query_string={"q": QUESTION, "theme": "regie"}).get_data(as_text=True)
    assert "Was dit antwoord nuttig?" in html
    assert html.index("antwoordtekst") < html.index('id="nuttig"') < html.index("bronnen-kop")
    assert '<form class="nuttig-formulier" method="post" action="/zoeken/nuttig">' in html
    assert html.count('name="nuttig" value="ja"') == 1 and html.count('name="nuttig" value="nee"') == 1
    assert "<textarea" not in html and 'type="text"' not in html.split('id="nuttig"')[1].split("</form>")[0]
    fields = form_fields(html)
    assert fields["q"] == [QUESTION] and fields["theme"] == ["regie"]
    assert fields["passage"] and all("#" in p for p in fields["passage"])
    assert 0 < float(fields["score"][0]) <= 1
    assert '<script src="/_zoeken/inzichten.js" defer></script>' in html
    for q in ("appeltaart", ""):  # no answer, no question: no form
        page = c.get("/zoeken", query_string={"q": q} if q else None).get_data(as_text=True)
        assert "Was dit antwoord nuttig?" not in page


def test_without_javascript_post_then_back_to_the_same_results(on_app):
    c = on_app.test_client()
    html = c.get("/zoeken", query_string={"q": QUESTION, "k": "3", "type": "aanbeveling"}).get_data(as_text=True)
    fields = form_fields(html)
    data = {key: values for key, values in fields.items()}
    response = c.post("/zoeken/nuttig", data={**data, "nuttig": "nee"})
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/zoeken" and target.fragment == "nuttig"
    params = parse_qs(target.query)
    assert params == {"q": [QUESTION], "k": ["3"], "type": ["aanbeveling"], "nuttig": ["nee"]}
    back = c.get(response.headers["Location"])
    page = back.get_data(as_text=True)
    assert back.status_code == 200 and "Bedankt voor je reactie." in page
    assert "nuttig-formulier" not in page and "Antwoord" in page  # the same results, no second form
    feedback = rows(on_app, "feedback")
    assert len(feedback) == 1
    _id, day, useful, score, ids = feedback[0]
    assert useful == 0 and score == float(fields["score"][0])
    assert ids.count("#") == len(fields["passage"])
    assert len(rows(on_app, "questions")) == 1  # the page after the feedback is not a new question


def test_with_javascript_the_post_answers_json(on_app):
    c = on_app.test_client()
    response = c.post("/zoeken/nuttig", headers={"Accept": "application/json"},
                      data={"q": QUESTION, "passage": ["kb/a#b"], "score": "0.61", "nuttig": "ja"})
    assert response.status_code == 200
    assert response.json == {"ok": True, "message": "Bedankt voor je reactie."}
    assert response.headers["Cache-Control"] == "no-store"
    assert [r[2:] for r in rows(on_app, "feedback")] == [(1, 0.61, '["kb/a#b"]')]


@pytest.mark.parametrize("data, status, message", [
    ({"nuttig": "misschien", "score": "0.5"}, 400, "Kies"),
    ({"nuttig": "ja", "score": "hoog"}, 400, "score"),
    ({"nuttig": "ja", "score": "nan"}, 400, "score"),
    ({"nuttig": "ja", "score": "0.5", "passage": ["<script>"]}, 400, "passages"),
    ({"nuttig": "ja", "score": "0.5", "passage": [f"kb/a#p{i}" for i in range(51)]}, 400, "passages"),
])
def test_bad_feedback_is_refused_in_dutch(on_app, data, status, message):
    response = on_app.test_client().post("/zoeken/nuttig", data=data)
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
    assert rows(on_app, "feedback") == []


def test_posts_from_another_site_are_refused(on_app):
    response = on_app.test_client().post(
        "/zoeken/nuttig", headers={"Sec-Fetch-Site": "cross-site"},
        data={"q": QUESTION, "score": "0.5", "nuttig": "nee"})
    assert response.status_code == 403 and "zoekpagina" in response.get_data(as_text=True)
    assert rows(on_app, "feedback") == []


def test_a_bad_question_in_the_form_goes_to_the_search_page(on_app):
    response = on_app.test_client().post("/zoeken/nuttig", data={"q": "", "score": "0.5", "nuttig": "ja"})
    assert response.status_code == 303 and response.headers["Location"] == "/zoeken"
    assert on_app.test_client().get("/zoeken/nuttig").headers["Location"] == "/zoeken"


def test_page_with_the_form_keeps_the_page_rules(on_app):
    """No inline script or handlers, labelled controls, unique ids (as test_app_pages asks)."""
    html = on_app.test_client().get("/zoeken", query_string={"q": QUESTION}).get_data(as_text=True)
    page = Page(html)
    assert page.inline_scripts == 0 and not page.event_handlers and page.inline_styles == 0
    assert [s["src"] for s in page.scripts] == ["/_huisstijl/huisstijl.js", "/_zoeken/zoeken.js", "/_zoeken/inzichten.js"]
    ids = [i for i in page.ids]
    assert len(ids) == len(set(ids))
    js = on_app.test_client().get("/_zoeken/inzichten.js")
    assert js.status_code == 200 and b"fetch(" in js.data
    js.close()


def test_more_results_is_not_a_new_question(on_app):
    """"Meer resultaten" (a page with an offset) is the question asked once, read further."""
    c = on_app.test_client()
    first = c.get("/zoeken", query_string={"q": "wijkteam", "k": "2"}).get_data(as_text=True)
    more = Page(first).links
    href = next(h for h, a in more if a.get("class") == "meer")
    assert "offset=2" in href
    second = c.get(href)
    assert second.status_code == 200 and "Meer resultaten" in second.get_data(as_text=True)
    api = c.get("/api/search", query_string={"q": "wijkteam", "k": "2", "offset": "4"})
    assert api.status_code == 200 and api.get_json()["results"]
    assert len(rows(on_app, "questions")) == 1  # only the first page counted
    # the form under the answer is on the first page only (it rates the answer)
    assert "Was dit antwoord nuttig?" not in second.get_data(as_text=True)
