"""REST adapters of the execution app."""
