"""REST adapters of the agents app: parse, call one service or selector, serialize."""
