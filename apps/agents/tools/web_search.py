"""Web Search tool: a SearXNG instance's JSON API, top results formatted for the model."""

from __future__ import annotations

from typing import Any

import httpx
from langchain_core.tools import StructuredTool, ToolException

DEFAULT_SEARXNG_URL = "http://localhost:8888"
DEFAULT_MAX_RESULTS = 5
MAX_RESULTS_CAP = 20
SNIPPET_CHARS = 200
DEFAULT_TIMEOUT = 10.0
NO_RESULTS = "No results found."


class WebSearchError(RuntimeError):
    """SearXNG could not be reached or did not return usable JSON."""


def _snippet(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 3].rstrip() + "..."


def format_results(results: list[dict[str, Any]], max_results: int) -> str:
    blocks = []
    for result in results:
        if not isinstance(result, dict) or not result.get("url"):
            continue
        lines = [f"- {result.get('title') or result['url']}", f"  {result['url']}"]
        if result.get("content"):
            lines.append(f"  {_snippet(result['content'])}")
        blocks.append("\n".join(lines))
        if len(blocks) >= max_results:
            break
    return "\n\n".join(blocks) if blocks else NO_RESULTS


def web_search(
    query: str,
    *,
    searxng_url: str = DEFAULT_SEARXNG_URL,
    max_results: int = DEFAULT_MAX_RESULTS,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """Search SearXNG (`GET {url}/search?q=...&format=json`) and format up to `max_results` results."""
    query = (query or "").strip()
    if not query:
        raise WebSearchError("the search query is empty")
    max_results = max(1, min(int(max_results), MAX_RESULTS_CAP))
    url = searxng_url.rstrip("/") + "/search"
    try:
        response = httpx.get(url, params={"q": query, "format": "json"}, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise WebSearchError(f"SearXNG at {searxng_url} did not answer within {timeout:g}s") from exc
    except httpx.HTTPError as exc:
        raise WebSearchError(f"SearXNG at {searxng_url} is unreachable: {exc}") from exc
    if response.status_code == 403:
        raise WebSearchError(
            f"SearXNG at {searxng_url} refused the JSON API (HTTP 403); enable 'json' under "
            "search.formats in its settings.yml"
        )
    if response.status_code != 200:
        raise WebSearchError(f"SearXNG at {searxng_url} answered HTTP {response.status_code}")
    try:
        payload = response.json()
    except ValueError as exc:
        raise WebSearchError(f"SearXNG at {searxng_url} did not return JSON") from exc
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise WebSearchError(f"SearXNG at {searxng_url} returned JSON without a results list")
    return format_results(results, max_results)


def web_search_tool(extra_config: dict[str, Any] | None = None) -> StructuredTool:
    """`web_search(query)` bound to the node's `searxng_url` (and optional `max_results`, `timeout`)."""
    config = extra_config or {}
    searxng_url = config.get("searxng_url") or DEFAULT_SEARXNG_URL
    max_results = config.get("max_results") or DEFAULT_MAX_RESULTS
    timeout = float(config.get("timeout") or DEFAULT_TIMEOUT)

    def search(query: str) -> str:
        try:
            return web_search(query, searxng_url=searxng_url, max_results=max_results, timeout=timeout)
        except WebSearchError as exc:
            raise ToolException(f"Error: {exc}") from exc

    return StructuredTool.from_function(
        func=search,
        name="web_search",
        description="Search the web. Returns the top results: title, URL and a short snippet.",
        handle_tool_error=True,
    )
