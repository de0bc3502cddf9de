"""The one reader of ``pulumi stack output --json [--show-secrets]``, for every command.

``manifest --from-outputs`` and ``doctor --from-outputs`` read the same JSON; reading it in one
place keeps their limits (size, nesting), their wording and their idea of a redacted key the
same. Without ``--show-secrets`` Pulumi prints each secret as :data:`SECRET_MARKER`: such a key
is treated as absent, never as a key. Every problem is a ``CommandError`` (exit 2) naming the
file and the key. Imports nothing slow: pydantic only when a manifest is read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.messages import short

if TYPE_CHECKING:
    from breeze_infra.manifest import Manifest

__all__ = [
    "EXPORT_HINT",
    "JSON_LIMIT",
    "SECRET_MARKER",
    "api_key",
    "check_stack",
    "consumer_outputs",
    "is_key",
    "label",
    "manifest_at",
    "outputs_object",
    "read_json",
    "redacted_key",
]

SECRET_MARKER: Final = "[secret]"
"""What Pulumi prints in place of a secret output when ``--show-secrets`` is not given."""
EXPORT_HINT: Final = "`pulumi stack output --json --show-secrets`"
JSON_LIMIT: Final = 16 << 20
"""The largest outputs or config JSON read: a stack with 500 consumers prints well under 4 MiB."""


def label(source: str) -> str:
    """A file named on the command line, as messages name it ('-' is stdin)."""
    return "stdin" if source == "-" else short(source, 200)


def read_json(source: str, shown: str | None = None) -> Any:
    """An outputs or config JSON file ('-': stdin), bounded in size and nesting; every failure
    is one line naming it."""
    shown = label(source) if shown is None else shown
    try:
        if source == "-":
            if sys.stdin is None:
                raise _bad("stdin: is closed")
            text = sys.stdin.read(JSON_LIMIT + 1)
        else:
            path = Path(source)
            if path.exists() and not path.is_file() and not path.is_fifo():
                raise _bad(f"{shown}: is not a file")
            with path.open(encoding="utf-8") as stream:
                text = stream.read(JSON_LIMIT + 1)
    except OSError as exc:
        raise _bad(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise _bad(f"{shown}: is not UTF-8 text (byte {exc.start})") from None
    if len(text) > JSON_LIMIT:
        raise _bad(f"{shown}: is larger than {JSON_LIMIT >> 20} MiB; is it the right file?")
    return _parsed(text, shown)


def _parsed(text: str, shown: str) -> Any:
    """The JSON as Pulumi's engine would read it, or one line naming the file."""
    try:
        return json.loads(
            text, object_pairs_hook=_once, parse_constant=_no_constant, parse_float=_finite
        )
    except json.JSONDecodeError as exc:
        raise _bad(f"{shown}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except _Refused as exc:
        raise _bad(f"{shown}: {exc}") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise _bad(f"{shown}: not valid JSON ({short(str(exc), 60)})") from None
    except RecursionError:
        raise _bad(f"{shown}: nested too deeply to be stack outputs or config") from None


def outputs_object(document: object, shown: str) -> dict[str, Any]:
    """The outputs as a JSON object, which is all ``pulumi stack output --json`` ever prints."""
    if not isinstance(document, dict):
        raise _bad(f"{shown}: expected the JSON object printed by {EXPORT_HINT}")
    return document


def is_key(value: object) -> bool:
    """Whether an ``apiKey`` output holds a key: not missing, not empty, not redacted."""
    return isinstance(value, str) and bool(value.strip()) and value != SECRET_MARKER


def api_key(outputs: object) -> str | None:
    """The ``apiKey`` these outputs carry, when they carry one."""
    value = outputs.get("apiKey") if isinstance(outputs, dict) else None
    return value.strip() if isinstance(value, str) and is_key(value) else None


def redacted_key(outputs: object) -> str | None:
    """``apiKeys`` or ``apiKey`` when Pulumi redacted it (exported without --show-secrets)."""
    if not isinstance(outputs, dict):
        return None
    where = "apiKeys" if "apiKeys" in outputs else "apiKey"
    keys = outputs.get(where)
    if keys == SECRET_MARKER or (
        isinstance(keys, dict) and any(value == SECRET_MARKER for value in keys.values())
    ):
        return where
    return None


def consumer_outputs(outputs: object, name: str) -> dict[str, object] | None:
    """One consumer's stack outputs in the shape of a stack without consumers (``apiKey``,
    ``tokenId``, ``manifest``, ...), so tools that read one key read any consumer's alike.
    None when the outputs hold no such consumer."""
    if not isinstance(outputs, dict) or not isinstance(outputs.get("consumers"), dict):
        return None
    own = outputs["consumers"].get(name)
    if not isinstance(own, dict):
        return None
    keys = outputs.get("apiKeys")
    key = keys.get(name) if isinstance(keys, dict) else None
    return {"baseUrl": outputs.get("baseUrl"), **own, **({"apiKey": key} if key else {})}


def manifest_at(holder: object, shown: str, where: Sequence[str]) -> Manifest:
    """The manifest at ``where`` (its last part is the key in ``holder``), validated, without
    any key a deployed manifest may carry: only ``--include-secret`` adds one."""
    from pydantic import ValidationError

    from breeze_infra.manifest import UnknownFormatError, read_manifest

    document = holder.get(where[-1]) if isinstance(holder, dict) else None
    if not isinstance(document, dict):
        raise _bad(
            f"{shown}: {'.'.join(where)}: missing; expected the JSON of {EXPORT_HINT} "
            "from a breeze-infra stack"
        )
    try:
        manifest = read_manifest(document)
    except UnknownFormatError as exc:
        raise _bad(f"{shown}: {'.'.join([*where, 'schema'])}: {exc}") from None
    except ValidationError as exc:
        lines = [
            f"{shown}: {'.'.join([*where, *(short(str(part)) for part in e['loc'])])}: {e['msg']}"
            for e in exc.errors()
        ]
        raise _bad("\n".join(lines)) from None
    return manifest.without_api_key()


def check_stack(manifests: Sequence[tuple[str, Manifest]], stack: str, shown: str) -> None:
    """Outputs name their stack in each manifest's ``environment``; another stack's are refused.

    ``manifests`` pairs each manifest with the key path it was read from.
    """
    for where, manifest in manifests:
        if manifest.environment != stack:
            raise _bad(
                f"{shown}: {where}.environment: these are the outputs of stack "
                f"'{short(manifest.environment)}', not of stack '{short(stack)}' (--stack); "
                f"export them with {EXPORT_HINT} --stack {short(stack)}"
            )


class _Refused(ValueError):
    """JSON that Python would read but Pulumi's engine (Go's encoding/json) would not, or would
    read differently: NaN and Infinity, a number out of float64's range, a key given twice."""


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different: a key given twice is refused, as in a stack file,
    instead of the last one silently winning."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Refused(f"{short(key)}: given twice; keep one")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"{short(text, 20)} is out of the range of a number")
    return value


def _bad(message: str) -> CommandError:
    return CommandError(message, ExitCode.BAD_INPUT)
