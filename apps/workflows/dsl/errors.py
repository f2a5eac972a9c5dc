"""DSL problems: every one carries the path of the YAML field it is about; all are reported at once."""

from __future__ import annotations

from dataclasses import dataclass

from pipelit.api import UnprocessableEntity


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class Problems:
    """Collects problems while compiling; the compiler keeps going so the caller sees all of them."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        problem = Problem(path, message)
        if problem not in self.items:
            self.items.append(problem)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


class DslInvalid(UnprocessableEntity):
    """422 `{"detail": {"validation_errors": ["path: message", ...], "errors": [{path, message}]}}`."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(
            {
                "validation_errors": [str(p) for p in self.problems],
                "errors": [p.as_dict() for p in self.problems],
            }
        )
