"""``breeze-infra doctor``: can GPT Breeze use this environment's deployed key right now?

The command reads the stack file and, when given, the stack's outputs; every consumer's key is
read before any request is sent, so bad input is refused first. The checks themselves live in
``breeze_infra.doctor``. ``--json`` prints one document (each check with its status and timing);
the key never appears in it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from breeze_infra.cli.common import (
    BAD_INPUT_HELP,
    BASE_URL,
    CLOCK,
    STACK,
    Globals,
    Help,
    bad_input,
    chosen_stack,
    now,
    quoted,
    wanted_of,
)
from breeze_infra.cli.options import command_parser, consumer_options, stack_option, timeout_option
from breeze_infra.endpoints import KEY_ENV
from breeze_infra.exits import CommandError, ExitCode

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from breeze_infra.cli.options import Subparsers
    from breeze_infra.config import StackConfig
    from breeze_infra.doctor import Check, Consumer


HELP = Help(
    summary="check a deployed environment's key, route and models against Cloudflare",
    description="Check what GPT Breeze would find out the hard way, one line each: the "
    "deployed key is an\nactive token and when it stops working, the account routes, and "
    "each model answers a\none-token chat completion (each costs neurons; --no-inference "
    "skips them).",
    examples=(
        "pulumi stack output --json --show-secrets --stack prod | "
        "breeze-infra doctor --stack prod --from-outputs -",
        "BREEZE_API_KEY=... breeze-infra doctor --stack dev --no-inference --json",
    ),
    env=(
        STACK,
        (KEY_ENV, "the key to check when no --from-outputs holds it"),
        BASE_URL,
        CLOCK,
    ),
    exits=(
        (ExitCode.OK, "every check passed (warnings allowed)"),
        (ExitCode.FAILED, "a check failed, or Cloudflare could not be reached in time"),
        BAD_INPUT_HELP,
    ),
)


@dataclass
class _Record:
    """The checks of one run, in report order, for ``--json``."""

    stack: str | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    consumers: list[str | None] = field(default_factory=list)
    """Config order: skipped consumers are known first, their place is kept."""

    def in_order(self) -> list[dict[str, Any]]:
        place = {name: index for index, name in enumerate(self.consumers)}
        return sorted(self.checks, key=lambda check: place.get(check["consumer"], 0))

    def add(self, consumer: str | None, check: Check) -> None:
        self.checks.append(
            {
                "consumer": consumer,
                "name": check.name,
                "status": check.status,
                "seconds": check.seconds,
                "detail": check.detail,
            }
        )


def doctor(
    options: Globals,
    *,
    stack: str | None,
    from_outputs: str | None = None,
    inference: bool = True,
    consumer: str | None = None,
    all_consumers: bool = False,
    timeout: float = 60.0,
    as_json: bool = False,
) -> int:
    """Check the deployed key, the route and the models; 1 when any check failed."""
    if not as_json:
        return _run(options, stack, from_outputs, inference, consumer, all_consumers, timeout)
    from breeze_infra.config import ConfigError
    from breeze_infra.project import ProjectError

    record = _Record()
    findings: list[str] = []
    real_stdout = sys.stdout
    sys.stdout = io.StringIO()  # the human report is replaced by the document
    try:
        code = _run(
            options, stack, from_outputs, inference, consumer, all_consumers, timeout, record
        )
    except CommandError as exc:
        findings, code = exc.lines(), exc.exit_code
    except (ConfigError, ProjectError) as exc:
        findings, code = str(exc).splitlines(), ExitCode.BAD_INPUT
    finally:
        sys.stdout = real_stdout
    print(document(record, code, findings))
    return code


def document(record: _Record, code: int, findings: list[str]) -> str:
    """``doctor --json``: the checks run, and why the run stopped when it did not finish."""
    body = {
        "command": "doctor",
        "stack": record.stack,
        "exitCode": int(code),
        "checks": record.in_order(),
        "findings": [{"severity": "error", "message": line} for line in findings],
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def misuse_document(error: CommandError) -> str:
    """The document of a run refused before it started (an unknown option, a conflict)."""
    return document(_Record(), error.exit_code, error.lines())


def _run(
    options: Globals,
    given_stack: str | None,
    from_outputs: str | None,
    inference: bool,
    consumer: str | None,
    all_consumers: bool,
    timeout: float,
    record: _Record | None = None,
) -> int:
    from breeze_infra.doctor import run_fleet

    read = _read(options, given_stack, from_outputs, consumer, all_consumers, record)
    # Every consumer is read before any is checked: bad input is refused before a request is sent.
    blocks = [_block(read, name, record) for name in read.names]
    _refuse_when_none_checked(blocks, read.stack)
    # One deadline and one request budget for the whole run, however many consumers.
    return run_fleet(
        blocks,
        now=now(),
        timeout=timeout,
        inference=inference,
        out=sys.stdout,
        on_check=_recorder(record, consumer, all_consumers),
    )


@dataclass(frozen=True)
class _Read:
    """What a run checks, read before any request: the stack, its outputs, which consumers."""

    stack: str
    path: Path
    config: StackConfig
    label: str
    outputs: Any
    names: list[str | None]
    all_consumers: bool


def _read(
    options: Globals,
    given_stack: str | None,
    from_outputs: str | None,
    consumer: str | None,
    all_consumers: bool,
    record: _Record | None,
) -> _Read:
    """The stack file and outputs, and the consumers to check (recorded as soon as known)."""
    from breeze_infra import stack_outputs as so
    from breeze_infra.stacks import load_stack, stack_file

    stack = chosen_stack(given_stack, "doctor", os.environ) or ""
    if record is not None:
        record.stack = stack
    path = stack_file(options.stacks_folder(), stack)
    config = load_stack(path, consumers=wanted_of(consumer, all_consumers))
    label = so.label(from_outputs) if from_outputs else "outputs"
    outputs = so.read_json(from_outputs, label) if from_outputs else None
    names = _names(config, consumer, all_consumers)
    if record is not None:
        record.consumers = list(names)
    if all_consumers and outputs is not None:
        _refuse_redacted(outputs, label)
    return _Read(stack, path, config, label, outputs, names, all_consumers)


def _names(config: StackConfig, consumer: str | None, all_consumers: bool) -> list[str | None]:
    if not all_consumers:
        return [consumer]
    from breeze_infra.consumers import audiences

    return [audience.name for audience in audiences(config)]


def _refuse_redacted(outputs: Any, label: str) -> None:
    from breeze_infra import stack_outputs as so

    redacted = so.redacted_key(outputs)
    if redacted is not None:
        raise bad_input(
            f'{label}: {redacted}: redacted ("{so.SECRET_MARKER}"); export the outputs with '
            f"{so.EXPORT_HINT}"
        )


def _block(read: _Read, name: str | None, record: _Record | None) -> Consumer:
    """One consumer's block: its target and key, or why its key is not there to check."""
    from breeze_infra import stack_outputs as so
    from breeze_infra.doctor import Consumer, api_key, target_from
    from breeze_infra.stacks import display_path

    own_config, own_outputs = read.config, read.outputs
    if name is not None or read.config.consumers is not None:
        own_config, own_outputs = _one_consumer(
            read.config, read.stack, name, read.outputs, read.label
        )
    header = f"consumer {name}:" if read.all_consumers and name is not None else None
    if read.all_consumers and own_outputs is not None and so.api_key(own_outputs) is None:
        return _keyless(read.label, name, header, own_outputs, record)
    source = display_path(read.path)
    target = target_from(own_config, read.stack, source, own_outputs, read.label, name)
    key = api_key(own_outputs, read.label, os.environ)
    return Consumer(header, target, key)


