"""``breeze-infra``: validate stack files, render manifests, synthesise the program offline.

Exit codes: 0 success, 2 bad input (one line per problem, naming the file and the key), 1 any
other failure. Each command imports only what it needs: ``manifest`` and ``validate`` never load
the Pulumi provider SDK, which alone takes over a second, and load httpx only with ``--online``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from breeze_infra.config import StackConfig
    from breeze_infra.manifest import Manifest
    from breeze_infra.simulate import SynthResult

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Input the user must fix; each line of the message is printed as is."""


class CommandFailed(Exception):
    """Anything else that stops a command (exit 1), said in one line."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; whatever happens, the user gets lines, never a traceback.

    Every line printed passes through ``messages.SafeStream`` (tokens masked, control characters
    escaped); any OSError becomes one line and exit 2; a reader that closed the pipe early
    (``| head -1``) ends the run quietly, as Python's documentation on SIGPIPE advises.
    """
    from breeze_infra.messages import SafeStream

    raw_out, raw_err = sys.stdout, sys.stderr
    sys.stdout = SafeStream(raw_out if raw_out is not None else _ClosedStream("stdout"))
    sys.stderr = SafeStream(raw_err if raw_err is not None else Path(os.devnull).open("w"))  # noqa: SIM115
    try:
        code = _run(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        with contextlib.suppress(OSError):
            _print_lines(f"breeze-infra: {_os_error_line(exc)}")
        return EXIT_BAD_INPUT
    finally:
        with contextlib.suppress(OSError):
            sys.stderr.flush()
        sys.stdout, sys.stderr = raw_out, raw_err


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    if args.debug:
        _log_debug_to_stderr()
    try:
        return command(args)
    except BadInput as exc:
        _print_lines(str(exc))
        return EXIT_BAD_INPUT
    except CommandFailed as exc:
        _print_lines(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except OSError:
        raise
    except Exception as exc:
        from breeze_infra.config import ConfigError
        from breeze_infra.errors import CommandError
        from breeze_infra.messages import short

        if isinstance(exc, CommandError):
            _print_lines(str(exc))
            return exc.exit_code
        from breeze_infra.project import ProjectError

        if isinstance(exc, ConfigError | ProjectError):
            _print_lines(str(exc))
            return EXIT_BAD_INPUT
        print(
            f"breeze-infra: unexpected failure: {short(str(exc), 200)} "
            "(please report it; --debug logs what led to it)",
            file=sys.stderr,
        )
        return EXIT_FAILED


class _ClosedStream:
    """Stands in for a closed stdout (``breeze-infra synth >&-``): writing to it is an OSError
    that names it, like writing to any other file that cannot be written."""

    def __init__(self, name: str) -> None:
        self.name = name

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF), self.name)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _os_error_line(exc: OSError) -> str:
    from breeze_infra.messages import short

    reason = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{short(os.fsdecode(exc.filename), 200)}: cannot be written or read ({reason})"
    return f"input/output failed ({short(reason, 200)})"


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's last flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ else 1)
    except (OSError, ValueError):
        pass


def _label(source: str) -> str:
    """A file named on the command line, as messages name it ('-' is stdin)."""
    from breeze_infra.messages import short

    return "stdin" if source == "-" else short(source, 200)


def _quoted(value: str) -> str:
    """A name read from a file (an outputs JSON's consumer) or given by the user, in a message."""
    from breeze_infra.messages import short

    return short(value)


def _print_lines(text: str) -> None:
    for line in text.splitlines():
        print(line, file=sys.stderr)


