import datetime
import enum

import pytest

from apps.execution.reporting import jsonable


class Colour(enum.StrEnum):
    RED = "red"


@pytest.mark.parametrize(
    "value",
    [None, 1, 1.5, True, "s", [], {}, {"a": [1, {"b": None}]}, [{"x": "y"}] * 200],
)
def test_plain_values_come_back_as_they_are(value):
    assert jsonable(value) is value


def test_values_json_can_carry_are_kept_even_when_not_plain():
    for value in ((1, 2), {1: "a"}, {"s": Colour.RED}):
        assert jsonable(value) is value


def test_other_values_become_text():
    when = datetime.datetime(2020, 1, 2, 3, 4, 5)
    assert jsonable({"at": when, "tags": {1}}) == {"at": str(when), "tags": "{1}"}


def test_a_cycle_is_still_an_error():
    value: dict = {}
    value["self"] = value
    with pytest.raises(ValueError):
        jsonable(value)
