"""Copy links and citations of the search app resolve for the reader (base_url, or the reader's address)."""
from __future__ import annotations

from search_app import create_app

from tests.app_support import fake_factory, isolated_settings, write_fake_manifest

QUESTION = "Wie voert de regie bij meerdere zorgaanbieders?"
PAGE = "kb/aanbevelingen/regierol-wijkteam.html"


def _client(tmp_path, **overrides):
    settings = isolated_settings(tmp_path, **overrides)
    write_fake_manifest(tmp_path / "index")
    return create_app(settings, searcher_factory=fake_factory()).test_client()


def test_public_base_url_in_copy_links_citations_and_api(tmp_path):
    client = _client(tmp_path, base_url="https://kennisbank.example.nl/")
    html = client.get("/zoeken", query_string={"q": QUESTION}).get_data(as_text=True)
    assert f'value="https://kennisbank.example.nl/{PAGE}#' in html
    # the fixture index was built with the loopback default: its citations move to the public base
    assert f"De regierol van het wijkteam. https://kennisbank.example.nl/{PAGE}" in html
    assert "127.0.0.1" not in html and "localhost" not in html
    data = client.get("/api/search", query_string={"q": QUESTION}).get_json()
    assert data["results"] and all(r["citation"].endswith("https://kennisbank.example.nl/" + r["page_url"])
                                   for r in data["results"])


def test_without_base_url_the_address_the_reader_is_on(tmp_path):
    client = _client(tmp_path)  # base_url stays the loopback default
    html = client.get("/zoeken", query_string={"q": QUESTION},
                      base_url="https://wijkteam.gemeente.nl").get_data(as_text=True)
    assert f'value="https://wijkteam.gemeente.nl/{PAGE}#' in html
    assert f"De regierol van het wijkteam. https://wijkteam.gemeente.nl/{PAGE}" in html
    assert "127.0.0.1" not in html
    data = client.get("/api/search", query_string={"q": QUESTION}, base_url="http://10.1.2.3:8080").get_json()
    assert all(r["citation"].endswith("http://10.1.2.3:8080/" + r["page_url"]) for r in data["results"])
