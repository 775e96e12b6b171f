"""The JSON API contract of /api/search and the one error shape of every error."""
from __future__ import annotations

import re

import pytest

from tests.app_support import app, client, fake_factory, settings  # noqa: F401

QUESTION = "Wie voert de regie bij samenwerking met zorgaanbieders?"
RESULT_KEYS = {"id", "url", "title", "section", "page_type", "themes", "laws", "text",
               "snippet_html", "score"}


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "status"}
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in body["error"]
    return body


def test_contract_of_a_successful_search(client):
    response = client.get("/api/search", query_string={"q": QUESTION})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"query", "answer", "results", "paging", "facets"}
    assert body["query"] == QUESTION
    assert body["answer"]["found"] is True
    assert 2 <= len(body["answer"]["sentences"]) <= 4
    assert len(body["results"]) == 5
    for result in body["results"]:
        assert RESULT_KEYS <= set(result)
        assert isinstance(result["themes"], list) and isinstance(result["laws"], list)
        assert isinstance(result["score"], float)
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    for sentence in body["answer"]["sentences"]:
        assert set(sentence) == {"text", "result", "link"}
        cited = body["results"][sentence["result"] - 1]  # result is the 1-based citation number
        assert sentence["text"] in cited["text"]  # verbatim, never generated
        assert sentence["link"].startswith(cited["page_url"] + "?markeer=")  # opens at the sentence
    assert [r["rank"] for r in body["results"]] == [1, 2, 3, 4, 5]
    assert body["paging"]["offset"] == 0 and body["paging"]["k"] == 5
    assert set(body["facets"]) == {"type", "theme", "law"}
    for values in body["facets"].values():
        for facet in values:
            assert set(facet) == {"value", "label", "count", "selected"}


def test_best_passage_comes_first(client):
    body = client.get("/api/search", query_string={"q": QUESTION}).get_json()
    assert body["results"][0]["id"] == "kb/aanbevelingen/regierol-wijkteam#regierol-wijkteam-waarom"


@pytest.mark.parametrize("k", ["1", "3", "50"])
def test_k_limits_the_results(client, k):
    body = client.get("/api/search", query_string={"q": "wijkteam", "k": k}).get_json()
    assert len(body["results"]) == min(int(k), 8)  # 8 fixture passages mention "wijkteam"


@pytest.mark.parametrize("k", ["0", "51", "-1", "abc", "2.5", "", " ", "1e1", "٣"])
def test_bad_k_is_400(client, k):
    body = assert_error_shape(client.get("/api/search", query_string={"q": "regie", "k": k}), 400)
    assert "k" in body["error"]


def _pages(client, **params) -> list[dict]:
    """Every page of one search, following ``paging.next_offset``."""
    pages, offset = [], 0
    while offset is not None:
        body = client.get("/api/search", query_string={**params, "offset": offset}).get_json()
        pages.append(body)
        offset = body["paging"]["next_offset"]
    return pages


@pytest.mark.parametrize("params", [{"q": "wijkteam", "k": "2"}, {"q": "wijkteam", "k": "3", "type": "dilemma"},
                                    {"q": QUESTION}])
def test_paging_reaches_exactly_what_the_facets_count(client, params):
    pages = _pages(client, **params)
    results = [r for page in pages for r in page["results"]]
    assert len(pages) > 1 or len(results) <= int(params.get("k", 5))
    assert [r["rank"] for r in results] == list(range(1, len(results) + 1))
    assert len({r["id"] for r in results}) == len(results) == pages[0]["paging"]["total"]
    for key in ("type", "theme", "law"):  # every count is reached by paging, and no more
        counted = {f["value"]: f["count"] for f in pages[0]["facets"][key] if f["count"]}
        reached: dict[str, int] = {}
        for r in results:
            for value in ([r["page_type"]] if key == "type" else r["themes" if key == "theme" else "laws"]):
                reached[value] = reached.get(value, 0) + 1
        assert counted == reached
    # the facets are the same on every page; the answer comes with the first page only
    assert all(page["facets"] == pages[0]["facets"] for page in pages)
    assert pages[0]["answer"]["sentences"] and all(not p["answer"]["sentences"] for p in pages[1:])
    assert all(p["answer"]["found"] == pages[0]["answer"]["found"] for p in pages)
    assert pages[-1]["paging"]["next_offset"] is None


