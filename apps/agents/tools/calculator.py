"""Calculator tool: arithmetic over an AST walk (no eval), with limits so no expression can hang."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from langchain_core.tools import StructuredTool, ToolException

MAX_EXPRESSION_LENGTH = 500
MAX_INT_BITS = 4_000  # ~1,200 decimal digits: enough for any real calculation, cheap to compute
MAX_EXPONENT = 10_000

Number = int | float


class CalculatorError(ValueError):
    """The expression is not valid arithmetic, or its result is out of bounds."""


def _short(value: Number) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"<{len(text)}-digit number>"


def _pow(base: Number, exponent: Number) -> Number:
    exact = isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1
    # |base| ** exponent has about exponent * log2|base| bits: refuse before computing it.
    if exact and (exponent > MAX_EXPONENT or exponent * math.log2(abs(base)) > MAX_INT_BITS):
        raise CalculatorError(f"result of {_short(base)} ** {_short(exponent)} is too large")
    if abs(exponent) > MAX_EXPONENT and abs(base) not in (0, 1):
        raise CalculatorError(f"exponent {_short(exponent)} is too large (limit {MAX_EXPONENT})")
    result = operator.pow(base, exponent)
    if isinstance(result, complex):
        raise CalculatorError(f"({_short(base)}) ** ({_short(exponent)}) has no real result")
    return result


_BINARY: dict[type, Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _pow,
}
_UNARY: dict[type, Callable[[Number], Number]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}

_FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    # name: (function, min args, max args)
    "sqrt": (math.sqrt, 1, 1),
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "log": (math.log, 1, 2),
    "exp": (math.exp, 1, 1),
    "abs": (abs, 1, 1),
    "round": (round, 1, 2),
    "min": (min, 1, 50),
    "max": (max, 1, 50),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


def _check_size(value: Number) -> Number:
    if isinstance(value, bool):
        raise CalculatorError("booleans are not numbers here")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise CalculatorError("result is too large")
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculatorError("result is too large (overflow)")
    return value


def _call(node: ast.Call) -> Number:
    if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        raise CalculatorError(f"unknown function '{name}'; available: {', '.join(sorted(_FUNCTIONS))}")
    if node.keywords:
        raise CalculatorError(f"{node.func.id}() takes no keyword arguments")
    function, low, high = _FUNCTIONS[node.func.id]
    if not low <= len(node.args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise CalculatorError(f"{node.func.id}() takes {expected} argument(s), got {len(node.args)}")
    args = [_evaluate(arg) for arg in node.args]
    if node.func.id == "round" and len(args) == 2 and not isinstance(args[1], int):
        raise CalculatorError("round()'s second argument must be an integer")
    try:
        return function(*args)
    except ValueError as exc:
        raise CalculatorError(f"{node.func.id}({', '.join(map(str, args))}): {exc}") from exc


def _evaluate(node: ast.AST) -> Number:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise CalculatorError(f"unsupported value {node.value!r}")
        return _check_size(node.value)
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise CalculatorError(f"unknown name '{node.id}'; constants: {', '.join(_CONSTANTS)}")
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _check_size(_UNARY[type(node.op)](_evaluate(node.operand)))
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):
            raise CalculatorError("'^' is not a power operator here; use ** (e.g. 2 ** 8)")
        if type(node.op) not in _BINARY:
            raise CalculatorError(f"unsupported operator '{ast.unparse(node).strip()}'")
        left, right = _evaluate(node.left), _evaluate(node.right)
        try:
            return _check_size(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError as exc:
            raise CalculatorError("division by zero") from exc
        except OverflowError as exc:
            raise CalculatorError("result is too large (overflow)") from exc
    if isinstance(node, ast.Call):
        try:
            return _check_size(_call(node))
        except OverflowError as exc:
            raise CalculatorError("result is too large (overflow)") from exc
    raise CalculatorError(f"unsupported syntax: {type(node).__name__}")


def evaluate(expression: str) -> Number:
    """The value of an arithmetic expression; raises CalculatorError with a readable message."""
    if not isinstance(expression, str) or not expression.strip():
        raise CalculatorError("expression is empty")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise CalculatorError(f"expression is longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise CalculatorError(f"invalid expression: {getattr(exc, 'msg', exc)}") from exc
    try:
        return _evaluate(tree)
    except RecursionError as exc:
        raise CalculatorError("expression is nested too deeply") from exc


def calculate(expression: str) -> str:
    """Evaluate and format: integers exactly, floats as Python prints them."""
    return str(evaluate(expression))


def _tool_calculate(expression: str) -> str:
    try:
        return calculate(expression)
    except CalculatorError as exc:
        raise ToolException(f"Error: {exc}") from exc


def calculator_tool(extra_config: dict[str, Any] | None = None) -> StructuredTool:
    """The LangChain tool the agent sees; errors go back to the model as the tool's answer."""
    return StructuredTool.from_function(
        func=_tool_calculate,
        name="calculator",
        description=(
            "Evaluate an arithmetic expression exactly. Supports + - * / // % ** and parentheses, "
            "functions sqrt sin cos tan log exp abs round min max floor ceil, constants pi and e. "
            "Example: (1500 * 12) + (500 * 0.08)"
        ),
        handle_tool_error=True,
    )
