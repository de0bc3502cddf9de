"""Hostile, broken and clumsy input (issue 9): a table of inputs, grouped by the issue's classes.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from breeze_infra.manifest import build_manifest, workers_ai_base_url
from breeze_infra.sandbox.emulator import CloudflareEmulator, Fault, TokenInfo
from tests.conftest import ACCOUNT_ID, ROOT, CliRun
from tests.online_cli import OnlineCli

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
SUBPROCESS_BOUND = 600
"""Seconds a CLI run may take before the test gives up on it: only a hang must reach it, never a
slow start on a machine running two suites at once (a run takes about a second when idle)."""


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

GATE = [  # 1. a gate never passes having checked nothing
    c(
        "doctor-all-consumers-redacted-keys",
        "doctor",
        "--stack",
        "dev",
        "--all-consumers",
        "--from-outputs",
        OUT,
        expect="outputs.json: apiKeys: redacted",
        stack=stack_yaml(CONSUMERS),
        files={OUT: consumer_outputs(api_keys="[secret]")},
        env={"BREEZE_API_KEY": PREFIXED},
    ),
    c(
        "doctor-one-consumer-redacted-keys",
        "doctor",
        "--stack",
        "dev",
        "--consumer",
        "alice",
        "--from-outputs",
        OUT,
        expect="apiKey: missing or redacted",
        stack=stack_yaml(CONSUMERS),
        files={OUT: consumer_outputs(api_keys="[secret]")},
    ),
    c(
        "doctor-all-consumers-key-missing-from-its-own-outputs",
        "doctor",
        "--stack",
        "dev",
        "--all-consumers",
        "--from-outputs",
        OUT,
        expect="outputs.json: apiKeys.alice: missing",
        stack=stack_yaml(CONSUMERS),
        files={OUT: consumer_outputs()},
    ),
    c(
        "doctor-all-consumers-every-key-elsewhere-checks-nothing",
        "doctor",
        "--stack",
        "dev",
        "--all-consumers",
        "--from-outputs",
        OUT,
        expect="no consumer was checked",
        names="breeze-infra doctor --stack dev",
        stack=stack_yaml(CONSUMERS),
        files={OUT: consumer_outputs(ref="vault:secret/breeze/{name}#apiKey")},
    ),
    c(
        "doctor-outputs-json-is-a-list",
        "doctor",
        "--stack",
        "dev",
        "--from-outputs",
        OUT,
        expect="outputs.json: expected the JSON object",
        files={OUT: "[1, 2]"},
    ),
]

WRITER = [  # 2. nothing written outside the folder asked for, nothing half-written
    c(
        "environment-absolute-path",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="consumers.alice.manifest.environment: '/etc/evil' cannot name a file",
        files={
            OUT: consumer_outputs({"alice": manifest_json("/etc/evil", "alice")}),
            "out/.keep": "",
        },
    ),
    c(
        "environment-dot-dot",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.alice.manifest.environment: '../../escape'",
        files={
            OUT: consumer_outputs({"alice": manifest_json("../../escape", "alice")}),
            "out/.keep": "",
        },
    ),
    c(
        "consumer-named-dot-dot",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers....manifest.consumer: '..' cannot name a file",
        files={OUT: consumer_outputs({"..": manifest_json("dev", "..")}), "out/.keep": ""},
    ),
    c(
        "a-manifest-naming-another-consumer",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.alice.manifest.consumer: names another consumer",
        files={OUT: consumer_outputs({"alice": manifest_json("dev", "bob")}), "out/.keep": ""},
    ),
    c(
        "consumer-with-a-separator",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="cannot name a file",
        files={
            OUT: consumer_outputs({"a/../../b": manifest_json("dev", "a/../../b")}),
            "out/.keep": "",
        },
    ),
    c(
        "environment-of-the-wrong-type",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.alice.manifest.environment: Input should be a valid string",
        files={OUT: consumer_outputs({"alice": manifest_json(["dev"], "alice")}), "out/.keep": ""},
    ),
    c(
        "two-consumers-one-file",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.c.manifest: would write dev-b-c.json, which "
        "outputs.json: consumers.b-c.manifest writes too; nothing was written",
        files={
            OUT: consumer_outputs(
                {"b-c": manifest_json("dev", "b-c"), "c": manifest_json("dev-b", "c")}
            ),
            "out/.keep": "",
        },
    ),
    c(
        "two-consumers-one-file-on-a-case-insensitive-disk",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="consumers.X.manifest: would write dev-X.json, which outputs.json: "
        "consumers.x.manifest writes too",
        files={
            OUT: consumer_outputs({"x": manifest_json("dev", "x"), "X": manifest_json("dev", "X")}),
            "out/.keep": "",
        },
    ),
    c(
        "one-target-is-a-folder-so-none-is-written",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="out/dev-bob.json: exists and is not a regular file; nothing was written",
        names="out/dev-bob.json",
        files={OUT: consumer_outputs(), "out/dev-bob.json/.keep": ""},
    ),
    c(
        "dev-full",
        "manifest",
        "--stack",
        "dev",
        "-o",
        "/dev/full",
        expect="/dev/full: cannot be written (No space left on device)",
        names="/dev/full",
    ),
    c(
        "outputs-file-is-a-folder",
        "manifest",
        "--from-outputs",
        "stacks",
        expect="stacks: is not a file",
        names="stacks",
    ),
]

TOKENS_IN_PLACE = [  # 4. a token where a token does not belong is refused, never printed
    c(
        "token-as-display-name",
        *VALIDATE,
        expect="breeze-infra:models[0].displayName: '[value hidden",
        stack=stack_yaml(models=models_yaml(PREFIXED)),
    ),
    c(
        "legacy-token-as-credential-name",
        *VALIDATE,
        expect="breeze-infra:credentialName: '[value hidden",
        stack=stack_yaml(f"  breeze-infra:credentialName: {LEGACY}"),
    ),
    c(
        "token-in-a-backend-path",
        *VALIDATE,
        expect="breeze-infra:secrets[0].path: '[value hidden",
        stack=stack_yaml(
            "  breeze-infra:secrets:", f"    - {{backend: vault, mount: secret, path: {PREFIXED}}}"
        ),
    ),
    c(
        "token-in-a-consumer-cidr-list",
        *VALIDATE,
        expect="[value hidden",
        stack=stack_yaml(
            "  breeze-infra:consumers:", f"    - {{name: alice, allowedCidrs: ['{PREFIXED}']}}"
        ),
    ),
    c(
        "token-as-a-yaml-key",
        *VALIDATE,
        expect="unknown key",
        stack=stack_yaml(f"  breeze-infra:{PREFIXED}: 1"),
    ),
    c(
        "token-as-breeze-now",
        "manifest",
        "--stack",
        "dev",
        expect="BREEZE_NOW (value not shown) is not an RFC 3339 time",
        env={"BREEZE_NOW": PREFIXED},
        names="BREEZE_NOW",
    ),
    c(
        "token-in-cloudflare-base-url",
        "validate",
        "--online",
        "--stack",
        "dev",
        expect="CLOUDFLARE_BASE_URL must be an http(s) URL, got 'https://[value hidden",
        env={"CLOUDFLARE_API_TOKEN": "x", "CLOUDFLARE_BASE_URL": f"https://{PREFIXED}:99999"},
        names="CLOUDFLARE_BASE_URL",
    ),
    c(
        "token-as-stack-name",
        "validate",
        "--stack",
        PREFIXED,
        expect="[value hidden: it looks like a Cloudflare token].yaml: no such stack file",
        names="stacks/Pulumi.",
    ),
    c(
        "token-in-an-invalid-stack-name",
        "validate",
        "--stack",
        f"{PREFIXED}/x",
        expect="stack '[value hidden: it looks like a Cloudflare token]/x': not a stack name",
        names="stack",
    ),
]

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

MESSAGES = [  # 7. messages cannot be turned against CI
    c(
        "newline-in-a-consumer-argument",
        "manifest",
        "--stack",
        "dev",
        "--consumer",
        "a\n::error::x",
        expect="no active consumer 'a\\n::error::x'",
        names="consumer",
    ),
    c(
        "newline-in-an-outputs-file-name",
        "manifest",
        "--from-outputs",
        "gone\n::error::x",
        expect="gone\\n::error::x: cannot be read",
        names="gone",
    ),
    c(
        "newline-in-an-outputs-consumer-key",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.a\\n::error::x.manifest.environment: Input should be",
        files={
            OUT: consumer_outputs({"a\n::error::x": manifest_json(1, "x")}),
            "out/.keep": "",
        },
    ),
    c(
        "newline-and-workflow-command-in-a-key",
        *VALIDATE,
        expect="config: 'breeze-infra:x\\n::error title=forged::pwned': Pulumi cannot read this key",
        stack=stack_yaml('  "breeze-infra:x\\n::error title=forged::pwned": 1'),
    ),
    c(
        "terminal-escape-in-an-account-id",
        *VALIDATE,
        expect="breeze-infra:accountId: '\\x1b[2J\\x1b[31mok' is not a Cloudflare account id",
        stack=stack_yaml('  breeze-infra:accountId: "\\e[2J\\e[31mok"').replace(
            f"  breeze-infra:accountId: {ACCOUNT_ID}\n", "", 1
        ),
    ),
    c(
        "right-to-left-override-in-a-display-name",
        *VALIDATE,
        expect="holds the control or format character U+202E",
        stack=stack_yaml(models=models_yaml("Llama\u202egnp.exe")),
    ),
    c(
        "carriage-return-in-a-stack-name",
        "validate",
        "--stack",
        "dev\r::error::x",
        expect="stack 'dev\\r::error::x': not a stack name Pulumi accepts",
        names="stack",
    ),
]

RULES = [  # 8. rules neither too weak nor too strict
    c(
        "allow-every-address",
        *VALIDATE,
        expect="breeze-infra:token.allowedCidrs: '0.0.0.0/0' is every IPv4 address",
        stack=stack_yaml("  breeze-infra:token: {allowedCidrs: [0.0.0.0/0, '::/0']}"),
    ),
    c(
        "deny-every-ipv6-address",
        *VALIDATE,
        expect="breeze-infra:token.deniedCidrs: '::/0' is every IPv6 address",
        stack=stack_yaml("  breeze-infra:token: {deniedCidrs: ['::/0']}"),
    ),
    c(
        "allowed-inside-denied",
        *VALIDATE,
        expect="allowed 10.1.0.0/16 lies wholly inside denied 10.0.0.0/8: usable from nowhere",
        stack=stack_yaml(
            "  breeze-infra:token: {allowedCidrs: [10.1.0.0/16], deniedCidrs: [10.0.0.0/8]}"
        ),
    ),
    c(
        "consumer-allowed-inside-stack-denied",
        *VALIDATE,
        expect="breeze-infra:consumers[0]: allowed 2001:db8::/48 lies wholly inside denied",
        stack=stack_yaml(
            "  breeze-infra:token: {deniedCidrs: ['2001:db8::/32']}",
            "  breeze-infra:consumers:",
            "    - {name: alice, allowedCidrs: ['2001:db8::/48']}",
        ),
    ),
    c(
        "scoped-ipv6",
        *VALIDATE,
        expect="'fe80::%eth0/64' is a scoped IPv6 address",
        stack=stack_yaml("  breeze-infra:token: {allowedCidrs: ['fe80::%eth0/64']}"),
    ),
    c(
        "blank-display-name",
        *VALIDATE,
        expect="breeze-infra:models[0].displayName: is blank",
        stack=stack_yaml(models=models_yaml("   ")),
    ),
    c(
        "bell-in-a-credential-name",
        *VALIDATE,
        expect="breeze-infra:credentialName: holds the control or format character U+0007",
        stack=stack_yaml('  breeze-infra:credentialName: "GPT\\a"'),
    ),
    c(
        "look-alike-display-names-by-case",
        *VALIDATE,
        expect="display name 'llama' is already used by another model ('Llama'",
        stack=stack_yaml(models=models_yaml("Llama", "llama")),
    ),
    c(
        "look-alike-display-names-by-nfkc",
        *VALIDATE,
        expect="breeze-infra:models[1].displayName: display name '\uff2c\uff4c\uff41\uff4d\uff41'",
        stack=stack_yaml(models=models_yaml("Llama", "\uff2c\uff4c\uff41\uff4d\uff41")),
    ),
    c(
        "context-length-beyond-2-to-the-53",
        *VALIDATE,
        expect="breeze-infra:models[0].contextLength: Input should be less than or equal to 10000000",
        stack=stack_yaml(models=f"    - {{id: '{MODEL}', contextLength: {2**53 + 1}}}"),
    ),
    c(
        "generation-unbounded",
        *VALIDATE,
        expect="breeze-infra:token.generation: Input should be less than or equal to 999999",
        stack=stack_yaml("  breeze-infra:token: {generation: 10000000000}"),
    ),
    c(
        "consumer-named-dot-dot-in-a-stack",
        *VALIDATE,
        expect="breeze-infra:consumers[0].name: '..' is not a consumer name",
        stack=stack_yaml("  breeze-infra:consumers:", "    - name: '..'"),
    ),
    c(
        "stack-name-with-a-slash",
        "validate",
        "--stack",
        "../stacks/dev",
        expect="stack '../stacks/dev': not a stack name Pulumi accepts",
        names="stack",
    ),
    c(
        "stack-name-too-long",
        "manifest",
        "--stack",
        "d" * 101,
        expect="not a stack name Pulumi accepts",
        names="stack",
    ),
    c(
        "stack-file-named-with-a-space",
        "validate",
        expect="stack 'a b': not a stack name Pulumi accepts",
        files={"stacks/Pulumi.a b.yaml": stack_yaml()},
        stack=None,
        names="stack",
    ),
    c(
        "online-without-a-token-still-shows-offline-errors",
        "validate",
        "--online",
        expect="CLOUDFLARE_API_TOKEN is not set",
        files={"stacks/Pulumi.bad.yaml": stack_yaml("  breeze-infra:tokn: 1")},
        env={"CLOUDFLARE_API_TOKEN": ""},
        lines=2,
        names="validate --online",
    ),
]

CJ = "c.json"
CONFIG_JSON = ("validate", "--stack", "dev", "--config-json", CJ)


def config_json(text: str) -> dict[str, str]:
    return {CJ: text}


RESOLVED = (
    f'"breeze-infra:accountId": {{"value": "{ACCOUNT_ID}"}}, '
    f'"breeze-infra:models": {{"objectValue": [{{"id": "{MODEL}"}}]}}'
)

FORGED_LINES = [  # issue 20, C: a newline in any value never starts a second line
    c(
        "newline-in-a-config-json-key",
        *CONFIG_JSON,
        expect="c.json: breeze-infra:x\\n::error::y: unknown key",
        files=config_json(f'{{{RESOLVED}, "breeze-infra:x\\n::error::y": {{"value": "1"}}}}'),
        names=CJ,
    ),
    c(
        "newline-in-a-config-json-account-id",
        *CONFIG_JSON,
        expect="breeze-infra:accountId: '0123\\n::error::z' is not a Cloudflare account id",
        files=config_json(
            '{"breeze-infra:accountId": {"value": "0123\\n::error::z"}, '
            f'"breeze-infra:models": {{"objectValue": [{{"id": "{MODEL}"}}]}}}}'
        ),
        names=CJ,
    ),
]

LAX_TYPES = [  # issue 20, G: a bool is not a number; JSON as the engine reads it
    *(
        c(
            f"true-as-{label}",
            *VALIDATE,
            expect=f"breeze-infra:{key}: true is not a number",
            stack=stack_yaml(line),
        )
        for label, key, line in [
            (
                "requests",
                "gateway.rateLimit.requests",
                "  breeze-infra:gateway: {rateLimit: {requests: true}}",
            ),
            (
                "dollars",
                "gateway.spendLimit.dollars",
                "  breeze-infra:gateway: {spendLimit: {dollars: true}}",
            ),
            ("rotation-days", "token.rotationDays", "  breeze-infra:token: {rotationDays: true}"),
        ]
    ),
    c(
        "config-json-duplicate-key",
        *CONFIG_JSON,
        expect="c.json: breeze-infra:accountId: given twice; keep one",
        files=config_json(f'{{{RESOLVED}, "breeze-infra:accountId": {{"value": "{"f" * 32}"}}}}'),
        names=CJ,
    ),
    c(
        "config-json-nan",
        *CONFIG_JSON,
        expect="c.json: NaN is not a JSON number",
        files=config_json(
            f'{{{RESOLVED}, "breeze-infra:token": {{"objectValue": {{"rotationDays": NaN}}}}}}'
        ),
        names=CJ,
    ),
    c(
        "config-json-1e400",
        *CONFIG_JSON,
        expect="c.json: 1e400 is out of the range of a number",
        files=config_json(
            f'{{{RESOLVED}, "breeze-infra:token": {{"objectValue": {{"rotationDays": 1e400}}}}}}'
        ),
        names=CJ,
    ),
]

OLDER = [  # issue 20, I: older probes still open
    c(
        "empty-output-path",
        "manifest",
        "--stack",
        "dev",
        "-o",
        "",
        expect="breeze-infra manifest: -o: an empty path",
        names="-o",
    ),
]

TABLE = [
    *(pytest.param(case, id=f"1-gate-{case.id}") for case in GATE),
    *(pytest.param(case, id=f"2-writer-{case.id}") for case in WRITER),
    *(pytest.param(case, id=f"4-token-{case.id}") for case in TOKENS_IN_PLACE),
    *(pytest.param(case, id=f"6-python-{case.id}") for case in NO_PYTHON),
    *(pytest.param(case, id=f"7-messages-{case.id}") for case in MESSAGES),
    *(pytest.param(case, id=f"8-rules-{case.id}") for case in RULES),
    *(pytest.param(case, id=f"20C-forged-{case.id}") for case in FORGED_LINES),
    *(pytest.param(case, id=f"20G-lax-{case.id}") for case in LAX_TYPES),
    *(pytest.param(case, id=f"20I-older-{case.id}") for case in OLDER),
]

PROJECT = "name: breeze-infra\nruntime: python\nstackConfigDir: stacks\n"


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


@pytest.mark.parametrize("case", TABLE)
def test_hostile_input(case: Case, cli: CliRun, tmp_path: Path) -> None:
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


# Rows that need more than a table row: a real pipe, a closed stream, links, a FIFO, a clock.


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return project(tmp_path, Case("base", (), ""))


def _bare(*args: str, cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
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


def test_2_output_onto_a_symlink_writes_its_target_and_keeps_the_link(root: Path) -> None:
    (root / "real.json").write_text("old\n")
    (root / "link.json").symlink_to("real.json")
    result = _bare("manifest", "--stack", "dev", "-o", "link.json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "link.json").is_symlink()
    assert json.loads((root / "real.json").read_text())["environment"] == "dev"


def test_2_output_to_dev_stdout_is_written_in_place(root: Path) -> None:
    result = _bare("manifest", "--stack", "dev", "-o", "/dev/stdout", cwd=root)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["environment"] == "dev"


def test_2_a_symlink_loop_is_one_line(root: Path) -> None:
    (root / "a.json").symlink_to("b.json")
    (root / "b.json").symlink_to("a.json")
    result = _bare("manifest", "--stack", "dev", "-o", "a.json", cwd=root)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "a.json: cannot be written (Too many levels of symbolic links)"
    ]


def test_2_a_symlink_in_the_output_folder_is_not_followed_out_of_it(
    root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("keep\n")
    (root / "out").mkdir()
    (root / "out" / "dev-alice.json").symlink_to(outside)
    (root / STACK).write_text(stack_yaml(CONSUMERS))
    result = _bare("manifest", "--stack", "dev", "--all-consumers", "-o", "out", cwd=root)
    assert result.returncode == 2
    assert "out/dev-alice.json: exists and is not a regular file" in result.stderr
    assert outside.read_text() == "keep\n"
    assert sorted(p.name for p in (root / "out").iterdir()) == ["dev-alice.json"]


def test_2_a_complete_set_is_written_whole(root: Path) -> None:
    (root / STACK).write_text(stack_yaml(CONSUMERS))
    (root / "out").mkdir()
    result = _bare("manifest", "--stack", "dev", "--all-consumers", "-o", "out", cwd=root)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (root / "out").iterdir()) == ["dev-alice.json", "dev-bob.json"]


def test_2_an_output_folder_that_cannot_be_made_is_one_line_and_leaves_nothing(
    root: Path,
) -> None:
    """Root can write anywhere, so the unwritable place is one under a regular file."""
    (root / STACK).write_text(stack_yaml(CONSUMERS))
    (root / "blocker").write_text("keep\n")
    result = _bare("manifest", "--stack", "dev", "--all-consumers", "-o", "blocker/out", cwd=root)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("blocker/out")
    assert "Error" not in result.stderr
    assert (root / "blocker").read_text() == "keep\n"


def test_2_a_failed_rename_leaves_no_temporary_and_no_partial_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from breeze_infra import output

    folder = tmp_path / "out"
    folder.mkdir()
    real_replace = Path.replace
    calls: list[Path] = []

    def flaky(self: Path, target: Path) -> Path:
        calls.append(Path(target))
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", flaky)
    files = [output.Planned("a.json", "1", "a"), output.Planned("b.json", "2", "b")]
    with pytest.raises(output.WriteError, match=r"a.json: cannot be written \(No space left"):
        output.write_set(folder, files, private=False)
    assert list(folder.iterdir()) == []


def test_2_a_rename_failing_midway_puts_the_previous_set_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from breeze_infra import output

    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.json").write_text("old a")
    (folder / "b.json").write_text("old b")
    real_replace = Path.replace

    def flaky(self: Path, target: Path) -> Path:
        if Path(target).name == "b.json" and ".previous." not in self.name:
            raise OSError(5, "Input/output error")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", flaky)
    files = [output.Planned("a.json", "new a", "a"), output.Planned("b.json", "new b", "b")]
    with pytest.raises(
        output.WriteError, match=r"b\.json: cannot be written .*nothing was written"
    ):
        output.write_set(folder, files, private=False)
    assert {p.name: p.read_text() for p in folder.iterdir()} == {
        "a.json": "old a",
        "b.json": "old b",
    }


def test_6_a_stack_file_that_is_a_symlink_loop_is_one_line(root: Path) -> None:
    (root / "stacks" / "Pulumi.l1.yaml").symlink_to("Pulumi.l2.yaml")
    (root / "stacks" / "Pulumi.l2.yaml").symlink_to("Pulumi.l1.yaml")
    result = _bare("validate", "--stack", "l1", cwd=root)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "stacks/Pulumi.l1.yaml: cannot be read (Too many levels of symbolic links)"
    ]


def test_8_a_fifo_named_like_a_stack_file_does_not_hang_validate(root: Path) -> None:
    os.mkfifo(root / "stacks" / "Pulumi.pipe.yaml")
    result = _bare("validate", cwd=root)
    assert result.returncode == 2
    assert "stacks/Pulumi.pipe.yaml: is not a regular file" in result.stderr
    assert "stacks/Pulumi.dev.yaml: ok" in result.stdout


@pytest.mark.parametrize(
    "now", ["2026-11-25 09:30:00Z", "2026-11-25t09:30:00z", "2026-11-25 10:30:00.5+01:00"]
)
def test_8_breeze_now_takes_rfc3339_as_pulumi_does(root: Path, now: str, cli: CliRun) -> None:
    result = cli("manifest", "--stack", "dev", env={"BREEZE_NOW": now}, cwd=root)
    assert result.returncode == 0, result.stderr


def test_8_yaml_merge_keys_and_hex_are_read_as_pulumi_reads_them(root: Path, cli: CliRun) -> None:
    (root / STACK).write_text(stack_yaml("  breeze-infra:token:", "    <<: {rotationDays: 0x1E}"))
    result = cli("validate", "--stack", "dev", cwd=root)
    assert result.returncode == 0, result.stderr


def test_8_the_production_ip_rule_takes_a_slash_zero_for_no_allow_list() -> None:
    from breeze_guardrails.facts import ACCOUNT_TOKEN
    from breeze_guardrails.rules import prod_ip_allow_list

    def props(*cidrs: str) -> dict[str, object]:
        return {"condition": {"requestIp": {"ins": list(cidrs)}}}

    assert prod_ip_allow_list(ACCOUNT_TOKEN, props("0.0.0.0/0"), "prod")
    assert prod_ip_allow_list(ACCOUNT_TOKEN, props("192.0.2.0/24", "::/0"), "prod")
    assert prod_ip_allow_list(ACCOUNT_TOKEN, props("not a network"), "prod")
    assert not prod_ip_allow_list(ACCOUNT_TOKEN, props("192.0.2.0/24"), "prod")


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


# 7. Cloudflare's answers are untrusted too: what doctor and validate --online echo of them.

BOOT = "cfat_HOSTILEbootstrap7d1f0c2a9b8e4d6f1a3c5e7b9d0f2a4"
KEY = "cfat_HOSTILEdeployed3c5e7b9d0f2a4c7d1f0c2a9b8e4d6f1"
FORGED = f"line one\n::error title=forged::pwned \x1b[2J\u202e {KEY}"


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [TokenInfo(BOOT), TokenInfo(KEY)]


def test_7_cloudflare_messages_are_escaped_and_masked_on_stdout(
    emu: CloudflareEmulator, stacks_dir: Path
) -> None:
    online = OnlineCli(emu, stacks_dir)
    online.stack("dev")
    emu.inject(
        f"/accounts/{emu.account_id}/ai/", [Fault.status(400, code=5006, message=FORGED)] * 8
    )
    doctor = online("doctor", "--stack", "dev", BREEZE_API_KEY=KEY, CLOUDFLARE_API_TOKEN=BOOT)
    emu.clear_faults()
    emu.inject("/accounts", [Fault.status(400, code=5006, message=FORGED)] * 8)
    validate = online("validate", "--online", "--stack", "dev", CLOUDFLARE_API_TOKEN=BOOT)
    for run in (doctor, validate):
        assert run.returncode in (1, 2)
        text = run.stdout + run.stderr
        assert "line one\\n::error" in text
        assert "\x1b" not in text and "\u202e" not in text
        assert "HOSTILE" not in text
        for line in text.splitlines():
            assert line.isprintable() and not line.startswith("::"), line
        assert not PYTHON_LEAK.search(run.stderr), run.stderr


def test_7_the_filter_holds_a_token_split_across_writes() -> None:
    import io

    from breeze_infra.messages import SafeStream

    sink = io.StringIO()
    stream = SafeStream(sink)
    stream.write("key " + KEY[:10])
    stream.write(KEY[10:] + " \x1b[31m\nnext")
    stream.flush()
    assert KEY not in sink.getvalue()
    assert sink.getvalue().startswith("key [value hidden") and "\\x1b[31m\nnext" in sink.getvalue()


def test_the_repository_root_is_untouched_by_the_table() -> None:
    """The table runs in tmp folders: the repo's own stacks and manifests are never written."""
    assert not (ROOT / "out").exists()


@pytest.mark.parametrize("case", LAX_TYPES[-3:], ids=lambda case: case.id)
def test_20_config_json_problems_still_print_the_json_document(
    case: Case, cli: CliRun, tmp_path: Path
) -> None:
    """``--config-json`` with NaN or 1e400 used to exit 1 with no ``--json`` document."""
    root = project(tmp_path, case)
    result = cli(*case.args, "--json", cwd=root)
    assert_kept_promise(result, 2)
    document = json.loads(result.stdout)
    assert document["exitCode"] == 2
    assert [f["message"] for f in document["findings"]] == [case.expect]


def test_20_gateway_null_is_off_as_the_schema_allows(root: Path, cli: CliRun) -> None:
    """Issue 20, G: the schema allowed `gateway: null` and validate refused it, naming a class."""
    (root / STACK).write_text(stack_yaml("  breeze-infra:gateway: null"))
    result = cli("validate", "--stack", "dev", cwd=root)
    assert result.returncode == 0, result.stderr
    synth = cli("synth", "--stack", "dev", cwd=root)
    assert synth.returncode == 0, synth.stderr
    assert "AiGateway" not in synth.stdout