def _log_debug_to_stderr() -> None:
    """breeze-infra's own records only: they redact the token, third-party ones make no promise."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    logger = logging.getLogger("breeze_infra")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0")
    return value


def _timeout_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help=f"upper bound on {what}, retries included (default: 60)",
    )


def _consumer_options(parser: argparse.ArgumentParser, all_help: str) -> None:
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--consumer", metavar="NAME", help="in a stack with consumers: this one")
    chosen.add_argument(
        "--all-consumers", action="store_true", help=f"every active consumer; {all_help}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="breeze-infra",
        description="Cloudflare Workers AI tokens and GPT Breeze manifests, one stack per environment.",
    )
    parser.add_argument(
        "--stacks-dir",
        type=Path,
        help="folder of Pulumi.<stack>.yaml files (default: stackConfigDir of the nearest Pulumi.yaml)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log each Cloudflare request and retry to stderr (tokens are redacted)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check stack files (offline)")
    chosen = validate.add_mutually_exclusive_group()
    chosen.add_argument(
        "--stack", action="append", metavar="NAME", help="a stack to check; repeatable"
    )
    chosen.add_argument("--all", action="store_true", help="every stack file (the default)")
    validate.add_argument(
        "--online",
        action="store_true",
        help="also check the models against the account's Workers AI catalog "
        "(token in CLOUDFLARE_API_TOKEN, Workers AI Read)",
    )
    validate.add_argument(
        "--config-json",
        metavar="FILE",
        help="check the resolved config instead of the stack file: the output of "
        "`pulumi config --json --stack NAME` ('-' for stdin), e.g. for stacks that import ESC "
        "environments; needs exactly one --stack",
    )
    _timeout_option(validate, "the --online checks")
    validate.set_defaults(command=_validate)

    manifest = commands.add_parser("manifest", help="render the GPT Breeze manifest")
    manifest.add_argument("--stack", metavar="NAME", help="render offline from this stack's file")
    manifest.add_argument(
        "--from-outputs",
        metavar="FILE",
        help="JSON of `pulumi stack output --json --show-secrets` ('-' for stdin) instead of a stack file",
    )
    manifest.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="where to write ('-': stdout)"
    )
    manifest.add_argument(
        "--include-secret",
        action="store_true",
        help="put the API key itself in the manifest (needs --from-outputs; files are written 0600)",
    )
    manifest.add_argument(
        "--online",
        action="store_true",
        help="with --stack: fill contextLength from the Workers AI catalog and refuse models "
        "GPT Breeze cannot use (token in CLOUDFLARE_API_TOKEN)",
    )
    _timeout_option(manifest, "the catalog fetch of --online")
    _consumer_options(manifest, "-o DIR gets <stack>[-<consumer>].json per consumer")
    manifest.set_defaults(command=_manifest)

    doctor = commands.add_parser(
        "doctor", help="check a deployed environment's key, route and models against Cloudflare"
    )
    doctor.add_argument("--stack", required=True, metavar="NAME")
    doctor.add_argument(
        "--from-outputs",
        metavar="FILE",
        help="JSON of `pulumi stack output --json --show-secrets` ('-' for stdin); "
        "else the key comes from BREEZE_API_KEY",
    )
    doctor.add_argument(
        "--no-inference",
        dest="inference",
        action="store_false",
        help="skip the 1-token chat completion per model (each one costs neurons)",
    )
    _consumer_options(
        doctor, "checked concurrently under one request budget, reported in config order"
    )
    _timeout_option(doctor, "the whole run")
    doctor.set_defaults(command=_doctor)

    usage = commands.add_parser(
        "usage", help="requests, tokens and cost per gateway and model; keys not used lately"
    )
    usage.add_argument("--stack", required=True, metavar="NAME")
    usage.add_argument("--since", default="7d", help="how far back: 7d, 24h (default: 7d)")
    usage.add_argument("--stale-days", type=int, default=30, metavar="DAYS")
    usage.add_argument("--json", action="store_true", help="machine-readable output")
    usage.add_argument("--chart", type=Path, metavar="FILE.svg", help="also draw requests per day")
    _consumer_options(usage, "the default")
    _timeout_option(usage, "the whole run")
    usage.set_defaults(command=_usage)

    synth = commands.add_parser("synth", help="run the program against a simulated Cloudflare")
    synth.add_argument("--stack", required=True, metavar="NAME")
    synth.add_argument("--json", action="store_true", help="machine-readable output")
    synth.add_argument(
        "--consumer", metavar="NAME", help="show only this consumer's resources and outputs"
    )
    synth.set_defaults(command=_synth)

    sandbox = commands.add_parser(
        "sandbox",
        help="serve a local Cloudflare emulator and fake provider plugins for a real pulumi up",
    )
    sandbox.add_argument(
        "--dir",
        type=Path,
        default=Path(".breeze-sandbox"),
        help="state folder (default: %(default)s)",
    )
    sandbox.add_argument("--port", type=int, default=8790, help="emulator port on 127.0.0.1")
    sandbox.add_argument("--env-file", type=Path, help="also write the export lines here")
    sandbox.add_argument("--reset", action="store_true", help="start with an empty sandbox")
    sandbox.set_defaults(command=_sandbox)

    schema = commands.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("which", choices=["manifest", "config", "stack"])
    schema.set_defaults(command=_schema)
    return parser


def _stacks_dir(args: argparse.Namespace) -> Path:
    from breeze_infra.stacks import default_stacks_dir

    return args.stacks_dir if args.stacks_dir is not None else default_stacks_dir()


def _validate(args: argparse.Namespace) -> int:
    from breeze_infra.config import ConfigError, UncheckedConfig, config_warnings
    from breeze_infra.stacks import display_path, list_stacks, stack_file

    folder = _stacks_dir(args)
    names = args.stack or list_stacks(folder)
    if not names:
        raise BadInput(f"{display_path(folder)}: no Pulumi.<stack>.yaml files")
    if args.config_json is not None and len(names) != 1:
        raise BadInput("breeze-infra validate: --config-json needs exactly one --stack NAME")
    problems: list[str] = []
    loaded: list[tuple[str, str, StackConfig]] = []
    for name in names:
        try:
            config = _load_for_validate(folder, name, args.config_json)
        except UncheckedConfig as exc:
            for line in exc.lines():
                print(f"note: {line}", file=sys.stderr)
            print(f"{display_path(stack_file(folder, name))}: ok (not every key checked)")
        except ConfigError as exc:
            problems.extend(exc.lines())
        else:
            shown = display_path(stack_file(folder, name))
            loaded.append((name, shown, config))
            for key, message in config_warnings(config):
                print(f"warning: {shown}: {key}: {message}", file=sys.stderr)
            if not args.online:
                print(f"{shown}: ok")
    _print_lines("\n".join(problems))
    code = EXIT_OK
    if args.online and loaded:
        # Asked for only now: a missing token must not hide the offline problems above.
        code = _validate_online(args, _bootstrap_token("validate --online"), loaded)
    return EXIT_BAD_INPUT if problems else code


def _load_for_validate(folder: Path, stack: str, config_json: str | None) -> StackConfig:
    """The stack file as the engine reads it, or the resolved config ``pulumi config --json``
    printed (ESC environments and project defaults applied), through the same reader."""
    from breeze_infra.stacks import load_resolved, load_stack, stack_file

    if config_json is None:
        return load_stack(stack_file(folder, stack))
    label = _label(config_json)
    return load_resolved(_read_json(config_json, label), label, stack, folder)


def _bootstrap_token(what: str) -> str:
    from breeze_infra.online import bootstrap_token

    return bootstrap_token(os.environ, what)


def _validate_online(
    args: argparse.Namespace, token: str, loaded: list[tuple[str, str, StackConfig]]
) -> int:
    from breeze_infra.online import StackInput, validate_online

    return validate_online(
        [StackInput(name, source, config) for name, source, config in loaded],
        token=token,
        now=_now(),
        timeout=args.timeout,
        out=sys.stdout,
        err=sys.stderr,
    )


def _now() -> datetime:
    from breeze_infra.rotation import ClockError, current_time

    try:
        return current_time()
    except ClockError as exc:
        raise BadInput(str(exc)) from None


def _manifest(args: argparse.Namespace) -> int:
    if args.include_secret and not args.from_outputs:
        raise BadInput("breeze-infra manifest: --include-secret needs --from-outputs")
    if args.online and not args.stack:
        raise BadInput("breeze-infra manifest: --online needs --stack NAME")
    if args.from_outputs and args.stack:
        raise BadInput("breeze-infra manifest: give --stack NAME or --from-outputs FILE, not both")
    if args.all_consumers and args.output == "-":
        raise BadInput("breeze-infra manifest: --all-consumers needs -o DIR")
    if args.from_outputs:
        wanted = None if args.all_consumers else [args.consumer]
        manifests = _manifests_from_outputs(args.from_outputs, args.include_secret, wanted)
    elif args.stack:
        online_timeout = args.timeout if args.online else None
        manifests = _manifests_from_stack(_stacks_dir(args), args.stack, online_timeout)
    else:
        raise BadInput("breeze-infra manifest: give --stack NAME or --from-outputs FILE")
    chosen = (
        list(manifests.items())
        if args.all_consumers
        else [(args.consumer, _pick(manifests, args.consumer))]
    )
    if args.all_consumers and not Path(args.output).is_dir():
        raise BadInput(
            f"{_label(args.output)}: not a folder (--all-consumers writes one file per consumer)"
        )
    if args.include_secret:
        print(
            "warning: this manifest holds the API key in plain text; share it only over a channel "
            "fit for secrets and delete it after import",
            file=sys.stderr,
        )
    source = (
        None
        if not args.from_outputs
        else "stdin"
        if args.from_outputs == "-"
        else args.from_outputs
    )
    _write_manifests(
        chosen, args.output, source, set_of_files=args.all_consumers, private=args.include_secret
    )
    return EXIT_OK


def _write_manifests(
    chosen: list[tuple[str | None, Manifest]],
    output: str,
    source: str | None,
    *,
    set_of_files: bool,
    private: bool,
) -> None:
    """Through the one safe writer: a set is named by validated fields and written whole."""
    from breeze_infra.messages import short
    from breeze_infra.output import Planned, WriteError, file_part, write_one, write_set

    try:
        if not set_of_files:
            # Data, not a message: written byte for byte, past the masking stdout filter.
            stdout = getattr(sys.stdout, "stream", sys.stdout)
            sys.stdout.flush()
            write_one(output, chosen[0][1].to_json(), private=private, stdout=stdout)
            return
        planned = []
        for key, manifest in chosen:
            where = f"consumers.{short(key)}.manifest" if key is not None else "manifest"
            where = f"{source}: {where}" if source else where
            environment = file_part(manifest.environment, f"{where}.environment")
            consumer = (
                file_part(manifest.consumer, f"{where}.consumer") if manifest.consumer else None
            )
            name = f"{environment}-{consumer}.json" if consumer else f"{environment}.json"
            planned.append(Planned(name, manifest.to_json(), where))
        write_set(Path(output), planned, private=private)
    except WriteError as exc:
        raise BadInput(str(exc)) from None


def _pick(manifests: dict[str | None, Manifest], consumer: str | None) -> Manifest:
    """The manifest ``--consumer`` names, or the stack's only one."""
    named = ", ".join(name for name in manifests if name) or "none"
    if consumer is None:
        if None in manifests:
            return manifests[None]
        raise BadInput(
            f"this stack has consumers ({named}): name one with --consumer NAME or use --all-consumers"
        )
    if consumer not in manifests:
        raise BadInput(f"no active consumer '{_quoted(consumer)}' (active: {named})")
    return manifests[consumer]