def test_offset_past_the_last_result_is_an_empty_page(client):
    body = client.get("/api/search", query_string={"q": "wijkteam", "offset": "49"}).get_json()
    assert body["results"] == [] and body["paging"]["next_offset"] is None
    assert body["paging"]["total"] == 8 and body["answer"]["found"]


@pytest.mark.parametrize("offset", ["50", "-1", "abc", "2.5", "", " ", "1e1", "٣", "1000"])
def test_bad_offset_is_400_naming_the_limits(client, offset):
    body = assert_error_shape(client.get("/api/search", query_string={"q": "regie", "offset": offset}), 400)
    assert "offset" in body["error"] and "0 tot en met 49" in body["error"]


@pytest.mark.parametrize("q", ["", "   ", "\t\n", None])
def test_empty_question_is_400(client, q):
    query = {} if q is None else {"q": q}
    body = assert_error_shape(client.get("/api/search", query_string=query), 400)
    assert "leeg" in body["error"]


def test_question_over_500_characters_is_400(client):
    body = assert_error_shape(client.get("/api/search", query_string={"q": "a" * 501}), 400)
    assert "500" in body["error"]
    assert client.get("/api/search", query_string={"q": "regie " + "a" * 494}).status_code == 200


def test_ten_thousand_characters_is_400_and_not_echoed(client):
    body = assert_error_shape(client.get("/api/search", query_string={"q": "x" * 10_000}), 400)
    assert "xxxxx" not in body["error"]


def test_nul_byte_is_400(client):
    assert_error_shape(client.get("/api/search", query_string={"q": "regie\x00wijkteam"}), 400)


@pytest.mark.parametrize("q", ["🙂🙂 regie 🙂", "регие wijkteam 合作 regie", "ＲＥＧＩＥ", "\u202eeiger",
                               "<script>alert(1)</script>", "' OR 1=1 --", "%00%ff", "\ufffd"])
