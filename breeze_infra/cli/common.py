"""What every command shares: the global options, the chosen stack, the clock, printing, the
shape of a command's help, and the manifests that ``manifest`` and ``card`` both render.

Only the standard library and ``breeze_infra.exits`` at import time: each command loads what it
needs itself, so that ``manifest`` and ``validate`` never pay for Pulumi or httpx.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breeze_infra.endpoints import BASE_URL_ENV, NOW_ENV, STACK_ENV, TOKEN_ENV
from breeze_infra.exits import CommandError, ExitCode

if TYPE_CHECKING:
    from datetime import datetime

    from breeze_infra.manifest import Manifest

Manifests = dict[str | None, "Manifest"]

"""Pulumi's own variable for the stack to use when ``--stack`` is not given."""


@dataclass(frozen=True)
class Globals:
    """The options accepted before or after any command (``--stacks-dir``, ``--debug``, ``-C``)."""

    stacks_dir: Path | None = None
    debug: bool = False

    def stacks_folder(self) -> Path:
        """``--stacks-dir``, else the ``stackConfigDir`` of the nearest Pulumi.yaml."""
        from breeze_infra.stacks import default_stacks_dir

        return self.stacks_dir if self.stacks_dir is not None else default_stacks_dir()


def bad_input(message: str) -> CommandError:
    return CommandError(message, ExitCode.BAD_INPUT)


def chosen_stack(
    given: str | None, command: str, environ: Mapping[str, str], *, required: bool = True
) -> str | None:
    """``--stack``, else ``PULUMI_STACK`` as Pulumi would use it, said on stderr so that a stack
    picked up from a forgotten variable is never a surprise."""
    if given is not None:
        return given
    from_env = environ.get(STACK_ENV, "").strip()
    if from_env:
        from breeze_infra.messages import short
        from breeze_infra.stacks import stack_name_problem

        problem = stack_name_problem(from_env)
        if problem is not None:
            raise bad_input(f"{STACK_ENV}: stack '{short(from_env)}': {problem}")
        print(f"using stack {short(from_env)} (from {STACK_ENV})", file=sys.stderr)
        return from_env
    if required:
        raise bad_input(f"breeze-infra {command}: --stack NAME is required (or set {STACK_ENV})")
    return None


def print_lines(text: str) -> None:
    """A message on stderr, one line at a time (each goes through the masking filter)."""
    for line in text.splitlines():
        print(line, file=sys.stderr)


def quoted(value: str) -> str:
    """A name read from a file or given by the user, as a message quotes it."""
    from breeze_infra.messages import short

    return short(value)


def now() -> datetime:
    """The current time (``BREEZE_NOW`` when set); a malformed clock is bad input."""
    from breeze_infra.rotation import ClockError, current_time

    try:
        return current_time()
    except ClockError as exc:
        raise bad_input(str(exc)) from None


def bootstrap_token(what: str) -> str:
    """CLOUDFLARE_API_TOKEN, asked for only by the commands that call Cloudflare."""
    from breeze_infra.cloudflare import bootstrap_token as from_environ

    return from_environ(os.environ, what)


