"""``breeze-infra manifest``: the GPT Breeze manifest, from a stack file or from deployed outputs.

From a stack file it needs no network, no Pulumi and no provider SDK (the start-up budget in
docs/figures.md holds it to about twice ``import pydantic, yaml``); httpx is loaded only with
``--online``. From outputs, ``--stack`` (or ``PULUMI_STACK``) names the stack they must belong
to, as ``pulumi stack output`` would. Files are written by ``breeze_infra.output``: whole or
not at all, folders made as needed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from breeze_infra.cli.common import (
    BAD_INPUT_HELP,
    BASE_URL,
    BOOTSTRAP,
    CLOCK,
    OK_HELP,
    STACK,
    Globals,
    Help,
    bad_input,
    chosen_manifests,
    chosen_stack,
)
from breeze_infra.cli.options import command_parser, consumer_options, stack_option, timeout_option
from breeze_infra.exits import ExitCode

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers
    from breeze_infra.manifest import Manifest
    from breeze_infra.output import Planned


HELP = Help(
    summary="render the GPT Breeze manifest",
    description="Render the GPT Breeze manifest of a stack: offline from its stack file, "
    "or from the outputs\nof `pulumi stack output --json --show-secrets` after `pulumi up` "
    "(then --stack, if given,\nmust be the stack those outputs belong to).",
    examples=(
        "breeze-infra manifest --stack dev -o out/             # writes out/dev.json",
        "pulumi stack output --json --show-secrets --stack dev | "
        "breeze-infra manifest --stack dev --from-outputs - -o dev.json",
    ),
    env=(STACK, CLOCK, BOOTSTRAP, BASE_URL),
    exits=(
        OK_HELP,
        (ExitCode.FAILED, "--online: the catalog could not be fetched"),
        BAD_INPUT_HELP,
    ),
)


def manifest(
    options: Globals,
    *,
    stack: str | None,
    from_outputs: str | None,
    output: str = "-",
    include_secret: bool = False,
    online: bool = False,
    timeout: float = 60.0,
    consumer: str | None = None,
    all_consumers: bool = False,
) -> int:
    """Render the chosen manifest(s) and write them to ``output`` (``-``, a file or a folder)."""
    if include_secret and not from_outputs:
        raise bad_input("breeze-infra manifest: --include-secret needs --from-outputs")
    if online and from_outputs and stack is None:
        raise bad_input("breeze-infra manifest: --online needs --stack NAME")
    if online and from_outputs:
        raise bad_input(
            "breeze-infra manifest: --online reads the stack file; it does not go with "
            "--from-outputs"
        )
    if not output.strip():
        raise bad_input("breeze-infra manifest: -o: an empty path; give FILE, DIR or '-'")
    if all_consumers and output == "-":
        raise bad_input("breeze-infra manifest: --all-consumers needs -o DIR")
    stack = chosen_stack(stack, "manifest", os.environ, required=False)
    if not from_outputs and not stack:
        raise bad_input("breeze-infra manifest: give --stack NAME or --from-outputs FILE")
    chosen = chosen_manifests(
        options.stacks_folder(),
        stack,
        from_outputs,
        consumer=consumer,
        all_consumers=all_consumers,
        include_secret=include_secret,
        online_timeout=timeout if online else None,
    )
    if include_secret:
        print(
            "warning: this manifest holds the API key in plain text; share it only over a channel "
            "fit for secrets and delete it after import",
            file=sys.stderr,
        )
    source = None if not from_outputs else "stdin" if from_outputs == "-" else from_outputs
    _write(chosen, output, source, set_of_files=all_consumers, private=include_secret)
    return ExitCode.OK


def _write(
    chosen: list[tuple[str | None, Manifest]],
    output: str,
    source: str | None,
    *,
    set_of_files: bool,
    private: bool,
) -> None:
    """``-`` is stdout; a folder (existing, ending in ``/``, or ``--all-consumers``) gets
    ``<stack>[-<consumer>].json`` per manifest; anything else is one file. Missing folders are
    made once every manifest is known to be good, so bad input leaves nothing behind."""
    from breeze_infra.output import WriteError, write_one, write_set

    try:
        if output != "-" and (set_of_files or output.endswith("/") or Path(output).is_dir()):
            planned = _planned(chosen, source)
            folder = Path(output)
            _make_folder(folder, output)
            write_set(folder, planned, private=private)
            return
        if output != "-":
            _make_folder(Path(output).parent, output)
        # Data, not a message: written byte for byte, past the masking stdout filter.
        sys.stdout.flush()
        stdout = cast("IO[str]", getattr(sys.stdout, "stream", sys.stdout))
        write_one(output, chosen[0][1].to_json(), private=private, stdout=stdout)
    except WriteError as exc:
        raise bad_input(str(exc)) from None


def _planned(chosen: list[tuple[str | None, Manifest]], source: str | None) -> list[Planned]:
    """Each file's name, from the manifest's own fields, checked before anything is made."""
    from breeze_infra.messages import short
    from breeze_infra.output import Planned, file_part

    planned = []
    for key, document in chosen:
        where = f"consumers.{short(key)}.manifest" if key is not None else "manifest"
        where = f"{source}: {where}" if source else where
        environment = file_part(document.environment, f"{where}.environment")
        consumer = file_part(document.consumer, f"{where}.consumer") if document.consumer else None
        name = f"{environment}-{consumer}.json" if consumer else f"{environment}.json"
        planned.append(Planned(name, document.to_json(), where))
    return planned


def _make_folder(folder: Path, output: str) -> None:
    from breeze_infra.messages import short

    if str(folder) in ("", "."):
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise bad_input(
            f"{short(str(folder), 200)}: is a file, not a folder (-o {short(output, 200)})"
        ) from None
    except OSError as exc:
        raise bad_input(
            f"{short(str(folder), 200)}: cannot be created for -o {short(output, 200)} "
            f"({exc.strerror or 'failed'})"
        ) from None


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return manifest(
            options,
            stack=args.stack,
            from_outputs=args.from_outputs,
            output=args.output,
            include_secret=args.include_secret,
            online=args.online,
            timeout=args.timeout,
            consumer=args.consumer,
            all_consumers=args.all_consumers,
        )

    parser = command_parser(
        commands,
        "manifest",
        HELP,
        run,
    )
    stack_option(parser, "the stack: render from its file, or check --from-outputs against it")
    parser.add_argument(
        "--from-outputs",
        metavar="FILE",
        help="JSON of `pulumi stack output --json --show-secrets` ('-' for stdin) instead of a "
        "stack file",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE|DIR",
        help="where to write ('-': stdout); missing folders are made; a folder (existing, or "
        "ending in /) gets <stack>[-<consumer>].json",
    )
    parser.add_argument(
        "--include-secret",
        action="store_true",
        help="put the API key itself in the manifest (needs --from-outputs; files are written 0600)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="from the stack file: fill contextLength from the Workers AI catalog and refuse "
        "models GPT Breeze cannot use (token in CLOUDFLARE_API_TOKEN)",
    )
    timeout_option(parser, "the catalog fetch of --online")
    consumer_options(parser, "-o DIR gets <stack>[-<consumer>].json per consumer")
