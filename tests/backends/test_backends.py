"""Secrets backends (``breeze-infra:secrets``): one table, the same promises for each backend.

For every backend, under the Pulumi mocks: which resources it registers and with what, that every
input carrying the key is a secret, the reference it publishes, that a rotation only changes secret
values of the same resources, the message when its extra is missing, and its config errors as
``breeze-infra validate`` prints them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pulumi
import pytest
import yaml

from breeze_infra.backends import backend_classes, base
from breeze_infra.config import ConfigError, parse_config
from breeze_infra.resources.delivery import TYPE_DELIVERY
from breeze_infra.sandbox.mocks import Registration, SynthResult, redact, synthesize, unwrap_secrets
from breeze_infra.stack_outputs import SECRET_MARKER
from tests.conftest import (
    ACCOUNT_ID,
    NOW,
    ROOT,
    SUBPROCESS_BOUND,
    CliRun,
    minimal_values,
    write_stack,
)

BASE_URL = f"https://api.cloudflare.com/client/v4/accounts/{ACCOUNT_ID}/ai/v1"
WEEK = {"rotationDays": 7}
NEXT_WINDOW = NOW + timedelta(days=7)


@dataclass(frozen=True)
class Case:
    entry: dict[str, Any]
    reference: str
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Resource type -> inputs it is registered with (at least these), secrets left out."""
    secret_inputs: dict[str, set[str]] = field(default_factory=dict)
    """Resource type -> the inputs that carry the key, each wrapped as a Pulumi secret."""
    notes: dict[str, str] = field(default_factory=dict)
    """Resource type -> the input (dotted path) holding the setup card beside the key: it
    changes with each window's dates, in place; it may be secret, and never holds the key."""


