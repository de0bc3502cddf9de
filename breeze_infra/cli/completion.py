"""``breeze-infra completion bash|zsh``: a completion script made from the parser itself.

Generated, not written by hand, so that a new command or option completes the day it is added.
It completes commands, each command's options (the global ones too, anywhere), the choices of
positional arguments, stack names for ``--stack`` (from ``stacks/Pulumi.<stack>.yaml``) and
paths for options that take a file or a folder.

The scripts never evaluate a candidate: file names are data, read by a glob and matched with
quoted patterns, never passed through ``compgen -W`` (which expands ``$(...)`` in its words) or an
unquoted command substitution, and a stack file whose name is not a stack name is not offered.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from breeze_infra.cli.common import BAD_INPUT_HELP, OK_HELP, Globals, Help
from breeze_infra.cli.options import command_parser
from breeze_infra.exits import ExitCode

_PATH_METAVARS = ("FILE", "DIR")
_STACK_NAME = "^[A-Za-z0-9_.-]{1,100}$"
"""``stacks.STACK_NAME`` as a shell regex: a file name outside Pulumi's rule is never offered, so
never inserted. A copy, held equal by tests/test_names.py: importing ``stacks`` would cost every
shell start half a second."""


def _takes_a_path(action: argparse.Action) -> bool:
    """A path option: typed ``Path``, or shown as FILE, DIR, FILE|DIR or FILE.svg in --help."""
    shown = str(action.metavar or "").replace("|", ".").split(".")
    return action.type is Path or shown[0] in _PATH_METAVARS


HELP = Help(
    summary="print a shell completion script",
    description="Print a completion script for bash or zsh, made from this command "
    "line's own options.",
    examples=(
        'eval "$(breeze-infra completion bash)"        # in ~/.bashrc',
        'breeze-infra completion zsh > "${fpath[1]}/_breeze-infra"',
    ),
    env=(),
    exits=(OK_HELP, BAD_INPUT_HELP),
)

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers


@dataclass(frozen=True)
class Spec:
    """What completes after one command (``""``: before any command)."""

    name: str
    options: tuple[str, ...]
    choices: tuple[str, ...]
    path_options: tuple[str, ...]
    stack_options: tuple[str, ...]


def specs(parser: argparse.ArgumentParser) -> list[Spec]:
    """The top level and every command, read from the parser tree."""
    found = [_spec("", parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += [_spec(name, sub) for name, sub in action.choices.items()]
    return found


def _spec(name: str, parser: argparse.ArgumentParser) -> Spec:
    options: list[str] = []
    choices: list[str] = []
    paths: list[str] = []
    stacks: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            choices += list(action.choices)
        elif not action.option_strings:
            choices += [str(choice) for choice in action.choices or ()]
        else:
            options += action.option_strings
            if _takes_a_path(action):
                paths += action.option_strings
            elif "--stack" in action.option_strings:
                stacks += action.option_strings
    return Spec(name, tuple(options), tuple(choices), tuple(paths), tuple(stacks))


def completion(shell: str, parser: argparse.ArgumentParser) -> int:
    script = bash(specs(parser)) if shell == "bash" else zsh(specs(parser))
    sys.stdout.write(script)
    return ExitCode.OK


def bash(found: list[Spec]) -> str:
    top, commands = found[0], found[1:]
    cases = "\n".join(
        f"        {spec.name}) opts='{' '.join(spec.options)}'; choices='{' '.join(spec.choices)}';;"
        for spec in commands
    )
    paths = "|".join(sorted({o for spec in found for o in spec.path_options}))
    stacks = "|".join(sorted({o for spec in found for o in spec.stack_options}))
    return f"""# breeze-infra completion for bash: eval "$(breeze-infra completion bash)"
_breeze_infra_offer() {{
    # Each remaining argument that starts with $cur, as data: nothing in it is expanded.
    local word
    for word in "$@"; do
        [[ "$word" == "$cur"* ]] && COMPREPLY+=("$word")
    done
}}
_breeze_infra() {{
    local cur prev cmd word opts choices file name
    local -a stacks
    COMPREPLY=()
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    case "$prev" in
        {paths}) compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return;;
        {stacks})
            for file in stacks/Pulumi.*.yaml; do
                name="${{file#stacks/Pulumi.}}"; name="${{name%.yaml}}"
                [[ -f "$file" && "$name" =~ {_STACK_NAME} ]] && stacks+=("$name")
            done
            _breeze_infra_offer "${{stacks[@]}}"; return;;
    esac
    cmd=""
    for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
        case "$word" in
            {"|".join(spec.name for spec in commands)}) cmd="$word"; break;;
        esac
    done
    case "$cmd" in
{cases}
        *) opts='{" ".join(top.options)}'; choices='{" ".join(top.choices)}';;
    esac
    if [[ "$cur" == -* ]]; then
        _breeze_infra_offer $opts
    else
        _breeze_infra_offer $choices
    fi
}}
complete -o default -F _breeze_infra breeze-infra
"""


def zsh(found: list[Spec]) -> str:
    top, commands = found[0], found[1:]
    cases = "\n".join(
        f"    {spec.name}) opts=({' '.join(spec.options)}); choices=({' '.join(spec.choices)});;"
        for spec in commands
    )
    paths = "|".join(sorted({o for spec in found for o in spec.path_options}))
    stacks = "|".join(sorted({o for spec in found for o in spec.stack_options}))
    return f"""#compdef breeze-infra
# breeze-infra completion for zsh: breeze-infra completion zsh > "${{fpath[1]}}/_breeze-infra"
_breeze_infra() {{
  local cmd word
  local -a opts choices
  case "${{words[CURRENT-1]}}" in
    {paths}) _files; return;;
    {stacks})
      local file name
      local -a stacks
      for file in stacks/Pulumi.*.yaml(N.); do
        name="${{${{file#stacks/Pulumi.}}%.yaml}}"
        [[ "$name" =~ '{_STACK_NAME}' ]] && stacks+=("$name")
      done
      compadd -a stacks; return;;
  esac
  for word in "${{(@)words[2,CURRENT-1]}}"; do
    case "$word" in
      {"|".join(spec.name for spec in commands)}) cmd="$word"; break;;
    esac
  done
  case "$cmd" in
{cases}
    *) opts=({" ".join(top.options)}); choices=({" ".join(top.choices)});;
  esac
  if [[ "$PREFIX" == -* ]]; then compadd -a opts; else compadd -a choices; fi
}}
if [[ "$funcstack[1]" == "_breeze_infra" ]]; then
  _breeze_infra "$@"
else
  compdef _breeze_infra breeze-infra
fi
"""


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return completion(args.shell, args.build_parser())

    parser = command_parser(
        commands,
        "completion",
        HELP,
        run,
    )
    parser.add_argument("shell", choices=["bash", "zsh"])
