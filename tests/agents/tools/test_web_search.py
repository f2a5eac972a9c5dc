"""Web Search against a loopback fake SearXNG (JSON API) started in the test."""

import pytest

from apps.agents.tools.web_search import WebSearchError, web_search, web_search_tool
from tests.support.loopback import LoopbackServer, Reply


class FakeSearxng(LoopbackServer):
    def __init__(self, results):
        super().__init__()
        self.results = results

    def route(self, request):
        scripted = self.next_reply()
        if scripted is not None:
            return scripted
        if request.path.startswith("/search"):
            return Reply(200, {"query": "q", "results": self.results})
        return Reply(404, {})


def _results(count):
    return [
        {"title": f"Result {i}", "url": f"https://example.com/{i}", "content": f"Snippet {i} " + "x" * 300}
        for i in range(count)
    ]


@pytest.fixture
def searxng():
    server = FakeSearxng(_results(30)).start()
    try:
        yield server
    finally:
        server.stop()


def test_formats_the_top_five_results_with_200_char_snippets(searxng):
    text = web_search("pipelit workflows", searxng_url=searxng.url)
    blocks = text.split("\n\n")
    assert len(blocks) == 5
    title, url, snippet = blocks[0].split("\n")
    assert title == "- Result 0"
    assert url == "  https://example.com/0"
    assert len(snippet.strip()) == 200
    assert snippet.strip().endswith("...")
    request = searxng.requests[-1]
    assert request.path == "/search?q=pipelit+workflows&format=json"


def test_result_count_is_capped(searxng):
    assert len(web_search("q", searxng_url=searxng.url, max_results=50).split("\n\n")) == 20
    assert len(web_search("q", searxng_url=searxng.url, max_results=0).split("\n\n")) == 1


def test_no_results(searxng):
    searxng.results = []
    assert web_search("nothing", searxng_url=searxng.url) == "No results found."


def test_json_api_disabled_is_explained(searxng):
    searxng.push(Reply(403, {}))
    with pytest.raises(WebSearchError, match="enable 'json' under search.formats"):
        web_search("q", searxng_url=searxng.url)


def test_non_json_answer_is_an_error(searxng):
    searxng.push(Reply(200, "not json at all"))  # a JSON string, not an object
    with pytest.raises(WebSearchError, match="without a results list"):
        web_search("q", searxng_url=searxng.url)


def test_unreachable_searxng_is_a_clear_error(closed_port):
    with pytest.raises(WebSearchError, match=r"SearXNG at http://127.0.0.1:\d+ is unreachable"):
        web_search("q", searxng_url=f"http://127.0.0.1:{closed_port}")


def test_silent_searxng_times_out(silent_port):
    with pytest.raises(WebSearchError, match="did not answer within 0.2s"):
        web_search("q", searxng_url=f"http://127.0.0.1:{silent_port}", timeout=0.2)


def test_empty_query_is_refused():
    with pytest.raises(WebSearchError, match="query is empty"):
        web_search("   ")


def test_tool_uses_the_node_config_and_reports_errors(searxng, closed_port):
    tool = web_search_tool({"searxng_url": searxng.url, "max_results": 2})
    assert tool.name == "web_search"
    assert tool.invoke({"query": "q"}).count("https://example.com/") == 2
    broken = web_search_tool({"searxng_url": f"http://127.0.0.1:{closed_port}"})
    assert broken.invoke({"query": "q"}).startswith("Error: SearXNG at")