def _manifests_from_stack(
    folder: Path, stack: str, online_timeout: float | None = None
) -> dict[str | None, Manifest]:
    from breeze_infra.consumers import audience_manifest, audiences
    from breeze_infra.rotation import ClockError, current_time, plan_rotation, timestamp
    from breeze_infra.stacks import display_path, load_stack, stack_file

    token = _bootstrap_token("manifest --online") if online_timeout is not None else ""
    config = load_stack(stack_file(folder, stack))
    if online_timeout is not None:
        from breeze_infra.online import StackInput, fill_from_catalog

        source = display_path(stack_file(folder, stack))
        config = fill_from_catalog(
            StackInput(stack, source, config),
            token=token,
            now=_now(),
            timeout=online_timeout,
            err=sys.stderr,
        )
    try:
        plan = plan_rotation(current_time(), config.token.rotation_days)
    except ClockError as exc:
        raise BadInput(str(exc)) from None
    expires_on = timestamp(plan.current.expires_on)
    return {
        audience.name: audience_manifest(config, stack, audience, expires_on)
        for audience in audiences(config)
    }


def _manifests_from_outputs(
    source: str, include_secret: bool, wanted: list[str | None] | None
) -> dict[str | None, Manifest]:
    """Manifests from `pulumi stack output --json --show-secrets`, keyed by consumer (None: the
    stack's only one); the ``wanted`` ones (None: all) get the key when it is asked for."""
    label = _label(source)
    outputs = _read_json(source, label)
    if not isinstance(outputs, dict):
        raise BadInput(f"{label}: expected a JSON object of stack outputs")
    found: dict[str | None, tuple[Manifest, Any, str]]
    if isinstance(outputs.get("consumers"), dict):
        from breeze_infra.consumers import consumer_outputs

        found = {}
        for consumer in map(str, outputs["consumers"]):
            own = consumer_outputs(outputs, consumer)
            found[consumer] = (
                _validated_manifest(own, label, ("consumers", _quoted(consumer), "manifest")),
                own.get("apiKey") if own else None,
                f"apiKeys.{_quoted(consumer)}",
            )
    else:
        found = {
            None: (
                _validated_manifest(outputs, label, ("manifest",)),
                outputs.get("apiKey"),
                "apiKey",
            )
        }
    for name, (manifest, _, _) in found.items():
        if name is not None and manifest.consumer != name:
            raise BadInput(
                f"{label}: consumers.{_quoted(name)}.manifest.consumer: names another consumer; "
                "export the outputs again with `pulumi stack output --json --show-secrets`"
            )
    manifests = {name: manifest for name, (manifest, _, _) in found.items()}
    if wanted is not None:
        manifests = {name: _pick(manifests, name) for name in wanted}
        manifests = {manifest.consumer: manifest for manifest in manifests.values()}
    if not include_secret:
        return manifests
    result: dict[str | None, Manifest] = {}
    for name in manifests:
        manifest, api_key, where = found[name]
        if not isinstance(api_key, str) or not api_key or api_key == "[secret]":
            raise BadInput(
                f"{label}: {where}: missing or redacted; export the outputs with "
                "`pulumi stack output --json --show-secrets` from a stack with a pulumi-stack "
                "secrets entry"
            )
        result[name] = manifest.with_api_key(api_key)
    return result


