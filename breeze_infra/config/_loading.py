"""From config as the engine hands it to a program to a ``StackConfig``, or every problem at once.

The same reader serves ``pulumi up`` (values from the runtime's config map) and the offline CLI
(values read from ``stacks/Pulumi.<stack>.yaml`` the way the engine reads them), so both reject the
same mistakes with the same words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from breeze_infra.backends import ENTRY_ERROR_KINDS
from breeze_infra.config._base import NAMESPACE
from breeze_infra.config._errors import ConfigError, KeyedError, UncheckedConfig
from breeze_infra.config._installed import missing_sdks
from breeze_infra.config._models import StackConfig
from breeze_infra.config._rules import own_secrets
from breeze_infra.config._suggest import did_you_mean
from breeze_infra.messages import short

if TYPE_CHECKING:
    from breeze_infra.project import Install

SECRET_VALUE_MESSAGE = (
    "is an encrypted (secure) value; breeze-infra settings are not secret, set it in plain text"
)
STRUCTURED_KEYS = frozenset(
    field.alias or name
    for name, field in StackConfig.model_fields.items()
    if name not in {"account_id", "credential_name"}
)
"""Keys whose value is an object or a list: Pulumi hands those to programs as JSON text."""


def parse_config(
    raw: Mapping[str, Any],
    source: str,
    stack: str | None = None,
    *,
    namespace: str = NAMESPACE,
    install: Install | None = None,
    consumers: Collection[str | None] | None = None,
) -> StackConfig:
    """Validate the namespace's keys (without the ``<namespace>:`` prefix) or raise ConfigError.

    ``stack`` fills the ``{stack}`` and ``{consumer}`` placeholders of secrets entries and bounds
    token names; without it placeholders stay as written. ``install`` says which backend SDKs
    Pulumi's install provides; without it, those importable here count. ``consumers`` are the
    ones whose SDKs must be there (None: every active one): a command run for one consumer is
    not stopped by another's.
    """
    context = {"stack": stack, "project": namespace}
    try:
        config = StackConfig.model_validate(dict(raw), context=context)
    except ValidationError as exc:
        raise ConfigError(source, as_written(_problems(exc, namespace), raw, namespace)) from None
    missing = missing_sdks(raw, config, install, consumers, namespace)
    if missing:
        raise ConfigError(source, missing)
    return config


def as_written(
    problems: list[tuple[str | None, str]], raw: Mapping[str, Any], namespace: str
) -> list[tuple[str | None, str]]:
    """Problems named at keys the file holds: one found in a consumer's copy of the stack's
    secrets (``consumers[2].secrets[0].mount``) is the template's (``secrets[0].mount``), and
    is said once however many consumers copy it."""
    written = raw.get("consumers")
    copies = (
        {index for index, consumer in enumerate(written) if not own_secrets(consumer)}
        if isinstance(written, list)
        else set()
    )
    copy_key = re.compile(rf"{re.escape(namespace)}:consumers\[(\d+)\]\.secrets(?=[.\[]|$)")
    result: list[tuple[str | None, str]] = []
    for key, message in problems:
        found = copy_key.match(key) if key else None
        shown = key
        if key and found and int(found.group(1)) in copies:
            shown = f"{namespace}:secrets{key[found.end() :]}"
        if (shown, message) not in result:
            result.append((shown, message))
    return result


def _problems(exc: ValidationError, namespace: str) -> list[tuple[str | None, str]]:
    errors = exc.errors()
    return [_problem(e, namespace) for e in errors if not is_echo(e, errors)]


PATH_HINT = "not a key; did you mean `pulumi config set --path '{key}' VALUE`?"


def namespace_values(
    settings: Mapping[str, str], namespace: str, secret: Collection[str] = ()
) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
    """The namespace's keys, prefix removed, from config as the engine hands it to a program
    (``<ns>:<key>`` to text, objects and lists as JSON text), decoded; and the problems that
    no model can report: secret values and keys written as paths."""
    values: dict[str, str] = {}
    problems: list[tuple[str | None, str]] = []
    for full_key in sorted(settings):
        ns, _, key = full_key.partition(":")
        key = key.removeprefix("config:")
        if ns != namespace:
            continue
        shown = f"{namespace}:{key}"
        if full_key in secret:
            problems.append((shown, SECRET_VALUE_MESSAGE))
        elif re.search(r"[.\[]", key):
            problems.append((shown, PATH_HINT.format(key=shown)))
        else:
            values[key] = settings[full_key]
    return decode_pulumi_values(values), problems


def load_settings(
    settings: Mapping[str, str],
    *,
    namespace: str,
    source: str,
    stack: str,
    secret: Collection[str] = (),
    install: Install | None = None,
    environments: Collection[str] = (),
    consumers: Collection[str | None] | None = None,
) -> StackConfig:
    """The one reader of a stack's config, for ``pulumi up`` and the offline CLI alike.

    ``environments`` are the ESC environments a stack file imports (offline only: the engine
    resolves them): a required key the file lacks may come from one of them, and is reported
    as unchecked (``UncheckedConfig``) rather than missing.
    """
    values, problems = namespace_values(settings, namespace, secret)
    try:
        config = parse_config(
            values, source, stack, namespace=namespace, install=install, consumers=consumers
        )
    except ConfigError as exc:
        problems.extend(exc.problems)
    if not problems:
        return config
    if environments:
        missing = [p for p in problems if p[1] == MISSING and p[0] and "." not in p[0]]
        if len(missing) == len(problems):
            imports = ", ".join(f"'{e}'" for e in environments)
            raise UncheckedConfig(
                source,
                [
                    (
                        key,
                        f"not checked: may come from the ESC environment(s) {imports}; "
                        "check the resolved config with `--config-json`",
                    )
                    for key, _ in missing
                ],
            )
    raise ConfigError(source, [_other_project(p, settings, namespace) for p in problems])


MISSING = "required key is missing"


def _other_project(
    problem: tuple[str | None, str], settings: Mapping[str, str], namespace: str
) -> tuple[str | None, str]:
    """A missing key that the stack holds under another project's name (a stack file copied
    from a project named otherwise, as ``pulumi new --name`` does) says so and how to fix it."""
    key, message = problem
    if message != MISSING or not key or re.search(r"[.\[]", key):
        return problem
    name = key.partition(":")[2]
    for full_key in sorted(settings):
        ns, _, rest = full_key.partition(":")
        if ns != namespace and rest.removeprefix("config:") == name:
            return key, (
                f"{MISSING}: the stack has {short(full_key)!r}, a key of another project "
                f"(this one is {namespace!r}, the name in Pulumi.yaml); write it as {name!r}, "
                "without a namespace, which Pulumi reads as this project's"
            )
    return problem


def is_echo(error: Any, errors: list[Any]) -> bool:
    """A tuple whose items failed also reports itself as too short: the item errors say it all."""
    loc = tuple(error["loc"])
    return error["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in errors
    )


_SELF_EXPLAINED = frozenset({"model_type", "dict_type"}) | ENTRY_ERROR_KINDS
"""Error kinds whose message already says what was given."""


def _problem(error: Any, namespace: str) -> tuple[str | None, str]:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    message: str = error["msg"]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, KeyedError):
        if not loc:
            return f"{namespace}:{cause.key}", str(cause)
        separator = "" if cause.key.startswith("[") else "."
        return key_path(loc, namespace) + separator + cause.key, str(cause)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key" + (did_you_mean(StackConfig, loc) or " (a typo?)")
    elif kind == "missing":
        message = MISSING
    elif kind == "too_short":
        message = f"must list at least {error['ctx']['min_length']} item(s)"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    elif "input" in error and kind not in _SELF_EXPLAINED:
        message = f"{message} (got {short(json.dumps(error['input'], default=str))})"
    return key_path(loc, namespace), message


def key_path(loc: tuple[str | int, ...], namespace: str = NAMESPACE) -> str:
    """('models', 2, 'id') -> 'breeze-infra:models[2].id', as a user would write it."""
    text = namespace + ":"
    loc = tuple(part for part in loc if part != "")  # a tagged union's unnamed branch
    for index, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += part if index == 0 else f".{part}"
    return text.rstrip(":") if not loc else text


def decode_pulumi_values(values: Mapping[str, str]) -> dict[str, Any]:
    """Turn Pulumi's config strings back into the values the stack file holds.

    Pulumi passes objects and lists to programs as JSON text and scalars as plain text.
    """
    decoded: dict[str, Any] = {}
    for key, value in values.items():
        if key in STRUCTURED_KEYS and isinstance(value, str):
            try:
                decoded[key] = json.loads(value)
            except json.JSONDecodeError:
                decoded[key] = value
        else:
            decoded[key] = value
    return decoded
