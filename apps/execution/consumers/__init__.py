"""Channels consumers: the JSON API socket and the editor's htmx socket."""
