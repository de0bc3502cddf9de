"""A check's verdict, one printed line, and how the report lays those lines out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from breeze_infra.messages import safe_line

if TYPE_CHECKING:
    from breeze_infra.doctor._targets import Target

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    """One printed line: what was checked, how it went, and what to do about it.

    ``cause`` groups failures with one root ("key" rejected, account does not "route") so that
    it is explained once, on the first line it shows up in, and referred to after that.
    """

    name: str
    status: Status
    detail: str
    cause: Literal["key", "route", ""] = ""
    seconds: float | None = field(default=None, compare=False)
    """How long the check took, from the start of the run (for ``doctor --json``)."""


def could_not_run(name: str, error: BaseException) -> Check:
    """A check (or a consumer's whole run) that raised outside the error model: a failed line.

    A health check that could not run never passes and never disappears: whatever it raised (a
    refused URL, a bug) becomes its line, in the text report and in ``--json`` alike. The text is
    the exception's own message (masked and kept to one line when printed), never its class.
    """
    said = str(error).strip()
    why = said if said else "an unexpected failure; run with --debug and please report it"
    return Check(name, "fail", f"could not run: {why}")


def check_names(target: Target, inference: bool) -> list[str]:
    models = [f"model {m}" for m in target.models] if inference else ["models"]
    return ["token", "route", *(["gateway"] if target.gateway else []), *models]


def format_check(check: Check, width: int) -> str:
    """One report line; the detail may quote Cloudflare, so it is kept to one safe line."""
    return f"{check.status:<4}  {check.name:<{width}}  {safe_line(check.detail)}"