def _validated_manifest(holder: Any, label: str, where: tuple[str, ...]) -> Manifest:
    from pydantic import ValidationError

    from breeze_infra.manifest import Manifest

    document = holder.get(where[-1]) if isinstance(holder, dict) else None
    if not isinstance(document, dict):
        raise BadInput(
            f"{label}: {'.'.join(where)}: missing; expected the JSON of "
            "`pulumi stack output --json --show-secrets` from a breeze-infra stack"
        )
    try:
        manifest = Manifest.model_validate(document)
    except ValidationError as exc:
        lines = [
            f"{label}: {'.'.join([*where, *(_quoted(str(part)) for part in e['loc'])])}: {e['msg']}"
            for e in exc.errors()
        ]
        raise BadInput("\n".join(lines)) from None
    # A key found inside the deployed manifest is dropped: only --include-secret adds one.
    return manifest.without_api_key()


JSON_LIMIT = 16 << 20
"""The largest outputs or config JSON read: a stack with 500 consumers prints well under 4 MiB."""


def _read_json(source: str, label: str) -> Any:
    """An outputs or config JSON, bounded in size and nesting; every failure is one line."""
    try:
        if source == "-":
            if sys.stdin is None:
                raise BadInput("stdin: is closed")
            text = sys.stdin.read(JSON_LIMIT + 1)
        else:
            path = Path(source)
            if path.exists() and not path.is_file() and not path.is_fifo():
                raise BadInput(f"{label}: is not a file")
            with path.open(encoding="utf-8") as stream:
                text = stream.read(JSON_LIMIT + 1)
    except OSError as exc:
        raise BadInput(f"{label}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{label}: is not UTF-8 text (byte {exc.start})") from None
    if len(text) > JSON_LIMIT:
        raise BadInput(f"{label}: is larger than {JSON_LIMIT >> 20} MiB; is it the right file?")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{label}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise BadInput(f"{label}: nested too deeply to be stack outputs or config") from None


