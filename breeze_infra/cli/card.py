"""``breeze-infra card``: each person's setup card, in GPT Breeze's words, never with a key.

Offline from the stack file (the manifest as ``pulumi up`` would make it now), or from deployed
outputs (``--from-outputs -``); either way the stack file says where each consumer's key is kept
and whom to name. Files are written by ``breeze_infra.output``: whole or not at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from breeze_infra.cli.common import (
    BAD_INPUT_HELP,
    CLOCK,
    OK_HELP,
    STACK,
    Globals,
    Help,
    bad_input,
    chosen_manifests,
    chosen_stack,
    wanted_of,
)
from breeze_infra.cli.options import command_parser, consumer_options, stack_option

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers
    from breeze_infra.handover import Card

HELP = Help(
    summary="write each person's GPT Breeze setup card (Markdown or HTML), never the key",
    description="Write the setup card of a consumer: the credential to add in GPT Breeze "
    "(provider type,\nname, base URL), where the person's key is kept (one line per secrets "
    "backend), every model\nto add, and when the key stops working. Offline from the stack "
    "file, or from the outputs of\n`pulumi stack output --json` with --from-outputs.",
    examples=(
        "breeze-infra card --stack prod --consumer alice",
        "breeze-infra card --stack prod --all-consumers --format html -o cards/",
    ),
    env=(STACK, CLOCK),
    exits=(OK_HELP, BAD_INPUT_HELP),
)


def card(
    options: Globals,
    *,
    stack: str | None,
    from_outputs: str | None = None,
    output: str = "-",
    form: str = "md",
    consumer: str | None = None,
    all_consumers: bool = False,
) -> int:
    """Render the chosen card(s) and write them to ``output`` (``-``, a file or a folder)."""
    from breeze_infra.consumers import audiences
    from breeze_infra.handover import build_card, card_file_name, render_html, render_markdown
    from breeze_infra.output import Planned, WriteError, file_part, write_one, write_set
    from breeze_infra.stacks import load_stack, stack_file

    if form not in ("md", "html"):
        raise bad_input(f"breeze-infra card: --format: '{form[:10]}' is not md or html")
    if all_consumers and output == "-":
        raise bad_input("breeze-infra card: --all-consumers needs -o DIR")
    name = chosen_stack(stack, "card", os.environ)
    assert name is not None
    wanted = wanted_of(consumer, all_consumers)
    config = load_stack(stack_file(options.stacks_folder(), name), consumers=wanted)
    chosen = chosen_manifests(
        options.stacks_folder(),
        name,
        from_outputs,
        consumer=consumer,
        all_consumers=all_consumers,
    )
    by_name = {a.name: a for a in audiences(config)}
    cards: list[Card] = []
    for key, document in chosen:
        audience = by_name.get(key)
        if audience is None:
            raise bad_input(
                f"{name}: consumer '{key}' is in the outputs but not active in the stack file; "
                "run pulumi up, or export the outputs again"
            )
        cards.append(
            build_card(
                document,
                audience.secrets,
                rotation_days=audience.token.rotation_days,
                contact=audience.contact,
            )
        )
    render = render_html if form == "html" else render_markdown
    try:
        if output != "-" and (all_consumers or output.endswith("/") or Path(output).is_dir()):
            folder = Path(output)
            planned = [
                Planned(
                    card_file_name(
                        c.model_copy(
                            update={
                                "environment": file_part(c.environment, "environment"),
                                "consumer": file_part(c.consumer, "consumer")
                                if c.consumer
                                else None,
                            }
                        ),
                        "html" if form == "html" else "md",
                    ),
                    render(c),
                    c.consumer or c.environment,
                )
                for c in cards
            ]
            folder.mkdir(parents=True, exist_ok=True)
            write_set(folder, planned, private=False)
            return 0
        sys.stdout.flush()
        stdout = cast("IO[str]", getattr(sys.stdout, "stream", sys.stdout))
        write_one(output, render(cards[0]), private=False, stdout=stdout)
    except WriteError as exc:
        raise bad_input(str(exc)) from None
    except OSError as exc:
        raise bad_input(f"-o {output[:200]}: {exc.strerror or 'cannot be written'}") from None
    return 0


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return card(
            options,
            stack=args.stack,
            from_outputs=args.from_outputs,
            output=args.output,
            form=args.format,
            consumer=args.consumer,
            all_consumers=args.all_consumers,
        )

    parser = command_parser(commands, "card", HELP, run)
    stack_option(parser, "the stack whose consumers get cards")
    parser.add_argument(
        "--from-outputs",
        metavar="FILE",
        help="JSON of `pulumi stack output --json` ('-' for stdin): the deployed base URL, "
        "models and expiry instead of today's from the stack file",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE|DIR",
        help="where to write ('-': stdout); a folder gets <stack>[-<consumer>].<md|html>",
    )
    parser.add_argument(
        "--format",
        default="md",
        choices=("md", "html"),
        help="Markdown (default) or one standalone HTML page",
    )
    consumer_options(parser, "-o DIR gets <stack>[-<consumer>].<md|html> per consumer")