CASES: dict[str, Case] = {
    "pulumi-stack": Case(
        entry={"backend": "pulumi-stack"},
        reference="pulumi-stack://breeze-infra/prod/outputs/apiKey",
    ),
    "vault": Case(
        entry={"backend": "vault", "mount": "secret", "path": "breeze/prod", "namespace": "eng"},
        reference="vault:secret/breeze/prod?namespace=eng#apiKey",
        resources={
            "vault:kv/secretV2:SecretV2": {
                "mount": "secret",
                "name": "breeze/prod",
                "namespace": "eng",
            }
        },
        secret_inputs={"vault:kv/secretV2:SecretV2": {"dataJson"}},
        notes={"vault:kv/secretV2:SecretV2": "dataJson"},
    ),
    "aws-secrets-manager": Case(
        entry={
            "backend": "aws-secrets-manager",
            "name": "breeze/prod/workers-ai",
            "region": "eu-west-1",
            "kmsKeyId": "alias/breeze",
            "recoveryWindowInDays": 7,
        },
        reference="aws-secretsmanager:breeze/prod/workers-ai?region=eu-west-1#apiKey",
        resources={
            "aws:secretsmanager/secret:Secret": {
                "name": "breeze/prod/workers-ai",
                "region": "eu-west-1",
                "kmsKeyId": "alias/breeze",
                "recoveryWindowInDays": 7,
            },
            "aws:secretsmanager/secretVersion:SecretVersion": {"region": "eu-west-1"},
        },
        secret_inputs={"aws:secretsmanager/secretVersion:SecretVersion": {"secretString"}},
    ),
    "gcp-secret-manager": Case(
        entry={
            "backend": "gcp-secret-manager",
            "secretId": "breeze-prod-workers-ai",
            "project": "acme-prod",
            "replicaLocations": ["europe-west1", "europe-west4"],
        },
        reference="gcp-secretmanager:projects/acme-prod/secrets/breeze-prod-workers-ai"
        "/versions/latest#apiKey",
        resources={
            "gcp:secretmanager/secret:Secret": {
                "secretId": "breeze-prod-workers-ai",
                "project": "acme-prod",
                "replication": {
                    "userManaged": {
                        "replicas": [{"location": "europe-west1"}, {"location": "europe-west4"}]
                    }
                },
            },
            "gcp:secretmanager/secretVersion:SecretVersion": {},
        },
        secret_inputs={"gcp:secretmanager/secretVersion:SecretVersion": {"secretData"}},
    ),
    "azure-key-vault": Case(
        entry={
            "backend": "azure-key-vault",
            "vaultName": "acme-prod-kv",
            "resourceGroup": "rg-prod",
            "secretName": "workers-ai-prod",
        },
        reference="https://acme-prod-kv.vault.azure.net/secrets/workers-ai-prod#apiKey",
        resources={
            "azure-native:keyvault:Secret": {
                "vaultName": "acme-prod-kv",
                "resourceGroupName": "rg-prod",
                "secretName": "workers-ai-prod",
            }
        },
        secret_inputs={"azure-native:keyvault:Secret": {"properties"}},
    ),
    "github-actions": Case(
        entry={"backend": "github-actions", "repository": "acme/chat", "environment": "production"},
        reference="github:acme/chat/production#WORKERS_AI_API_KEY",
        resources={
            "pulumi:providers:github": {"owner": "acme"},
            "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": {
                "repository": "chat",
                "environment": "production",
                "secretName": "WORKERS_AI_API_KEY",
            },
            "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": {
                "repository": "chat",
                "environment": "production",
                "variableName": "WORKERS_AI_BASE_URL",
                "value": BASE_URL,
            },
        },
        secret_inputs={"github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": {"value"}},
    ),
    "esc": Case(
        entry={"backend": "esc", "organization": "acme", "environment": "workers-ai-prod"},
        reference="esc:acme/breeze/workers-ai-prod#apiKey",
        resources={
            "pulumiservice:index:Environment": {
                "organization": "acme",
                "project": "breeze",
                "name": "workers-ai-prod",
            }
        },
        secret_inputs={"pulumiservice:index:Environment": {"yaml"}},
    ),
    "onepassword": Case(
        entry={"backend": "onepassword", "vault": "abcdefghijklmnopqrstuvwxyz"},
        reference="op://abcdefghijklmnopqrstuvwxyz/Cloudflare Workers AI prod/password",
        resources={
            "onepassword:index/item:Item": {
                "vault": "abcdefghijklmnopqrstuvwxyz",
                "title": "Cloudflare Workers AI prod",
                "category": "password",
                "url": BASE_URL,
            }
        },
        secret_inputs={"onepassword:index/item:Item": {"password"}},
        notes={"onepassword:index/item:Item": "noteValue"},
    ),
    "kubernetes": Case(
        entry={"backend": "kubernetes", "name": "workers-ai", "namespace": "chat"},
        reference="k8s:chat/workers-ai#apiKey",
        resources={
            "kubernetes:core/v1:Secret": {
                "type": "Opaque",
                "metadata": {
                    "name": "workers-ai",
                    "namespace": "chat",
                    "labels": {"app.kubernetes.io/managed-by": "breeze-infra"},
                    "annotations": ANY,
                },
            }
        },
        secret_inputs={"kubernetes:core/v1:Secret": {"stringData"}},
        notes={"kubernetes:core/v1:Secret": "metadata.annotations.breeze-infra/card"},
    ),
}
ALL_NINE = [case.entry for case in CASES.values()]


def test_the_table_covers_every_backend() -> None:
    assert set(CASES) == set(backend_classes())


def run(entries: list[dict[str, Any]], now: Any = NOW, stack: str = "prod") -> SynthResult:
    return synthesize(stack, minimal_values(token=WEEK, secrets=entries), now)


def backend_resources(result: SynthResult) -> list[Registration]:
    delivery = [r.urn for r in result.components if r.type == TYPE_DELIVERY]
    return [r for r in result.registrations if r.parent in delivery]


def current_key(result: SynthResult) -> str:
    return str(result.outputs.get("apiKey") or _key_of(result))


def _key_of(result: SynthResult) -> str:
    name = result.outputs["tokenName"].split()[2]
    return result.issued[f"workers-ai-{name}"]


def text_of(value: Any) -> str:
    """Everything a reader of the registrations sees, assets included."""
    return json.dumps(value, default=lambda v: getattr(v, "text", None) or str(v))


def plain_inputs(registration: Registration) -> dict[str, Any]:
    redacted = redact(registration.inputs)
    return {k: v for k, v in redacted.items() if v != SECRET_MARKER}


