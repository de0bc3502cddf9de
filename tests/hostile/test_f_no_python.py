"""Issue 20, F (and issue 9, 6): one line naming the file and the key, never Python's words:
no exception name, no traceback, for any input, stream or clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ACCOUNT_ID, SUBPROCESS_BOUND, CliRun
from tests.hostile._harness import (
    MODEL,
    OUT,
    STACK,
    VALIDATE,
    Case,
    bare,
    c,
    manifest_json,
    models_yaml,
    run_case,
    stack_yaml,
)

NO_PYTHON = [  # 6. no Python exception leaks through
    c(
        "backend-is-a-list",
        *VALIDATE,
        expect="breeze-infra:secrets[0].backend: a list is not a secrets backend",
        stack=stack_yaml("  breeze-infra:secrets:", "    - backend: [vault]"),
    ),
    c(
        "backend-is-a-mapping",
        *VALIDATE,
        expect="breeze-infra:secrets[0].backend: a mapping is not a secrets backend",
        stack=stack_yaml("  breeze-infra:secrets:", "    - backend: {vault: 1}"),
    ),
    c(
        "token-with-curly-quotes",
        "validate",
        "--online",
        "--stack",
        "dev",
        expect="token holds non-ASCII characters",
        env={"CLOUDFLARE_API_TOKEN": "\u201cabc\u201d"},
        names="validate --online",
    ),
    c(
        "key-with-non-ascii",
        "doctor",
        "--stack",
        "dev",
        expect="token holds non-ASCII characters",
        env={"BREEZE_API_KEY": "cfat_\u00e9t\u00e9"},
        names="doctor",
    ),
    c(
        "base-url-with-a-bad-port",
        "validate",
        "--online",
        "--stack",
        "dev",
        expect="CLOUDFLARE_BASE_URL must be an http(s) URL, got 'https://example.com:99999'",
        env={"CLOUDFLARE_API_TOKEN": "x", "CLOUDFLARE_BASE_URL": "https://example.com:99999"},
        names="CLOUDFLARE_BASE_URL",
    ),
    *(
        c(
            f"base-url-{label}",
            "validate",
            "--online",
            "--stack",
            "dev",
            expect=f"CLOUDFLARE_BASE_URL must be an http(s) URL, got '{url}'",
            env={"CLOUDFLARE_API_TOKEN": "x", "CLOUDFLARE_BASE_URL": url},
            names="CLOUDFLARE_BASE_URL",
        )
        for label, url in [
            ("unclosed-ipv6-bracket", "https://[::1"),
            ("space-in-the-host", "https://exa mple.com"),
            ("negative-port", "https://example.com:-1"),
            ("not-http", "ftp://example.com"),
        ]
    ),
    c(
        "breeze-now-year-9999",
        "manifest",
        "--stack",
        "dev",
        expect="BREEZE_NOW='9999-12-31T23:59:59Z' is outside the years 1970 to 9000",
        env={"BREEZE_NOW": "9999-12-31T23:59:59Z"},
        names="BREEZE_NOW",
    ),
    c(
        "breeze-now-year-1-with-an-offset",
        "synth",
        "--stack",
        "dev",
        expect="is outside the years 1970 to 9000",
        env={"BREEZE_NOW": "0001-01-01T00:00:00+01:00"},
        names="BREEZE_NOW",
    ),
    c(
        "non-utf8-project-file",
        *VALIDATE,
        expect="Pulumi.yaml: is not UTF-8 text",
        files={
            "Pulumi.yaml": b"name: breeze-infra\nruntime: python\nstackConfigDir: stacks\n# \xff\n"
        },
        names="Pulumi.yaml",
    ),
    c(
        "non-utf8-project-file-with-stacks-dir",
        "--stacks-dir",
        "stacks",
        "synth",
        "--stack",
        "dev",
        expect="Pulumi.yaml: is not UTF-8 text",
        files={
            "Pulumi.yaml": b"name: breeze-infra\nruntime: python\nstackConfigDir: stacks\n# \xff\n"
        },
        names="Pulumi.yaml",
    ),
    c(
        "nul-byte-in-a-stack-file",
        *VALIDATE,
        expect=STACK,
        stack=stack_yaml('  breeze-infra:credentialName: "a\x00b"'),
    ),
    c(
        "outputs-nested-too-deeply",
        "manifest",
        "--from-outputs",
        OUT,
        expect="outputs.json: nested too deeply",
        files={OUT: "[" * 100_000 + "]" * 100_000},
    ),
    c(
        "outputs-not-utf8",
        "manifest",
        "--from-outputs",
        OUT,
        expect="outputs.json: is not UTF-8 text",
        files={OUT: b'{"a": "\xff"}'},
    ),
    c(
        "outputs-manifest-of-the-wrong-type",
        "manifest",
        "--from-outputs",
        OUT,
        expect="outputs.json: manifest: missing",
        files={OUT: json.dumps({"manifest": "dev"})},
    ),
    c(
        "outputs-manifest-models-of-the-wrong-type",
        "manifest",
        "--from-outputs",
        OUT,
        expect="outputs.json: manifest.models: Input should be a valid tuple",
        files={OUT: json.dumps({"manifest": {**manifest_json(), "models": "all"}})},
    ),
    c(
        "config-json-too-large",
        "validate",
        "--stack",
        "dev",
        "--config-json",
        "-",
        expect="stdin: is larger than 16 MiB",
        stdin=" " * (16 << 20) + "{}",
        names="stdin",
    ),
    c(
        "a-100-kb-display-name",
        *VALIDATE,
        expect="breeze-infra:models[0].displayName: String should have at most 100 characters",
        stack=stack_yaml(models=models_yaml("x" * 100_000)),
    ),
    c(
        "a-megabyte-stack-file",
        *VALIDATE,
        expect="stacks/Pulumi.dev.yaml: is larger than 256 KiB",
        stack=stack_yaml(models=models_yaml("x" * (1 << 20))),
    ),
]

NO_PYTHON += [
    c(
        "config-json-is-a-device",
        "validate",
        "--stack",
        "dev",
        "--config-json",
        "/dev/zero",
        expect="/dev/zero: is not a file",
        names="/dev/zero",
    ),
    c(
        "outputs-consumer-that-is-a-list",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.a.manifest: missing",
        files={OUT: json.dumps({"consumers": {"a": [1]}, "baseUrl": 1}), "out/.keep": ""},
    ),
]


TABLE = [pytest.param(case, id=f"6-python-{case.id}") for case in NO_PYTHON]


@pytest.mark.parametrize("case", TABLE)
def test_hostile_input(case: Case, cli: CliRun, tmp_path: Path) -> None:
    run_case(case, cli, tmp_path)


def test_6_closed_stdout_is_one_line_not_attribute_error(root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "breeze_infra", "synth", "--stack", "dev"],
        cwd=root,
        env={**os.environ, "BREEZE_NOW": "2026-11-25T09:30:00Z"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=SUBPROCESS_BOUND,
        check=False,
        pass_fds=(),
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "breeze-infra: stdout: cannot be written or read (Bad file descriptor)"
    ]


def test_6_a_reader_that_stops_early_ends_the_run_quietly(root: Path) -> None:
    command = f"'{sys.executable}' -m breeze_infra synth --stack dev | head -c 10 >/dev/null"
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}; echo ${{PIPESTATUS[0]}}"],
        cwd=root,
        env={**os.environ, "BREEZE_NOW": "2026-11-25T09:30:00Z"},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_BOUND,
        check=False,
    )
    assert result.stderr == ""
    assert result.stdout.strip() == "0"


def test_6_a_stack_file_that_is_a_symlink_loop_is_one_line(root: Path) -> None:
    (root / "stacks" / "Pulumi.l1.yaml").symlink_to("Pulumi.l2.yaml")
    (root / "stacks" / "Pulumi.l2.yaml").symlink_to("Pulumi.l1.yaml")
    result = bare("validate", "--stack", "l1", cwd=root)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "stacks/Pulumi.l1.yaml: cannot be read (Too many levels of symbolic links)"
    ]


def test_6_breeze_now_past_9000_is_a_run_error_under_pulumi_up(
    monkeypatch: pytest.MonkeyPatch, synth: Callable[..., object]
) -> None:
    import pulumi

    from breeze_infra import program

    monkeypatch.setenv("BREEZE_NOW", "9999-12-31T23:59:59Z")
    monkeypatch.setattr(program, "load_config", lambda stack: _config())
    with pytest.raises(pulumi.RunError, match="outside the years 1970 to 9000"):
        program.build()


def _config() -> object:
    from breeze_infra.config import parse_config

    return parse_config({"accountId": ACCOUNT_ID, "models": [{"id": MODEL}]}, "t")