def test_odd_questions_never_fail(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200
    assert response.get_json()["query"]


def test_invalid_utf8_in_url_is_handled(client):
    response = client.get("/api/search?q=%ff%fe%C3regie")
    assert response.status_code == 200


@pytest.mark.parametrize("param,value", [("type", "roman"), ("theme", "koken"), ("law", "wet-op-alles"),
                                         ("type", "aanbeveling,onzin")])
def test_unknown_filter_value_is_400_naming_the_choices(client, param, value):
    body = assert_error_shape(client.get("/api/search", query_string={"q": "regie", param: value}), 400)
    assert "Kies uit" in body["error"]


def test_filters_narrow_results_and_facets(client):
    body = client.get("/api/search", query_string={"q": "wijkteam", "type": "dilemma", "k": 50}).get_json()
    assert body["results"] and {r["page_type"] for r in body["results"]} == {"dilemma"}
    types = body["facets"]["type"]
    assert [(f["value"], f["selected"]) for f in types] == [("dilemma", True)]
    assert types[0]["count"] == len(body["results"])


def test_filters_are_or_within_and_and_across_keys(client):
    both = client.get("/api/search?q=wijkteam&type=dilemma&type=praktijkvoorbeeld&k=50").get_json()
    assert {r["page_type"] for r in both["results"]} == {"dilemma", "praktijkvoorbeeld"}
    comma = client.get("/api/search?q=wijkteam&type=dilemma,praktijkvoorbeeld&k=50").get_json()
    assert comma["results"] == both["results"]
    narrowed = client.get("/api/search?q=wijkteam&type=dilemma&type=praktijkvoorbeeld"
                          "&law=wmo&k=50").get_json()
    assert {r["page_type"] for r in narrowed["results"]} == {"dilemma"}
    assert all("wmo" in r["laws"] for r in narrowed["results"])


def test_facet_counts_match_the_passages(client):
    body = client.get("/api/search", query_string={"q": "wijkteam regie", "k": 50}).get_json()
    themes = {f["value"]: f["count"] for f in body["facets"]["theme"]}
    assert themes["regie"] == sum("regie" in r["themes"] for r in body["results"])
    labels = {f["value"]: f["label"] for f in body["facets"]["theme"]}
    assert labels["regie"] == "Regie en rolverdeling"
    counts = [f["count"] for f in body["facets"]["type"]]
    assert counts == sorted(counts, reverse=True)


def test_below_threshold_is_an_honest_no_answer(client):
    body = client.get("/api/search", query_string={"q": "recept voor appeltaart met kaneel en regie"}).get_json()
    # one of four content stems matches: 0.25 < threshold 0.3
    assert body["answer"] == {"found": False, "sentences": []}
    assert body["results"] == []


def test_nothing_found_at_all(client):
    body = client.get("/api/search", query_string={"q": "appeltaart"}).get_json()
    assert body["answer"]["found"] is False and body["results"] == []


def test_snippet_html_marks_matching_stems(client):
    body = client.get("/api/search", query_string={"q": "samenwerken"}).get_json()
    html = " ".join(r["snippet_html"] for r in body["results"])
    assert "<mark>samenwerking</mark>" in html  # same stem as the question's word
    assert "<mark>samenwerken</mark>" in html
    assert not re.search(r"<(?!/?mark>)", html)


# -- one error shape for every error -----------------------------------------------------

def test_404_405_413_share_the_shape(client):
    assert_error_shape(client.get("/api/bestaat-niet"), 404)
    response = client.post("/api/search", data={"q": "regie"})
    assert_error_shape(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_error_shape(client.get("/api/search", query_string={"q": "regie"},
                                  data=b"x" * 20_000, content_type="text/plain"), 413)
    assert_error_shape(client.get("/api/search?q=" + "a" * 40_000), 413)


def test_500_has_the_shape_and_no_traceback(settings, caplog):
    from search_app import create_app

    class Broken:
        def search(self, *args, **kwargs):
            raise RuntimeError(" ".join(["geheime", "details"]))  # not in the source line

    def factory(s):
        searcher, loaded = fake_factory()(s)
        return Broken(), loaded

    client = create_app(settings, searcher_factory=factory).test_client()
    body = assert_error_shape(client.get("/api/search", query_string={"q": "regie"}), 500)
    assert "geheime" not in body["error"]
    assert "RuntimeError" in caplog.text  # the failure is logged for the maintainer...
    assert "geheime details" not in caplog.text  # ...without its message (may quote the question)
    page = client.get("/zoeken", query_string={"q": "regie"})
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert b"Traceback" not in page.data


def test_503_without_index_has_the_shape(tmp_path):
    from search_app import create_app
    from tests.app_support import isolated_settings

    client = create_app(isolated_settings(tmp_path, index_dir=str(tmp_path / "geen-index"))).test_client()
    body = assert_error_shape(client.get("/api/search", query_string={"q": "regie"}), 503)
    assert "index" in body["error"]
    body = assert_error_shape(client.get("/healthz"), 503)
    assert "kb build" in body["error"]  # says what to do
    # the app keeps serving: the static site and the error shape still work
    with client.get("/") as page:
        assert page.status_code == 200
    assert_error_shape(client.get("/api/search", query_string={"q": ""}), 400)


def test_html_errors_are_dutch_pages(client):
    response = client.get("/bestaat/niet.html")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b'lang="nl"' in response.data and "bestaat niet".encode() in response.data
    response = client.get("/zoeken", headers={"Accept": "application/json"})
    assert response.status_code == 200  # the search page itself is HTML
    response = client.get("/bestaat/niet", headers={"Accept": "application/json"})
    assert_error_shape(response, 404)


def test_healthz_summarises_the_index(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["passages"] == 10
    assert body["embedder"]["id"] == "fake"
    assert body["built_at"].startswith("2026-")