@pytest.mark.parametrize("backend", CASES)
def test_registers_its_resources_with_these_inputs(backend: str) -> None:
    case = CASES[backend]
    resources = backend_resources(run([case.entry]))
    assert {r.type for r in resources} == set(case.resources)
    for registration in resources:
        inputs = plain_inputs(registration)
        assert case.resources[registration.type].items() <= inputs.items(), registration.type
        secret = {k for k, v in redact(registration.inputs).items() if v == SECRET_MARKER}
        carrying = case.secret_inputs.get(registration.type, set())
        assert secret - ({case.notes.get(registration.type)} - carrying) == carrying


@pytest.mark.parametrize("backend", CASES)
def test_every_input_carrying_the_key_is_secret(backend: str) -> None:
    result = run([CASES[backend].entry])
    key = current_key(result)
    visible = text_of([redact(r.inputs) for r in result.registrations])
    assert not any(known in visible for known in result.issued.values())
    for registration in backend_resources(result):
        for name in CASES[backend].secret_inputs.get(registration.type, ()):
            value, secret = unwrap_secrets(registration.inputs[name])
            assert secret and key in text_of(value), (registration.type, name)


@pytest.mark.parametrize("backend", CASES)
def test_the_reference_says_where_the_key_is_never_what_it_is(backend: str) -> None:
    case = CASES[backend]
    values = minimal_values(token=WEEK, secrets=[case.entry])
    result = synthesize("prod", values, NOW)
    offline = parse_config(values, "test").secrets[0].reference("prod")
    assert result.outputs["apiKeyRef"] == offline == case.reference
    assert result.outputs["manifest"]["credentials"][0]["apiKeyRef"] == case.reference
    assert not any(key in case.reference for key in result.issued.values())


@pytest.mark.parametrize("backend", CASES)
def test_each_backend_names_the_keys_place_for_a_person(backend: str) -> None:
    entry = parse_config(minimal_values(secrets=[CASES[backend].entry]), "test").secrets[0]
    place = entry.where("prod", "alice")
    assert place.split(":", 1)[0] not in ("", backend)
    assert "\n" not in place
    assert "cfat_" not in place


@pytest.mark.parametrize("backend", CASES)
def test_a_rotation_updates_the_same_resources_in_place(backend: str) -> None:
    before, after = run([CASES[backend].entry]), run([CASES[backend].entry], NEXT_WINDOW)
    assert current_key(before) != current_key(after)
    old, new = backend_resources(before), backend_resources(after)
    assert sorted((r.type, r.name) for r in old) == sorted((r.type, r.name) for r in new)
    for was, now in zip(
        sorted(old, key=lambda r: r.name), sorted(new, key=lambda r: r.name), strict=True
    ):
        note = CASES[backend].notes.get(now.type)
        assert without(plain_inputs(was), note) == without(plain_inputs(now), note)
        assert not now.replace_on_changes and not now.delete_before_replace
        for name in CASES[backend].secret_inputs.get(now.type, ()):
            assert current_key(after) in text_of(unwrap_secrets(now.inputs[name])[0])


def without(inputs: dict[str, Any], path: str | None) -> dict[str, Any]:
    """The inputs less the one holding the setup card (a dotted path)."""
    if path is None:
        return inputs
    head, _, rest = path.partition(".")
    if not rest or head not in inputs:
        return {k: v for k, v in inputs.items() if k != head}
    return {**inputs, head: without(dict(inputs.get(head) or {}), rest)}


def note_of(registration: Registration, path: str) -> str:
    value: Any = registration.inputs
    for part in path.split(".", 2):
        value = unwrap_secrets(value)[0][part]
    text = str(unwrap_secrets(value)[0])
    return str(json.loads(text)["card"]) if path == "dataJson" else text


@pytest.mark.parametrize("backend", sorted(name for name, case in CASES.items() if case.notes))
def test_the_setup_card_is_kept_beside_the_key_and_never_holds_it(backend: str) -> None:
    case = CASES[backend]
    result = run([case.entry])
    (registration,) = backend_resources(result)
    card = note_of(registration, case.notes[registration.type])
    assert card.startswith("# GPT Breeze setup for everyone (prod)")
    assert "Settings → Credentials → Add → Custom (OpenAI-compatible)" in card
    assert not any(key in card for key in result.issued.values())


