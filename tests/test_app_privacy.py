"""Questions can hold personal details: by default no log line may contain one."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from search_app import create_app
from tests.app_support import CANARY, fake_factory, isolated_settings, write_fake_manifest

REQUESTS = [
    ("/api/search", {"q": f"regie {CANARY}"}),
    ("/api/search", {"q": f"{CANARY} wijkteam", "type": "dilemma"}),
    ("/api/search", {"q": f"{CANARY} " + "x" * 600}),  # 400: too long
    ("/api/search", {"q": f"{CANARY}\x00"}),  # 400: NUL
    ("/api/search", {"q": f"{CANARY}", "theme": "onbekend"}),  # 400: unknown filter
    ("/api/search", {"q": f"{CANARY}", "k": "99"}),  # 400: bad k
    ("/zoeken", {"q": f"Wat doet de regisseur bij {CANARY}?"}),
    ("/zoeken", {"q": f"{CANARY} appeltaart"}),
    ("/bestaat-niet", {"q": CANARY}),
]


class BrokenSearcher:
    def search(self, query, *args, **kwargs):
        raise ValueError(f"kan '{query}' niet verwerken")  # library messages can quote the question


def broken_factory(settings):
    _searcher, loaded = fake_factory()(settings)
    return BrokenSearcher(), loaded


def make_client(tmp_path: Path, log_queries: bool, broken: bool = False):
    settings = isolated_settings(tmp_path, log_queries=log_queries)
    write_fake_manifest(Path(settings.index_dir))
    factory = broken_factory if broken else fake_factory()
    return create_app(settings, searcher_factory=factory).test_client()


def run_requests(client) -> list[int]:
    statuses = []
    for path, params in REQUESTS:
        response = client.get(path, query_string=params)
        statuses.append(response.status_code)
        response.close()
    return statuses


def test_no_question_in_any_log_by_default(tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    client = make_client(tmp_path, log_queries=False)
    statuses = run_requests(client)
    assert statuses == [200, 200, 400, 400, 400, 400, 200, 200, 404]
    captured = capfd.readouterr()
    everything = caplog.text + captured.out + captured.err
    assert CANARY not in everything


def test_no_question_in_the_log_of_an_internal_error(tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    client = make_client(tmp_path, log_queries=False, broken=True)
    response = client.get("/api/search", query_string={"q": f"regie {CANARY}"})
    assert response.status_code == 500
    assert "ValueError" in caplog.text  # logged, but without the message
    captured = capfd.readouterr()
    assert CANARY not in caplog.text + captured.out + captured.err


@pytest.mark.parametrize("broken", [False, True])
def test_log_queries_setting_does_log_them(tmp_path, caplog, broken):
    """The check above can see a question in the log when one is written."""
    caplog.set_level(logging.DEBUG)
    client = make_client(tmp_path, log_queries=True, broken=broken)
    client.get("/api/search", query_string={"q": f"regie {CANARY}"})
    assert CANARY in caplog.text