def _doctor(args: argparse.Namespace) -> int:
    from breeze_infra.doctor import Consumer, api_key, run_fleet, target_from
    from breeze_infra.stacks import display_path, load_stack, stack_file

    path = stack_file(_stacks_dir(args), args.stack)
    config = load_stack(path)
    label = _label(args.from_outputs) if args.from_outputs else "outputs"
    outputs = _read_json(args.from_outputs, label) if args.from_outputs else None
    if args.all_consumers:
        from breeze_infra.consumers import audiences

        names = [audience.name for audience in audiences(config)]
    else:
        names = [args.consumer]
    if args.all_consumers and outputs is not None:
        _refuse_redacted(outputs, label)
    # Every consumer is read before any is checked: bad input is refused before a request is sent.
    blocks: list[Consumer] = []
    for name in names:
        own_config, own_outputs = config, outputs
        if name is not None or config.consumers is not None:
            own_config, own_outputs = _one_consumer(config, args.stack, name, outputs, label)
        header = f"consumer {name}:" if args.all_consumers and name is not None else None
        if args.all_consumers and own_outputs is not None and not _has_key(own_outputs):
            reference = own_outputs.get("apiKeyRef") if isinstance(own_outputs, dict) else None
            if not isinstance(reference, str) or reference.startswith("pulumi-stack://"):
                # The outputs should hold this key and do not: not a reason to pass.
                raise BadInput(
                    f"{label}: apiKeys.{name}: missing; export the outputs with "
                    "`pulumi stack output --json --show-secrets`"
                )
            # Keys kept only in another backend (Vault, ...) are not in the outputs to check.
            skipped = f"skip  token  the key is not in the stack outputs (it lives at {reference})"
            blocks.append(Consumer(header, skipped=skipped))
            continue
        target = target_from(
            own_config, args.stack, display_path(path), own_outputs, label or "outputs", name
        )
        key = api_key(own_outputs, label or "outputs", os.environ)
        blocks.append(Consumer(header, target, key))
    if not any(block.target is not None for block in blocks):
        for block in blocks:
            for line in (block.header, block.skipped):
                if line is not None:
                    print(line)
        raise BadInput(
            f"breeze-infra doctor --stack {args.stack}: no consumer was checked (every key lives "
            "outside the stack outputs); check each with --consumer NAME and BREEZE_API_KEY"
        )
    # One deadline and one request budget for the whole run, however many consumers.
    return run_fleet(
        blocks, now=_now(), timeout=args.timeout, inference=args.inference, out=sys.stdout
    )


