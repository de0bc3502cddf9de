"""The one harness of the hostile-input tests: the project each row runs in, the rows' shape,
and the promise every row is held to.

Every row runs the CLI in a project folder of its own and holds it to the README's promise: the
documented exit code, one line per problem naming the file and the key, no Python exception name,
no token on stdout or stderr, no control character in any line, and nothing written outside the
place asked for. The mechanisms under test: ``messages.SafeStream`` (every printed line),
``output.write_one``/``write_set`` (every file written), ``fields.refuse_tokens`` (every
non-secret config field), ``cli.main`` (every OSError, closed or broken stdout).
"""

from __future__ import annotations

import builtins
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from breeze_infra.manifest import build_manifest, workers_ai_base_url
from tests.conftest import ACCOUNT_ID, SUBPROCESS_BOUND, CliRun

PREFIXED = "cfat_HOSTILEprefixed0123456789abcdefghijABCDEFGHIJ"
LEGACY = "Hostile0123456789abcdefghijABCDEFGHIJxyz"  # 40 characters, mixed case and digits
TOKENS = (PREFIXED, LEGACY, "HOSTILE")
EXCEPTION_NAMES = sorted(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException) and name != "Exception"
)
PYTHON_LEAK = re.compile(r"Traceback|\b(?:" + "|".join(EXCEPTION_NAMES) + r")\b")
MODEL = "@cf/meta/llama-3.1-8b-instruct"
OTHER_MODEL = "@cf/openai/gpt-oss-20b"


def stack_yaml(*lines: str, models: str | None = None) -> str:
    """A valid stack file, with ``lines`` (already indented under config:) added or replacing."""
    body = [
        "config:",
        f"  breeze-infra:accountId: {ACCOUNT_ID}",
        *lines,
    ]
    if models is None:
        body += ["  breeze-infra:models:", f"    - id: '{MODEL}'"]
    else:
        body += ["  breeze-infra:models:", models]
    return "\n".join(body) + "\n"


def models_yaml(*names: str) -> str:
    ids = [MODEL, OTHER_MODEL, "@cf/qwen/qwq-32b"]
    return "\n".join(
        f"    - {{id: '{ids[i]}', displayName: {json.dumps(name)}}}" for i, name in enumerate(names)
    )


CONSUMERS = "\n".join(["  breeze-infra:consumers:", "    - name: alice", "    - name: bob"])


def manifest_json(environment: object = "dev", consumer: object = None) -> dict[str, object]:
    from breeze_infra.config import parse_config

    config = parse_config({"accountId": ACCOUNT_ID, "models": [{"id": MODEL}]}, "t")
    manifest = build_manifest(
        config, "dev", api_key_ref="ref", expires_on="2026-12-24T00:00:00Z", consumer=None
    )
    document = manifest.model_dump(mode="json", by_alias=True, exclude_none=True)
    document["environment"] = environment
    if consumer is not None:
        document["consumer"] = consumer
    return document


def consumer_outputs(
    manifests: Mapping[str, dict[str, object]] | None = None,
    api_keys: object = None,
    ref: str = "pulumi-stack://breeze-infra/dev/apiKeys/{name}",
) -> str:
    manifests = manifests or {
        "alice": manifest_json(consumer="alice"),
        "bob": manifest_json(consumer="bob"),
    }
    document: dict[str, object] = {
        "baseUrl": workers_ai_base_url(ACCOUNT_ID),
        "consumers": {
            name: {"apiKeyRef": ref.format(name=name), "manifest": manifest}
            for name, manifest in manifests.items()
        },
    }
    if api_keys is not None:
        document["apiKeys"] = api_keys
    return json.dumps(document)


@dataclass(frozen=True)
class Case:
    """One hostile input: the files of the project, the command, and what must come out."""

    id: str
    args: tuple[str, ...]
    expect: str
    """A piece of the (single) problem line on stderr."""
    stack: str | None = stack_yaml()
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    stdin: str | None = None
    code: int = 2
    lines: int | None = 1
    """Problem lines expected on stderr (None: not counted)."""
    names: str | None = None
    """The file the line must name (default: the stack file when the expectation is about it)."""
    allowed_writes: tuple[str, ...] = ()


def c(id: str, *args: str, expect: str, **kw: object) -> Case:
    return Case(id, args, expect, **kw)  # type: ignore[arg-type]


STACK = "stacks/Pulumi.dev.yaml"
OUT = "outputs.json"
VALIDATE = ("validate", "--stack", "dev")


CJ = "c.json"
CONFIG_JSON = ("validate", "--stack", "dev", "--config-json", CJ)


def config_json(text: str) -> dict[str, str]:
    return {CJ: text}


RESOLVED = (
    f'"breeze-infra:accountId": {{"value": "{ACCOUNT_ID}"}}, '
    f'"breeze-infra:models": {{"objectValue": [{{"id": "{MODEL}"}}]}}'
)


PROJECT = (
    "name: breeze-infra\nruntime:\n  name: python\n  options:\n    toolchain: uv\n"
    "stackConfigDir: stacks\n"
)
"""As this repository's: Pulumi installs it with ``uv sync`` where a pyproject.toml is beside it."""


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every path under ``folder`` (the test's whole tmp tree), with file contents."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "-> " + str(path.readlink())
        elif path.is_file():
            found[key] = path.read_bytes()
        else:
            found[key] = "dir"
    return found


def project(tmp_path: Path, case: Case) -> Path:
    root = tmp_path / "project"
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text(PROJECT)
    if case.stack is not None:
        (root / STACK).write_text(case.stack, encoding="utf-8")
    for name, content in case.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def assert_kept_promise(result: subprocess.CompletedProcess[str], code: int) -> None:
    """What holds for every hostile input, whatever the command."""
    assert result.returncode == code, result.stderr
    assert not PYTHON_LEAK.search(result.stderr), result.stderr
    for token in TOKENS:
        assert token not in result.stdout
        assert token not in result.stderr
    for line in result.stderr.splitlines() + result.stdout.splitlines():
        assert line.isprintable(), line
        assert not line.startswith("::"), line


def run_case(case: Case, cli: CliRun, tmp_path: Path) -> None:
    """One table row: its project made, its command run, the promise and its line checked."""
    root = project(tmp_path, case)
    before = snapshot(tmp_path)
    result = cli(*case.args, env=dict(case.env), input=case.stdin, cwd=root)
    assert_kept_promise(result, case.code)
    problems = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    if case.lines is not None:
        assert len(problems) == case.lines, result.stderr
    assert any(case.expect in line for line in problems), result.stderr
    named = case.names or (OUT if OUT in case.args else STACK)
    assert any(named in line for line in problems), result.stderr
    assert snapshot(tmp_path) == before, "a hostile input changed files"


def bare(*args: str, cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    """``breeze-infra`` in a subprocess, for rows that need more than ``cli`` gives (a
    closed stream, a pipe)."""
    env = {**os.environ, "BREEZE_NOW": "2026-11-25T09:30:00Z"}
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "breeze_infra", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_BOUND,
        check=False,
        **kw,
    )