def log_debug_to_stderr() -> None:
    """breeze-infra's own records only: they redact the token, third-party ones make no promise."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    logger = logging.getLogger("breeze_infra")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def change_directory(folder: Path | None) -> None:
    """``-C DIR``: every relative path after this is relative to DIR, as with ``pulumi -C``."""
    if folder is None:
        return
    try:
        os.chdir(folder)
    except OSError as exc:
        from breeze_infra.messages import short

        raise CommandError(
            f"breeze-infra: -C {short(str(folder), 200)}: cannot run there ({exc.strerror or exc})",
            ExitCode.BAD_INPUT,
        ) from None


@dataclass(frozen=True)
class Help:
    """What ``--help`` of a command says beyond its options."""

    summary: str
    description: str
    examples: tuple[str, str]
    env: tuple[tuple[str, str], ...]
    exits: tuple[tuple[int, str], ...]

    def epilog(self) -> str:
        lines = ["examples:", *(f"  {example}" for example in self.examples), ""]
        lines.append("environment variables:")
        lines += [f"  {name:<22}{what}" for name, what in self.env] or ["  none"]
        lines += ["", "exit codes:", *(f"  {int(code):<4}{what}" for code, what in self.exits)]
        return "\n".join(lines)


OK_HELP = (ExitCode.OK, "success")
BAD_INPUT_HELP = (
    ExitCode.BAD_INPUT,
    "bad input: a flag, a file or a variable to fix (one line each)",
)
CLOCK = (NOW_ENV, "the current time, RFC 3339 (default: the system clock)")
STACK = (STACK_ENV, "the stack when --stack is not given (said on stderr)")
BOOTSTRAP = (TOKEN_ENV, "with --online: a token with Workers AI Read")
BASE_URL = (
    BASE_URL_ENV,
    "the Cloudflare API root (default: Cloudflare's; tests, sandbox)",
)


def chosen_manifests(
    folder: Path,
    stack: str | None,
    from_outputs: str | None,
    *,
    consumer: str | None,
    all_consumers: bool,
    include_secret: bool = False,
    online_timeout: float | None = None,
) -> list[tuple[str | None, Manifest]]:
    """The manifests ``--consumer`` or ``--all-consumers`` ask for, keyed by consumer (None: the
    stack's only one): read from ``from_outputs`` (checked against ``stack`` when given), else
    built from the stack file in ``folder`` as ``pulumi up`` would make them now. ``manifest``
    and ``card`` both render from these, so the two never disagree on what a consumer gets."""
    wanted = wanted_of(consumer, all_consumers)
    if from_outputs:
        manifests = _from_outputs(from_outputs, include_secret, wanted, stack)
    else:
        assert stack is not None
        manifests = _from_stack(folder, stack, online_timeout, wanted)
    if all_consumers:
        return list(manifests.items())
    return [(consumer, _pick(manifests, consumer))]


def _pick(manifests: Manifests, consumer: str | None) -> Manifest:
    """The manifest ``--consumer`` names, or the stack's only one."""
    named = ", ".join(name for name in manifests if name) or "none"
    if consumer is None:
        if None in manifests:
            return manifests[None]
        raise bad_input(
            f"this stack has consumers ({named}): name one with --consumer NAME or use --all-consumers"
        )
    if consumer not in manifests:
        raise bad_input(f"no active consumer '{quoted(consumer)}' (active: {named})")
    return manifests[consumer]


def wanted_of(consumer: str | None, all_consumers: bool) -> list[str | None] | None:
    """The consumers a command acts for (None: every active one): only their backend SDKs must
    be installed, so another consumer's missing SDK never stops a command run for this one."""
    return None if all_consumers else [consumer]


def _from_stack(
    folder: Path, stack: str, online_timeout: float | None, wanted: list[str | None] | None
) -> Manifests:
    from breeze_infra.consumers import audience_manifest, audiences
    from breeze_infra.rotation import plan_rotation, timestamp
    from breeze_infra.stacks import display_path, load_stack, stack_file

    token = bootstrap_token("manifest --online") if online_timeout is not None else ""
    path = stack_file(folder, stack)
    config = load_stack(path, consumers=wanted)
    moment = now()
    if online_timeout is not None:
        from breeze_infra.online import StackInput, fill_from_catalog

        config = fill_from_catalog(
            StackInput(stack, display_path(path), config),
            token=token,
            now=moment,
            timeout=online_timeout,
            err=sys.stderr,
        )
    return {
        audience.name: audience_manifest(
            config,
            stack,
            audience,
            timestamp(plan_rotation(moment, audience.token.rotation_days).current.expires_on),
        )
        for audience in audiences(config)
    }


def _from_outputs(
    source: str, include_secret: bool, wanted: list[str | None] | None, stack: str | None
) -> Manifests:
    """Manifests from `pulumi stack output --json --show-secrets`, keyed by consumer (None: the
    stack's only one); the ``wanted`` ones (None: all) get the key when it is asked for. With
    ``stack``, outputs of another stack are refused before anything is written."""
    from breeze_infra import stack_outputs as so

    shown = so.label(source)
    outputs = so.outputs_object(so.read_json(source, shown), shown)
    found: dict[str | None, tuple[Manifest, Any, str, str]] = {}
    if isinstance(outputs.get("consumers"), dict):
        for consumer in map(str, outputs["consumers"]):
            own = so.consumer_outputs(outputs, consumer)
            path = ("consumers", quoted(consumer), "manifest")
            found[consumer] = (
                so.manifest_at(own, shown, path),
                own.get("apiKey") if own else None,
                f"apiKeys.{quoted(consumer)}",
                ".".join(path),
            )
    else:
        only = so.manifest_at(outputs, shown, ("manifest",))
        found[None] = (only, outputs.get("apiKey"), "apiKey", "manifest")
    for name, (read, _, _, _) in found.items():
        if name is not None and read.consumer != name:
            raise bad_input(
                f"{shown}: consumers.{quoted(name)}.manifest.consumer: names another consumer; "
                f"export the outputs again with {so.EXPORT_HINT}"
            )
    if stack is not None:
        so.check_stack([(where, read) for read, _, _, where in found.values()], stack, shown)
    manifests = {name: read for name, (read, _, _, _) in found.items()}
    if wanted is not None:
        picked = [_pick(manifests, name) for name in wanted]
        manifests = {read.consumer: read for read in picked}
    if not include_secret:
        return manifests
    result: Manifests = {}
    for name in manifests:
        read, key, key_path, _ = found[name]
        if not so.is_key(key):
            raise bad_input(
                f"{shown}: {key_path}: missing or redacted; export the outputs with "
                f"{so.EXPORT_HINT} from a stack with a pulumi-stack secrets entry"
            )
        result[name] = read.with_api_key(key.strip())  # a paste's stray blanks are no part of it
    return result
