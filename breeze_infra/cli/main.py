"""``main``: parse, dispatch, and turn whatever happens into lines and an exit code.

The one place that prints a ``CommandError`` and maps failures to ``ExitCode``: commands raise,
they never print their own fatal errors nor call ``sys.exit``. Every line printed passes through
``messages.SafeStream`` (tokens masked, control characters escaped); any OSError becomes one line
and exit 2; a reader that closed the pipe early (``| head -1``) ends the run quietly, as Python's
documentation on SIGPIPE advises.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from breeze_infra.exits import CommandError, ExitCode, UserError


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; whatever happens, the user gets lines, never a traceback."""
    from breeze_infra.messages import SafeStream

    raw_out, raw_err = sys.stdout, sys.stderr
    sys.stdout = SafeStream(raw_out if raw_out is not None else _ClosedStream("stdout"))
    sys.stderr = SafeStream(raw_err if raw_err is not None else Path(os.devnull).open("w"))  # noqa: SIM115
    try:
        code = _dispatch(argv)
        sys.stdout.flush()
        return int(code)
    except BrokenPipeError:
        _silence_stdout()
        return int(ExitCode.OK)
    except OSError as exc:
        with contextlib.suppress(OSError):
            _print_lines(f"breeze-infra: {_os_error_line(exc)}")
        return int(ExitCode.BAD_INPUT)
    finally:
        with contextlib.suppress(OSError):
            sys.stderr.flush()
        sys.stdout, sys.stderr = raw_out, raw_err


def _dispatch(argv: Sequence[str] | None) -> int:
    from breeze_infra.cli import parser
    from breeze_infra.cli.common import change_directory

    try:
        args = parser.parse(argv)
        change_directory(args.cwd)
        options = parser.globals_of(args)
        if options.debug:
            from breeze_infra.cli.common import log_debug_to_stderr

            log_debug_to_stderr()
        return int(args.run(args, options))
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else int(ExitCode.BAD_INPUT)
    except CommandError as exc:
        _print_lines(str(exc))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
    except OSError:
        raise
    except Exception as exc:
        return _known(exc)


def _known(exc: Exception) -> int:
    """A UserError is bad input, its message the line; anything else is a bug, said in one line."""
    from breeze_infra.messages import short

    if isinstance(exc, UserError):
        _print_lines(str(exc))
        return int(ExitCode.BAD_INPUT)
    print(
        f"breeze-infra: unexpected failure: {short(str(exc), 200)} "
        "(please report it; --debug logs what led to it)",
        file=sys.stderr,
    )
    return int(ExitCode.FAILED)


def _print_lines(text: str) -> None:
    for line in text.splitlines():
        print(line, file=sys.stderr)


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
