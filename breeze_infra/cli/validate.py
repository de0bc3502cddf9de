"""``breeze-infra validate``: are these stack files what ``pulumi up`` will accept?

Offline by default (pydantic and YAML only; never Pulumi, never httpx); ``--online`` adds the
account's model catalog. ``--json`` prints one document for CI annotations: every problem is a
finding with its file and key, and a failure of the command itself is a finding too, so the
document is complete whatever the exit code.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from breeze_infra.cli.common import (
    BASE_URL,
    BOOTSTRAP,
    CLOCK,
    STACK,
    Globals,
    Help,
    bad_input,
    bootstrap_token,
    chosen_stack,
    now,
)
from breeze_infra.cli.options import command_parser, stack_name, timeout_option
from breeze_infra.endpoints import STACK_ENV
from breeze_infra.exits import CommandError, ExitCode

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers
    from breeze_infra.config import ConfigError, StackConfig

Severity = Literal["error", "warning", "note"]
_KEYED = re.compile(r"(?P<key>[^\s:]+:\S+?): (?P<message>.+)")


HELP = Help(
    summary="check stack files (offline)",
    description="Check stack files as `pulumi up` reads them, one line per problem naming "
    "the file and the key.\nOffline unless --online: no Pulumi, no network.",
    examples=(
        "breeze-infra validate                      # every stack file",
        "breeze-infra validate --stack prod --online --json",
    ),
    env=(STACK, BOOTSTRAP, BASE_URL, CLOCK),
    exits=(
        (ExitCode.OK, "every stack passed (warnings allowed)"),
        (ExitCode.FAILED, "--online: the catalog could not be fetched"),
        (ExitCode.BAD_INPUT, "a problem to fix in a stack file, a flag or a variable"),
    ),
)


@dataclass(frozen=True)
class Finding:
    """One problem, as a CI annotation needs it: where (file, key), how bad, what to do."""

    file: str | None
    key: str | None
    severity: Severity
    message: str

    def line(self) -> str:
        """The finding as one printed line: its key and message may quote the file (a key with
        a newline in it), so the whole goes through ``messages.printable``."""
        from breeze_infra.messages import printable

        where = ": ".join(part for part in (self.file, self.key) if part)
        text = f"{where}: {self.message}" if where else self.message
        return printable(text if self.severity == "error" else f"{self.severity}: {text}")


@dataclass
class Report:
    """What one run found, printed as lines as it goes, or kept for one JSON document."""

    as_json: bool
    stacks: list[dict[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        if not self.as_json:
            print(finding.line(), file=sys.stderr)

    def config_error(self, exc: ConfigError, severity: Severity = "error") -> None:
        for key, message in exc.problems:
            self.add(Finding(exc.source, key, severity, message))

    def stack(self, name: str, shown: str, status: str, line: str | None = None) -> None:
        self.stacks.append({"stack": name, "file": shown, "status": status})
        if line is not None and not self.as_json:
            print(line)

    def lines(self, text: str, sources: Sequence[str]) -> None:
        """Findings from lines the online checks printed (``<file>: <key>: <message>``)."""
        for raw in text.splitlines():
            severity: Severity = "warning" if raw.startswith("warning: ") else "error"
            line = raw.removeprefix("warning: ")
            source = next((s for s in sources if line.startswith(f"{s}: ")), None)
            rest = line[len(source) + 2 :] if source is not None else line
            keyed = _KEYED.fullmatch(rest) if source is not None else None
            if keyed is not None:
                self.add(Finding(source, keyed["key"], severity, keyed["message"]))
            else:
                self.add(Finding(source, None, severity, rest))

    def document(self, code: int) -> str:
        body = {
            "command": "validate",
            "exitCode": int(code),
            "stacks": self.stacks,
            "findings": [asdict(finding) for finding in self.findings],
        }
        return json.dumps(body, indent=2, ensure_ascii=False)


def misuse_document(error: CommandError) -> str:
    """The document of a run refused before it started (an unknown option, a conflict)."""
    report = Report(as_json=True)
    report.findings = [Finding(None, None, "error", line) for line in error.lines()]
    return report.document(error.exit_code)


def validate(
    options: Globals,
    stacks: Sequence[str],
    *,
    all_stacks: bool = False,
    online: bool = False,
    config_json: str | None = None,
    timeout: float = 60.0,
    as_json: bool = False,
) -> int:
    """Check ``stacks`` (none: ``PULUMI_STACK``, else every stack file of the folder); the exit
    code is the worst problem found: 2 for one to fix in a file, 1 when the catalog could not
    be reached."""
    from breeze_infra.config import ConfigError
    from breeze_infra.project import ProjectError

    report = Report(as_json)
    if not stacks and not all_stacks:
        from_env = chosen_stack(None, "validate", os.environ, required=False)
        stacks = [from_env] if from_env else []
    try:
        code = _run(options, stacks, online, config_json, timeout, report)
    except ConfigError as exc:
        if not as_json:
            raise
        report.config_error(exc)
        code = ExitCode.BAD_INPUT
    except ProjectError as exc:
        if not as_json:
            raise
        code = ExitCode.BAD_INPUT
        report.add(Finding(exc.source, exc.key, "error", exc.message))
    except CommandError as exc:
        if not as_json:
            raise
        code = exc.exit_code
        for line in str(exc).splitlines():
            report.add(Finding(None, None, "error", line))
    if as_json:
        print(report.document(code))
    return code


def _run(
    options: Globals,
    stacks: Sequence[str],
    online: bool,
    config_json: str | None,
    timeout: float,
    report: Report,
) -> int:
    from breeze_infra.config import ConfigError, UncheckedConfig, config_warnings
    from breeze_infra.stacks import display_path, list_stacks, stack_file

    folder = options.stacks_folder()
    names = list(stacks) or list_stacks(folder)
    if not names:
        raise bad_input(f"{display_path(folder)}: no Pulumi.<stack>.yaml files")
    if config_json is not None and len(names) != 1:
        raise bad_input("breeze-infra validate: --config-json needs exactly one --stack NAME")
    problems: list[ConfigError] = []
    loaded: list[tuple[str, str, StackConfig]] = []
    for name in names:
        try:
            config = _load(folder, name, config_json)
        except UncheckedConfig as exc:
            report.config_error(exc, "note")
            shown = display_path(stack_file(folder, name))
            report.stack(name, shown, "unchecked", f"{shown}: ok (not every key checked)")
        except ConfigError as exc:
            problems.append(exc)
            report.stacks.append({"stack": name, "file": exc.source, "status": "error"})
        else:
            shown = display_path(stack_file(folder, name))
            loaded.append((name, shown, config))
            for key, message in config_warnings(config):
                report.add(Finding(shown, key, "warning", message))
            report.stack(name, shown, "ok", None if online else f"{shown}: ok")
    # Problems after the stacks' lines, as before: a reader sees what passed, then what to fix.
    for problem in problems:
        report.config_error(problem)
    code: int = ExitCode.OK
    if online and loaded:
        # Asked for only now: a missing token must not hide the offline problems above.
        code = _online(loaded, bootstrap_token("validate --online"), timeout, report)
    return ExitCode.BAD_INPUT if problems else code


def _load(folder: Path, stack: str, config_json: str | None) -> StackConfig:
    """The stack file as the engine reads it, or the resolved config ``pulumi config --json``
    printed (ESC environments and project defaults applied), through the same reader."""
    from breeze_infra.stack_outputs import label, read_json
    from breeze_infra.stacks import load_resolved, load_stack, stack_file

    if config_json is None:
        return load_stack(stack_file(folder, stack))
    shown = label(config_json)
    return load_resolved(read_json(config_json, shown), shown, stack, folder)


def _online(
    loaded: list[tuple[str, str, StackConfig]], token: str, timeout: float, report: Report
) -> int:
    from breeze_infra.online import StackInput, validate_online

    inputs = [StackInput(name, source, config) for name, source, config in loaded]
    if not report.as_json:
        return validate_online(
            inputs, token=token, now=now(), timeout=timeout, out=sys.stdout, err=sys.stderr
        )
    out, err = io.StringIO(), io.StringIO()
    code = validate_online(inputs, token=token, now=now(), timeout=timeout, out=out, err=err)
    report.lines(err.getvalue(), [source for _, source, _ in loaded])
    for entry in report.stacks:
        if any(f.file == entry["file"] and f.severity == "error" for f in report.findings):
            entry["status"] = "error"
    return code


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return validate(
            options,
            args.stack or [],
            all_stacks=args.all,
            online=args.online,
            config_json=args.config_json,
            timeout=args.timeout,
            as_json=args.json,
        )

    parser = command_parser(
        commands,
        "validate",
        HELP,
        run,
    )
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--stack",
        "-s",
        action="append",
        type=stack_name,
        metavar="NAME",
        help=f"a stack to check; repeatable (default: ${STACK_ENV}, else every stack)",
    )
    chosen.add_argument(
        "--all", action="store_true", help="every stack file, even with $PULUMI_STACK"
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="also check the models against the account's Workers AI catalog "
        "(token in CLOUDFLARE_API_TOKEN, Workers AI Read)",
    )
    parser.add_argument(
        "--config-json",
        metavar="FILE",
        help="check the resolved config instead of the stack file: the output of "
        "`pulumi config --json --stack NAME` ('-' for stdin), e.g. for stacks that import ESC "
        "environments; needs exactly one --stack",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document: stacks, and findings (file, key, severity, message)",
    )
    timeout_option(parser, "the --online checks")