@pytest.mark.parametrize("backend", sorted(set(CASES) - {"pulumi-stack"}))
def test_an_sdk_missing_outside_a_project_names_the_pip_command(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a pyproject.toml around (breeze_infra used by another program), what is
    importable counts; tests/test_install.py specifies the rule inside a uv project."""
    entry = backend_classes()[backend]
    monkeypatch.setattr(base, "find_spec", lambda name: None if name == entry.package else 1)
    with pytest.raises(ConfigError) as caught:
        parse_config(
            minimal_values(secrets=[CASES["pulumi-stack"].entry, CASES[backend].entry]), "x"
        )
    assert caught.value.lines() == [
        f"x: breeze-infra:secrets[1].backend: backend '{backend}' needs {entry.distribution}, "
        f"which is not installed where the program runs: run `uv add '{entry.requirement}'` in "
        f"a uv project, else `pip install '{entry.requirement}'`"
    ]


def test_the_default_is_the_stack_outputs_alone() -> None:
    result = synthesize("prod", minimal_values(), NOW)
    assert backend_resources(result) == []
    assert not result.of_type(TYPE_DELIVERY)
    assert result.outputs["apiKeyRef"] == CASES["pulumi-stack"].reference
    assert result.secret_outputs == {"apiKey"}


def test_api_key_is_a_stack_output_only_where_pulumi_stack_is_chosen() -> None:
    result = run([CASES["vault"].entry])
    assert "apiKey" not in result.outputs
    assert result.outputs["baseUrl"] == BASE_URL
    assert result.outputs["apiKeyRef"] == CASES["vault"].reference


def test_all_nine_at_once_the_first_is_primary() -> None:
    result = run(ALL_NINE)
    assert {r.type for r in backend_resources(result)} == {
        t for case in CASES.values() for t in case.resources
    }
    assert result.outputs["apiKeyRef"] == CASES["pulumi-stack"].reference
    assert result.secret_outputs == {"apiKey"}
    moved = run([*ALL_NINE[1:], ALL_NINE[0]])
    assert moved.outputs["apiKeyRef"] == CASES["vault"].reference
    assert sorted(r.urn for r in backend_resources(moved)) == sorted(
        r.urn for r in backend_resources(result)
    )


def test_the_esc_definition_exposes_both_values_as_environment_variables() -> None:
    result = run([CASES["esc"].entry])
    (environment,) = backend_resources(result)
    asset, secret = unwrap_secrets(environment.inputs["yaml"])
    assert secret and isinstance(asset, pulumi.StringAsset)
    definition = yaml.safe_load(asset.text)
    assert definition == {
        "values": {
            "baseUrl": BASE_URL,
            "apiKey": {"fn::secret": current_key(result)},
            "environmentVariables": {
                "WORKERS_AI_BASE_URL": "${baseUrl}",
                "WORKERS_AI_API_KEY": "${apiKey}",
            },
        }
    }


@pytest.mark.parametrize("backend", ["vault", "aws-secrets-manager", "gcp-secret-manager"])
def test_document_stores_hold_base_url_and_key_as_json(backend: str) -> None:
    result = run([CASES[backend].entry])
    (name,) = {n for names in CASES[backend].secret_inputs.values() for n in names}
    (holder,) = [r for r in backend_resources(result) if name in r.inputs]
    document, _ = unwrap_secrets(holder.inputs[name])
    held = json.loads(document)
    if backend == "vault":
        assert held.pop("card").startswith("# GPT Breeze setup")
    assert held == {"baseUrl": BASE_URL, "apiKey": current_key(result)}


def test_github_without_environment_writes_repository_secret_and_variable() -> None:
    entry = {"backend": "github-actions", "repository": "acme/chat", "apiKeySecretName": "CF_KEY"}
    resources = {r.type: plain_inputs(r) for r in backend_resources(run([entry]))}
    assert resources["github:index/actionsSecret:ActionsSecret"]["secretName"] == "CF_KEY"
    assert resources["github:index/actionsVariable:ActionsVariable"]["value"] == BASE_URL
    assert run([entry]).outputs["apiKeyRef"] == "github:acme/chat#CF_KEY"


CONFIG_ERRORS = [
    (
        {"backend": "vault", "mount": "secret", "path": "breeze/prod", "colour": "blue"},
        "breeze-infra:secrets[1].colour: unknown key (a typo?)",
    ),
    (
        {"backend": "github-actions", "repository": "acme"},
        "breeze-infra:secrets[1].repository: 'acme' is not a GitHub repository; "
        "expected owner/name",
    ),
    (
        {"backend": "kubernetes", "namespace": "chat"},
        "breeze-infra:secrets[1].name: required key is missing",
    ),
    (
        {"backend": "pulumi-stack"},
        "breeze-infra:secrets[1]: writes to the same pulumi-stack target as secrets[0]",
    ),
    (
        {"backend": "sops"},
        "breeze-infra:secrets[1].backend: 'sops' is not a secrets backend; expected one of "
        + ", ".join(backend_classes()),
    ),
    (
        {"backend": "aws-secrets-manager", "name": "x", "recoveryWindowInDays": 3},
        "breeze-infra:secrets[1].recoveryWindowInDays: 3 is not 0 or a number of days from 7 to 30",
    ),
]


@pytest.mark.parametrize(("entry", "expected"), CONFIG_ERRORS)
def test_config_errors_are_one_line_naming_file_and_key(
    cli: CliRun, stacks_dir: Path, entry: dict[str, Any], expected: str
) -> None:
    values = minimal_values(secrets=[{"backend": "pulumi-stack"}, entry])
    write_stack(stacks_dir, "prod", stack_yaml(values))
    done = cli("--stacks-dir", str(stacks_dir), "validate", "--stack", "prod")
    assert done.returncode == 2
    source = os.path.relpath(stacks_dir / "Pulumi.prod.yaml", ROOT)
    assert done.stderr.splitlines() == [f"{source}: {expected}"]


def test_a_duplicate_target_is_found_whatever_else_the_entries_say() -> None:
    first = {"backend": "github-actions", "repository": "Acme/Chat", "environment": "prod"}
    second = {**first, "repository": "acme/chat", "apiKeySecretName": "OTHER"}
    with pytest.raises(ConfigError) as caught:
        parse_config(minimal_values(secrets=[first, second]), "x")
    assert caught.value.lines() == [
        "x: breeze-infra:secrets[1]: writes to the same github-actions target "
        "'acme/chat/prod' as secrets[0]"
    ]


def stack_yaml(values: dict[str, Any]) -> str:
    return yaml.safe_dump({"config": {f"breeze-infra:{k}": v for k, v in values.items()}})


def test_synth_shows_every_backend_and_never_the_key(cli: CliRun, stacks_dir: Path) -> None:
    values = minimal_values(token=WEEK, secrets=ALL_NINE)
    write_stack(stacks_dir, "prod", stack_yaml(values))
    done = cli("--stacks-dir", str(stacks_dir), "synth", "--stack", "prod", cwd=stacks_dir.parent)
    assert done.returncode == 0, done.stderr
    expected = synthesize("prod", values, NOW)
    assert all(t in done.stdout for case in CASES.values() for t in case.resources)
    assert not any(key in done.stdout + done.stderr for key in expected.issued.values())


PROBE = """
import json, sys
from datetime import datetime, timezone
from breeze_infra.sandbox.mocks import synthesize
synthesize("prod", json.loads(sys.argv[1]), datetime(2026, 11, 25, tzinfo=timezone.utc))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2].split(","))))
"""


@pytest.mark.parametrize("backend", ["pulumi-stack", "vault"])
def test_a_provider_sdk_is_imported_only_when_a_stack_uses_it(backend: str, tmp_path: Path) -> None:
    sdks = {entry.package for entry in backend_classes().values() if entry.package}
    values = minimal_values(secrets=[CASES[backend].entry])
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(values), ",".join(sorted(sdks))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=SUBPROCESS_BOUND,
    )
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert loaded == ({backend_classes()[backend].package} - {None})


def test_the_offline_manifest_of_a_nine_backend_stack_loads_no_pulumi(stacks_dir: Path) -> None:
    write_stack(stacks_dir, "prod", stack_yaml(minimal_values(secrets=ALL_NINE)))
    probe = (
        "import sys; from breeze_infra.cli import main; "
        f"code = main(['--stacks-dir', {str(stacks_dir)!r}, 'manifest', '--stack', 'prod', "
        f"'-o', {os.devnull!r}]); "
        "print(code, sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["0", "[]"]
