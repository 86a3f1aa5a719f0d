"""The A to Z connector over real HTTP: the list, local ranking, the cache, adding terms, down and slow systems."""

import time

import pytest

from connectors.directory import DirectoryConnector, DirectoryService
from connectors.errors import NotFound, Rejected, ServiceUnavailable
from connectors.settings import ConnectorSettings
from service_directory.ranking import THRESHOLD
from tests.backend_server import free_port
from tests.connectors.local_servers import local_server, send, sleeping

ONE_SERVICE = [
    {
        "id": "bulky-compost",
        "title": "Compost giveaway",
        "answer": "Collect free compost in May.",
        "url": "https://council.example/compost",
        "department": "waste",
        "terms": ["free compost", "soil"],
    }
]


def test_services_are_typed_dataclasses(settings):
    services = DirectoryConnector(settings).services()
    assert len(services) >= 170
    pothole = next(s for s in services if s.id == "report-pothole")
    assert isinstance(pothole, DirectoryService)
    assert pothole.task == "report_problem" and pothole.task_entities == {"problem_type": "pothole"}
    assert isinstance(pothole.terms, tuple) and "pothole" in pothole.terms


def test_search_ranks_locally_a_synonym_and_a_misspelling(settings):
    directory = DirectoryConnector(settings)
    found = directory.search("disabled parking badge")
    assert found[0].service.id == "blue-badge" and found[0].score >= THRESHOLD
    assert directory.search("buss pas")[0].service.id == "bus-pass"


def test_one_service_by_id_and_an_unknown_one(settings):
    directory = DirectoryConnector(settings)
    assert directory.service("allotments").title == "Allotments"
    with pytest.raises(NotFound):
        directory.service("no-such-service")


def test_a_cms_that_serves_only_the_list_is_enough():
    calls = []

    def respond(handler):
        calls.append(handler.path)
        if handler.path == "/services":
            send(handler, 200, ONE_SERVICE)
        else:
            send(handler, 404, {"error": "not_found", "message": "No."})

    with local_server(respond) as url:
        directory = DirectoryConnector(ConnectorSettings(council_api_url=url))
        found = directory.search("where can i get free compost")
        assert found[0].service.id == "bulky-compost" and found[0].service.task is None
        directory.search("soil")
    assert calls == ["/services"]  # ranked here, and fetched once within the cache period


def test_the_list_is_fetched_again_after_the_cache_period():
    calls = []
    now = [1000.0]

    def respond(handler):
        calls.append(handler.path)
        send(handler, 200, ONE_SERVICE)

    with local_server(respond) as url:
        directory = DirectoryConnector(ConnectorSettings(council_api_url=url), cache_seconds=60, clock=lambda: now[0])
        directory.services()
        now[0] += 59
        directory.services()
        now[0] += 2
        directory.services()
    assert len(calls) == 2


def test_added_term_is_kept_and_found_at_once(settings):
    directory = DirectoryConnector(settings)
    directory.services()  # fill the cache: adding a term must refresh it
    term = f"council veg patch {time.monotonic_ns()}"
    updated = directory.add_term("allotments", term)
    assert updated.terms[-1] == term
    assert directory.search(term)[0].service.id == "allotments"


def test_adding_a_bad_term_is_rejected_with_the_reason(settings):
    with pytest.raises(Rejected) as refused:
        DirectoryConnector(settings).add_term("allotments", "x" * 101)
    assert refused.value.code == "invalid_request"
    with pytest.raises(NotFound):
        DirectoryConnector(settings).add_term("no-such-service", "words")


def test_wrong_api_key_is_rejected(backend):
    with pytest.raises(Rejected) as refused:
        DirectoryConnector(ConnectorSettings(council_api_url=backend.url, council_api_key="wrong")).services()
    assert refused.value.code == "invalid_api_key"


def test_directory_down_raises_service_unavailable():
    with pytest.raises(ServiceUnavailable):
        DirectoryConnector(ConnectorSettings(council_api_url=f"http://127.0.0.1:{free_port()}")).search("bus pass")


def test_slow_directory_raises_within_the_timeout():
    with local_server(sleeping(3)) as url:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable, match="did not answer"):
            DirectoryConnector(ConnectorSettings(council_api_url=url, timeout=0.5)).services()
        assert time.monotonic() - started < 1.5


def test_list_of_the_wrong_shape_raises_service_unavailable():
    with local_server(lambda handler: send(handler, 200, [{"title": "no id"}])) as url:
        with pytest.raises(ServiceUnavailable, match="Unexpected answer"):
            DirectoryConnector(ConnectorSettings(council_api_url=url)).services()