def _usage(args: argparse.Namespace) -> int:
    from breeze_infra.online import bootstrap_token
    from breeze_infra.stacks import load_stack, stack_file
    from breeze_infra.usage import parse_since, run_usage

    config = load_stack(stack_file(_stacks_dir(args), args.stack))
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if args.stale_days < 1:
        raise BadInput("--stale-days: give a whole number of days >= 1")
    if args.consumer:
        from breeze_infra.consumers import find

        try:
            find(config, args.consumer)
        except LookupError as exc:
            raise BadInput(f"{args.stack}: {exc}") from None
    return run_usage(
        config,
        args.stack,
        token=bootstrap_token(os.environ, "usage"),
        now=_now(),
        since=since,
        consumers=[args.consumer] if args.consumer else None,
        stale_days=args.stale_days,
        as_json=args.json,
        chart=args.chart,
        timeout=args.timeout,
        out=sys.stdout,
    )


def _refuse_redacted(outputs: Any, label: str) -> None:
    """Outputs exported without --show-secrets hide every key: checking them checks nothing."""
    if not isinstance(outputs, dict):
        return
    keys = outputs.get("apiKeys", outputs.get("apiKey"))
    redacted = keys == "[secret]" or (
        isinstance(keys, dict) and any(value == "[secret]" for value in keys.values())
    )
    if redacted:
        where = "apiKeys" if "apiKeys" in outputs else "apiKey"
        raise BadInput(
            f'{label}: {where}: redacted ("[secret]"); export the outputs with '
            "`pulumi stack output --json --show-secrets`"
        )


def _has_key(outputs: Any) -> bool:
    key = outputs.get("apiKey") if isinstance(outputs, dict) else None
    return isinstance(key, str) and bool(key) and key != "[secret]"