def _keyless(
    label: str, name: str | None, header: str | None, outputs: Any, record: _Record | None
) -> Consumer:
    """A consumer whose outputs hold no key: refused, unless the key lives in another backend."""
    from breeze_infra import stack_outputs as so
    from breeze_infra.doctor import Check, Consumer

    reference = outputs.get("apiKeyRef") if isinstance(outputs, dict) else None
    if not isinstance(reference, str) or reference.startswith("pulumi-stack://"):
        # The outputs should hold this key and do not: not a reason to pass.
        raise bad_input(
            f"{label}: apiKeys.{name}: missing; export the outputs with {so.EXPORT_HINT}"
        )
    # Keys kept only in another backend (Vault, ...) are not in the outputs to check.
    why = f"the key is not in the stack outputs (it lives at {reference})"
    if record is not None:
        record.add(name, Check("token", "skip", why))
    return Consumer(header, skipped=f"skip  token  {why}")


def _refuse_when_none_checked(blocks: list[Consumer], stack: str) -> None:
    """Every key outside the outputs: print the skipped blocks, then refuse the run."""
    if any(block.target is not None for block in blocks):
        return
    for block in blocks:
        for line in (block.header, block.skipped):
            if line is not None:
                print(line)
    raise bad_input(
        f"breeze-infra doctor --stack {stack}: no consumer was checked (every key lives "
        "outside the stack outputs); check each with --consumer NAME and BREEZE_API_KEY"
    )


def _recorder(
    record: _Record | None, consumer: str | None, all_consumers: bool
) -> Callable[[Consumer, Check], None]:
    """What ``run_fleet`` calls with each printed check: it is recorded for ``--json``."""

    def on_check(block: Consumer, check: Check) -> None:
        if record is not None:
            name = (
                block.header.removeprefix("consumer ").removesuffix(":") if block.header else None
            )
            record.add(name if all_consumers else consumer, check)

    return on_check


def _one_consumer(
    config: StackConfig, stack: str, name: str | None, outputs: Any, label: str
) -> tuple[StackConfig, Any]:
    """The stack as one consumer sees it: its models and token settings, its outputs."""
    from breeze_infra.consumers import find
    from breeze_infra.stack_outputs import EXPORT_HINT, consumer_outputs

    try:
        audience = find(config, name)
    except LookupError as exc:
        raise bad_input(f"{stack}: {exc}") from None
    config = config.model_copy(update={"models": list(audience.models), "token": audience.token})
    if outputs is None or audience.name is None:
        return config, outputs
    own = consumer_outputs(outputs, audience.name)
    if own is None:
        raise bad_input(
            f"{label}: consumers.{quoted(audience.name)}: missing; export the outputs of the "
            f"stack with {EXPORT_HINT} after `pulumi up`"
        )
    return config, own


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return doctor(
            options,
            stack=args.stack,
            from_outputs=args.from_outputs,
            inference=args.inference,
            consumer=args.consumer,
            all_consumers=args.all_consumers,
            timeout=args.timeout,
            as_json=args.json,
        )

    parser = command_parser(
        commands,
        "doctor",
        HELP,
        run,
    )
    stack_option(parser, "the stack whose deployment to check")
    parser.add_argument(
        "--from-outputs",
        metavar="FILE",
        help="JSON of `pulumi stack output --json --show-secrets` ('-' for stdin); "
        "else the key comes from BREEZE_API_KEY",
    )
    parser.add_argument(
        "--no-inference",
        dest="inference",
        action="store_false",
        help="skip the 1-token chat completion per model (each one costs neurons)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document: each check's consumer, name, status and seconds",
    )
    consumer_options(
        parser, "checked concurrently under one request budget, reported in config order"
    )
    timeout_option(parser, "the whole run")
