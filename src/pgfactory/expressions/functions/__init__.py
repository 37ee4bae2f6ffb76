"""The function registry: every function an expression can call, found without regard to case.

Each category module exports ``FUNCTIONS``, a dict from the ADF name to a plain callable over
evaluated arguments; the scope functions (:mod:`pgfactory.expressions.scope`) take the expression
context first. How many arguments a function takes is read from its signature (parameters with
defaults are optional, ``*rest`` takes any number more), so a module only writes the function.
Functions marked :func:`~pgfactory.expressions.functions.arguments.lazy_arguments` get their
arguments as zero-argument callables.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pgfactory.expressions.functions import collections, conversion, dates, logical, math, strings, xml
from pgfactory.expressions.scope import SCOPE_FUNCTIONS


@dataclass(frozen=True)
class Function:
    name: str
    implementation: Callable[..., Any]
    min_arguments: int
    max_arguments: int | None
    lazy: bool
    """Arguments arrive unevaluated, as zero-argument callables."""
    takes_context: bool
    """A scope function: the expression context comes before the arguments."""

    def arity_problem(self, count: int) -> str | None:
        """ADF's message when ``count`` arguments do not fit, else None."""
        low, high = self.min_arguments, self.max_arguments
        if count >= low and (high is None or count <= high):
            return None
        if high == 0:
            expected = "no parameters"
        elif high == low:
            expected = _parameters(low)
        elif high is None:
            expected = f"at least {_parameters(low)}"
        else:
            expected = f"{low} to {high} parameters"
        return (f"The function '{self.name}' expects {expected}. "
                f"The function was invoked with '{count}' parameter(s).")


def _parameters(count: int) -> str:
    return "one parameter" if count == 1 else f"{count} parameters"


def _describe(name: str, implementation: Callable[..., Any], *, takes_context: bool) -> Function:
    parameters = list(inspect.signature(implementation).parameters.values())[1 if takes_context else 0 :]
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    return Function(
        name=name,
        implementation=implementation,
        min_arguments=sum(p.default is p.empty for p in positional),
        max_arguments=None if variadic else len(positional),
        lazy=getattr(implementation, "lazy_arguments", False),
        takes_context=takes_context,
    )


def _registry() -> dict[str, Function]:
    by_folded_name: dict[str, Function] = {}
    categories = (strings, collections, logical, conversion, math, xml, dates)
    sources = [(module.FUNCTIONS, False) for module in categories] + [(SCOPE_FUNCTIONS, True)]
    for functions, takes_context in sources:
        for name, implementation in functions.items():
            known = by_folded_name.get(name.lower())
            if known is not None and known.implementation is implementation:
                continue  # the same function under another spelling (utcNow / utcnow)
            if known is not None:
                raise RuntimeError(f"expression function {name!r} is defined twice")
            by_folded_name[name.lower()] = _describe(name, implementation, takes_context=takes_context)
    return by_folded_name


_FUNCTIONS = _registry()


def find_function(name: str) -> Function | None:
    """The function called ``name`` in any case (``utcnow`` is ``utcNow``), or None."""
    return _FUNCTIONS.get(name.lower())


def unknown_function_message(name: str) -> str:
    """ADF's message for a name no function has, with the nearest names when some are close."""
    close = difflib.get_close_matches(name.lower(), _FUNCTIONS, n=3, cutoff=0.75)
    hint = f" Did you mean {' or '.join(repr(_FUNCTIONS[match].name) for match in close)}?" if close else ""
    return f"The template function '{name}' is not defined or not valid.{hint}"


def function_names() -> list[str]:
    """Every function's ADF name, sorted."""
    return sorted(function.name for function in _FUNCTIONS.values())
