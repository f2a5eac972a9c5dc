"""Running graphs: executions, logs, triggers, logic components, events and consumers."""