def _one_consumer(
    config: StackConfig, stack: str, name: str | None, outputs: Any, label: str | None
) -> tuple[StackConfig, Any]:
    """The stack as one consumer sees it: its models and token settings, its outputs."""
    from breeze_infra.consumers import consumer_outputs, find

    try:
        audience = find(config, name)
    except LookupError as exc:
        raise BadInput(f"{stack}: {exc}") from None
    config = config.model_copy(update={"models": list(audience.models), "token": audience.token})
    if outputs is None or audience.name is None:
        return config, outputs
    own = consumer_outputs(outputs, audience.name)
    if own is None:
        raise BadInput(
            f"{label}: consumers.{audience.name}: missing; export the outputs of the stack with "
            "`pulumi stack output --json --show-secrets` after `pulumi up`"
        )
    return config, own


def _sandbox(args: argparse.Namespace) -> int:
    from breeze_infra.sandbox.plugins import PluginError
    from breeze_infra.sandbox.session import SandboxError, run

    try:
        return run(args.dir, port=args.port, env_file=args.env_file, reset=args.reset)
    except (SandboxError, PluginError) as exc:
        raise CommandFailed(str(exc)) from None


def _synth(args: argparse.Namespace) -> int:
    from breeze_infra.rotation import ClockError, current_time
    from breeze_infra.stacks import load_stack, read_namespace, stack_file

    path = stack_file(_stacks_dir(args), args.stack)
    config = load_stack(path)
    try:
        now = current_time()
    except ClockError as exc:
        raise BadInput(str(exc)) from None
    if args.consumer is not None:
        from breeze_infra.consumers import find

        try:
            find(config, args.consumer)
        except LookupError as exc:
            raise BadInput(f"{args.stack}: {exc}") from None
    from breeze_infra.simulate import synthesize

    try:
        result = synthesize(args.stack, read_namespace(path), now, project=config.project)
    except Exception as exc:
        raise CommandFailed(f"synth --stack {args.stack}: the program failed: {exc}") from None
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.consumer is not None:
        result = result.for_consumer(args.consumer)
    if args.json:
        json.dump(_synth_document(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_synth(result, sys.stdout)
    return EXIT_OK


def _synth_document(result: SynthResult) -> dict[str, Any]:
    from breeze_infra.rotation import timestamp
    from breeze_infra.simulate import redact

    return {
        "simulated": True,
        "stack": result.stack,
        "now": timestamp(result.now),
        "permissionGroupLookups": len(result.lookups),
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "parent": r.parent.rsplit("::", 1)[-1] if "$" in r.parent else None,
                "options": {
                    "replaceOnChanges": list(r.replace_on_changes),
                    "ignoreChanges": list(r.ignore_changes),
                    "deleteBeforeReplace": r.delete_before_replace,
                },
                "inputs": dict(sorted(redact(r.inputs).items())),
            }
            for r in result.in_tree_order()
        ],
        "outputs": result.redacted_outputs(),
    }


def _print_synth(result: SynthResult, out: IO[str]) -> None:
    document = _synth_document(result)
    out.write(
        f"SIMULATED `pulumi up` of stack '{result.stack}' at {document['now']}: Pulumi mocks and a "
        "fake Cloudflare, nothing was sent anywhere. Secrets are shown as [secret].\n\n"
    )
    out.write(f"Resources ({len(document['resources'])}):\n")
    for resource in document["resources"]:
        parent = f"  (child of {resource['parent']})" if resource["parent"] else ""
        out.write(f"  + {resource['type']}  {resource['name']}{parent}\n")
        options = {k: v for k, v in resource["options"].items() if v}
        if options:
            out.write(f"      options: {json.dumps(options)}\n")
        for key, value in resource["inputs"].items():
            out.write(f"      {key}: {json.dumps(value)}\n")
    out.write(f"\nPermission-group look-ups: {document['permissionGroupLookups']}\n")
    out.write("\nOutputs:\n")
    for key, value in document["outputs"].items():
        text = json.dumps(value, indent=2) if isinstance(value, dict) else str(value)
        out.write(f"  {key}: {text.replace(chr(10), chr(10) + '  ')}\n")


def _schema(args: argparse.Namespace) -> int:
    from breeze_infra.schemas import schema_text

    sys.stdout.write(schema_text(args.which))
    return EXIT_OK
