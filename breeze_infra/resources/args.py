"""The components' args checked like the stack keys: every problem one line, never a Python error.

A component is called from another team's program with whatever that program passes: a dict for
the args class, text for a time, ``None`` or a string where a list belongs. ``checked`` turns the
args into their validated model or raises ``ArgsError`` with one ``<Component> '<name>': <arg>:
<message>`` line per problem, before anything is registered or looked up. The rules are the stack
file's (``config``'s models, value types and limits) and Pulumi's for names; Python's types are
taken strictly: a stack key reaches a program as text, so ``"7"`` is 7 there, but an arg is a
Python value, and ``"7"``, ``True`` or ``"2026-01-01"`` in one is a mistake.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

import pulumi
from pydantic import AfterValidator, BaseModel, ValidationError

from breeze_infra.backends import ENTRY_ERROR_KINDS
from breeze_infra.config import is_echo
from breeze_infra.fields import TOKEN_IN_FIELD
from breeze_infra.messages import looks_like_token, short
from breeze_infra.project import project_name_problem
from breeze_infra.rotation import ClockError, plannable
from breeze_infra.stacks import stack_name_problem

Model = TypeVar("Model", bound=BaseModel)
LINE_LIMIT = 400
"""The longest line an ArgsError prints, as for a config problem: quoted values are cut before."""


class ArgsError(pulumi.RunError, ValueError):
    """A component argument Cloudflare or Pulumi would refuse, said before anything is registered.

    A ``pulumi.RunError``, so ``pulumi up`` prints the message alone, without a traceback.
    """


def _stack(value: str) -> str:
    problem = stack_name_problem(value)
    if problem is not None:
        raise ValueError(f"'{short(value)}' is {problem}")
    return value


def _project(value: str) -> str:
    problem = project_name_problem(value)
    if problem is not None:
        raise ValueError(f"'{short(value)}' is {problem}")
    return value


def _moment(value: datetime) -> datetime:
    try:
        return plannable(value)
    except ClockError as exc:
        raise ValueError(f"{value.isoformat()} {exc}") from None


def _no_token(value: str) -> str:
    if looks_like_token(value):
        raise ValueError(TOKEN_IN_FIELD)
    return value


StackName = Annotated[str, AfterValidator(_stack)]
"""A stack's name by Pulumi's rule (``stacks.STACK_NAME``): it goes into every token's name."""
ProjectName = Annotated[str, AfterValidator(_project)]
"""A project's name by Pulumi's rule (``project.PROJECT_NAME``): the first word of a token's name."""
Moment = Annotated[datetime, AfterValidator(_moment)]
"""A time rotation windows can be cut from (``rotation.plannable``): zoned, years 1970 to 9000."""
PlainText = Annotated[str, AfterValidator(_no_token)]
"""Text kept in plain sight (a note beside the key, a resource's name): never a token."""


def checked(
    component: str,
    name: object,
    args: object,
    expected: type,
    model: type[Model],
    defaults: Mapping[str, Any] | None = None,
    opts: object = None,
) -> Model:
    """``args`` as ``model`` validates them, or ArgsError with one line per problem.

    ``expected`` is the public args class: anything else (a dict of its fields, None) is one
    line naming ``args``. Sequences are handed over as tuples (a list is the usual spelling),
    a string never: ``permissions="read"`` is a mistake, not ``("r", "e", "a", "d")``.
    ``defaults`` fill the fields left ``None`` (the running stack), and are checked alike;
    ``opts``, the component's resource options, must be ``pulumi.ResourceOptions`` or None.
    """
    source = f"{component} '{short(name)}'" if isinstance(name, str) else component
    problem = _name_problem(name)
    if problem is not None:
        raise ArgsError(_line(f"{source}: name: {problem}"))
    if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
        raise ArgsError(
            _line(
                f"{source}: opts: expected pulumi.ResourceOptions(...) or None, got {_kind(opts)}"
            )
        )
    if not isinstance(args, expected) or not dataclasses.is_dataclass(args):
        raise ArgsError(
            _line(
                f"{source}: args: expected {expected.__name__}(...), got {_kind(args)}; "
                f"write {expected.__name__}(**values) for a mapping of its fields"
            )
        )
    values = {f.name: _handed_over(getattr(args, f.name)) for f in dataclasses.fields(args)}
    for field, default in (defaults or {}).items():
        if values.get(field) is None:
            values[field] = default
    try:
        return model.model_validate(values, by_name=True, by_alias=False)
    except ValidationError as exc:
        raise ArgsError("\n".join(_line(f"{source}: {p}") for p in problems(exc))) from None


def _name_problem(name: object) -> str | None:
    """Pulumi takes any non-empty text as a resource's name; it is kept in every URN and printed
    on every line of ``pulumi up``, so a token or a control character is refused too."""
    if not isinstance(name, str) or not name:
        return f"expected the resource's name as non-empty text (got {_quoted(name)})"
    if looks_like_token(name):
        return TOKEN_IN_FIELD
    if not name.isprintable():
        return f"'{short(name)}' holds a control character; a resource's name is printed as is"
    return None


def _handed_over(value: Any) -> Any:
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return tuple(value)
    return value


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    return "None" if value is None else f"a {type(value).__name__}"


def _quoted(value: object) -> str:
    """The value as JSON, shortened and masked; a value that cannot be shown (a number of more
    digits than Python prints, an object whose ``str`` fails) is named by its type."""
    try:
        return short(json.dumps(value, default=str))
    except Exception:  # whatever a caller's object raises, the line is still said
        return f"a {type(value).__name__}"


def _line(text: str) -> str:
    return short(text, LINE_LIMIT)


_MESSAGES = {
    "tuple_type": "expected a list",
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "datetime_type": "expected a datetime.datetime with a time zone",
}
"""Pydantic's words for a wrong type, as a Python caller reads them."""

SELF_EXPLAINED = frozenset({"value_error", "missing", "too_short"}) | ENTRY_ERROR_KINDS
"""Error kinds whose message already says what was given."""


def problems(exc: ValidationError) -> list[str]:
    """One ``key: message`` per problem, keys as Python spells them (``secrets[0].mount``); a
    value quoted back is shortened and never a token."""
    lines = []
    errors = exc.errors()
    for error in errors:
        if is_echo(error, errors):
            continue
        key = ""
        for part in error["loc"]:
            key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else str(part)
        kind = error["type"]
        if kind == "too_short":
            message = f"must list at least {error.get('ctx', {}).get('min_length')} item(s)"
        else:
            message = _MESSAGES.get(kind, str(error["msg"]).removeprefix("Value error, "))
        if kind not in SELF_EXPLAINED and "input" in error:
            message += f" (got {_quoted(error['input'])})"
        lines.append(f"{key}: {message}" if key else message)
    return lines
