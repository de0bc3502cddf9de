"""Every way a user writes config gives one verdict, offline and under ``pulumi up``.

Each row is a ``pulumi config set`` form (or a hand-written line), the YAML Pulumi writes for it,
and the text the engine hands the program for that key. ``validate`` reads the file; the program
reads the engine's map through Pulumi's runtime config: both must accept, or reject with the same
lines. The real engine's half of this is the e2e corpus (tests/e2e).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest

from breeze_infra.config import ConfigError, StackConfig, UncheckedConfig
from breeze_infra.project import Project
from breeze_infra.sandbox.mocks import synthesize
from breeze_infra.stacks import load_resolved, load_stack, read_stack_file
from tests.conftest import ACCOUNT_ID, NOW, ROOT

BASE = f"""config:
  breeze-infra:accountId: {ACCOUNT_ID}
  breeze-infra:models:
    - id: '@cf/meta/llama-3.1-8b-instruct'
"""
BASE_SETTINGS = {
    "breeze-infra:accountId": ACCOUNT_ID,
    "breeze-infra:models": '[{"id":"@cf/meta/llama-3.1-8b-instruct"}]',
}
HINT = "not a key; did you mean `pulumi config set --path 'breeze-infra:token.rotationDays' VALUE`?"
SOURCE = "stacks/Pulumi.forms.yaml"

# (what the user ran, the lines Pulumi writes under config:, the engine's text for that key,
#  what the stack reads as (a check on StackConfig) or the problem lines)
FORMS: list[tuple[str, str, dict[str, str], Any]] = [
    (
        "config set --path breeze-infra:token.rotationDays 7",
        "  breeze-infra:token:\n    rotationDays: 7\n",
        {"breeze-infra:token": '{"rotationDays":7}'},
        lambda c: c.token.rotation_days == 7,
    ),
    (
        "config set --path --type string breeze-infra:token.rotationDays 7",
        '  breeze-infra:token:\n    rotationDays: "7"\n',
        {"breeze-infra:token": '{"rotationDays":"7"}'},
        lambda c: c.token.rotation_days == 7,
    ),
    (
        """config set breeze-infra:token '{"rotationDays": 7}'""",
        """  breeze-infra:token: '{"rotationDays": 7}'\n""",
        {"breeze-infra:token": '{"rotationDays": 7}'},
        lambda c: c.token.rotation_days == 7,
    ),
    (
        "config set --path 'breeze-infra:consumers[0].name' 42",
        "  breeze-infra:consumers:\n    - name: 42\n",
        {"breeze-infra:consumers": '[{"name":42}]'},
        lambda c: [x.name for x in c.consumers] == ["42"],
    ),
    (
        "config set --path breeze-infra:token.generation 07 (a leading zero stays text)",
        '  breeze-infra:token:\n    generation: "07"\n',
        {"breeze-infra:token": '{"generation":"07"}'},
        lambda c: c.token.generation == 7,
    ),
    (
        "config set --path 'breeze-infra:consumers[0].revoked' true",
        "  breeze-infra:consumers:\n    - name: alice\n      revoked: true\n",
        {"breeze-infra:consumers": '[{"name":"alice","revoked":true}]'},
        lambda c: c.consumers[0].revoked is True,
    ),
    (
        "config set --path 'breeze-infra:models[0].contextLength' 128000",
        "  breeze-infra:models:\n    - id: '@cf/meta/llama-3.1-8b-instruct'\n"
        "      contextLength: 128000\n",
        {"breeze-infra:models": '[{"contextLength":128000,"id":"@cf/meta/llama-3.1-8b-instruct"}]'},
        lambda c: c.models[0].context_length == 128000,
    ),
    (
        "hand-written: rotationDays: 0x1E",
        "  breeze-infra:token:\n    rotationDays: 0x1E\n",
        {"breeze-infra:token": '{"rotationDays":30}'},
        lambda c: c.token.rotation_days == 30,
    ),
    (
        "hand-written: the old breeze-infra:config:<key> form",
        "  breeze-infra:config:credentialName: Team AI\n",
        {"breeze-infra:credentialName": "Team AI"},
        lambda c: c.credential_name == "Team AI",
    ),
    (
        "config set breeze-infra:token.rotationDays 7 (no --path)",
        '  breeze-infra:token.rotationDays: "7"\n',
        {"breeze-infra:token.rotationDays": "7"},
        [f"{SOURCE}: breeze-infra:token.rotationDays: {HINT}"],
    ),
    (
        "config set --path breeze-infra:token.rotationDays seven",
        "  breeze-infra:token:\n    rotationDays: seven\n",
        {"breeze-infra:token": '{"rotationDays":"seven"}'},
        [
            f"{SOURCE}: breeze-infra:token.rotationDays: Input should be a valid integer, "
            'unable to parse string as an integer (got "seven")'
        ],
    ),
    (
        "hand-written: breeze-infra:config:modles (a typo in the old form)",
        "  breeze-infra:config:modles: []\n",
        {"breeze-infra:modles": "[]"},
        [f"{SOURCE}: breeze-infra:modles: unknown key (did you mean `models`?)"],
    ),
    (
        "hand-written: a permission listed twice",
        "  breeze-infra:token:\n    permissions: [read, read]\n",
        {"breeze-infra:token": '{"permissions":["read","read"]}'},
        [f"{SOURCE}: breeze-infra:token.permissions: each permission may be listed once"],
    ),
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Pulumi project folder, the working directory as under ``pulumi up``."""
    (tmp_path / "Pulumi.yaml").write_text(
        "name: breeze-infra\nruntime: python\nstackConfigDir: stacks\n", encoding="utf-8"
    )
    (tmp_path / "stacks").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _offline(path: Path) -> StackConfig | list[str]:
    try:
        return load_stack(path)
    except ConfigError as exc:
        return exc.lines()


def _program(settings: dict[str, str], secret: list[str] | None = None) -> list[str] | None:
    try:
        synthesize("forms", {}, NOW, settings=settings, secret_keys=secret or [])
    except pulumi.RunError as exc:
        return str(exc).splitlines()
    return None


@pytest.mark.parametrize(("form", "lines", "engine", "verdict"), FORMS, ids=[f[0] for f in FORMS])
def test_validate_and_the_program_agree_on_every_config_set_form(
    project: Path, form: str, lines: str, engine: dict[str, str], verdict: Any
) -> None:
    text = BASE + lines
    if "breeze-infra:models:" in lines:
        text = f"config:\n  breeze-infra:accountId: {ACCOUNT_ID}\n" + lines
    path = project / "stacks" / "Pulumi.forms.yaml"
    path.write_text(text, encoding="utf-8")
    settings = {**BASE_SETTINGS, **engine}
    assert read_stack_file(path).settings == settings
    offline = _offline(path)
    from_program = _program(settings)
    if callable(verdict):
        assert isinstance(offline, StackConfig), offline
        assert verdict(offline)
        assert from_program is None
    else:
        assert offline == verdict
        assert from_program == verdict


def test_a_secret_value_is_refused_alike_without_being_shown(project: Path) -> None:
    key = "cfat_" + "K" * 40
    path = project / "stacks" / "Pulumi.forms.yaml"
    path.write_text(BASE + "  breeze-infra:credentialName:\n    secure: v1:AAAA\n", "utf-8")
    expected = [
        f"{SOURCE}: breeze-infra:credentialName: is an encrypted (secure) value; "
        "breeze-infra settings are not secret, set it in plain text"
    ]
    assert _offline(path) == expected
    decrypted = {**BASE_SETTINGS, "breeze-infra:credentialName": key}
    assert _program(decrypted, ["breeze-infra:credentialName"]) == expected


def test_the_namespace_and_the_key_reference_follow_the_projects_name(project: Path) -> None:
    (project / "Pulumi.yaml").write_text("name: acme-ai\nruntime: python\nstackConfigDir: stacks\n")
    path = project / "stacks" / "Pulumi.dev.yaml"
    path.write_text(BASE.replace("breeze-infra:", "acme-ai:"), encoding="utf-8")
    config = load_stack(path)
    from breeze_infra.consumers import audiences

    assert audiences(config)[0].reference("dev") == "pulumi-stack://acme-ai/dev/outputs/apiKey"
    path.write_text(BASE.replace("breeze-infra:", "acme-ai:") + "  acme-ai:colour: blue\n")
    assert _offline(path) == [
        f"{Path('stacks/Pulumi.dev.yaml')}: acme-ai:colour: unknown key (a typo?)"
    ]


def test_project_level_defaults_apply_where_the_stack_is_silent(project: Path) -> None:
    (project / "Pulumi.yaml").write_text(
        "name: breeze-infra\nruntime: python\nstackConfigDir: stacks\n"
        "config:\n  credentialName:\n    default: Team AI\n  breeze-infra:token:\n"
        "    value: {rotationDays: 3}\n  aws:region: eu-west-1\n",
        encoding="utf-8",
    )
    path = project / "stacks" / "Pulumi.dev.yaml"
    path.write_text(BASE + "  breeze-infra:credentialName: Mine\n", encoding="utf-8")
    config = load_stack(path)
    assert (config.credential_name, config.token.rotation_days) == ("Mine", 3)


def test_keys_an_esc_environment_may_provide_are_reported_unchecked_not_missing(
    project: Path,
) -> None:
    path = project / "stacks" / "Pulumi.dev.yaml"
    path.write_text("environment:\n  - ai/dev\nconfig:\n  breeze-infra:models: []\n")
    with pytest.raises(ConfigError) as wrong:
        load_stack(path)
    assert not isinstance(wrong.value, UncheckedConfig)  # an empty list is wrong wherever it is
    path.write_text("environment:\n  - ai/dev\nconfig: {}\n")
    with pytest.raises(UncheckedConfig) as unchecked:
        load_stack(path)
    assert [line.split(": ", 2)[1] for line in unchecked.value.lines()] == [
        "breeze-infra:accountId",
        "breeze-infra:models",
    ]
    assert "may come from the ESC environment(s) 'ai/dev'" in unchecked.value.lines()[0]


def test_the_resolved_config_of_pulumi_config_json_is_checked_like_the_file(project: Path) -> None:
    printed = {
        "breeze-infra:accountId": {"value": ACCOUNT_ID, "secret": False},
        "breeze-infra:models": {
            "value": '[{"id":"@cf/meta/llama-3.1-8b-instruct"}]',
            "objectValue": [{"id": "@cf/meta/llama-3.1-8b-instruct"}],
            "secret": False,
        },
        "cloudflare:apiToken": {"secret": True},
    }
    config = load_resolved(printed, "config.json", "dev", project / "stacks")
    assert config.account_id == ACCOUNT_ID
    printed["breeze-infra:credentialName"] = {"secret": True}
    with pytest.raises(ConfigError, match="credentialName: is an encrypted"):
        load_resolved(json.loads(json.dumps(printed)), "config.json", "dev", project / "stacks")


def test_a_key_pulumi_yaml_declares_without_default_must_be_set(project: Path) -> None:
    (project / "Pulumi.yaml").write_text(
        "name: breeze-infra\nruntime: python\nstackConfigDir: stacks\n"
        "config:\n  credentialName:\n    type: string\n",
        encoding="utf-8",
    )
    path = project / "stacks" / "Pulumi.dev.yaml"
    path.write_text(BASE, encoding="utf-8")
    assert _offline(path) == [
        f"{Path('stacks/Pulumi.dev.yaml')}: breeze-infra:credentialName: missing: Pulumi.yaml "
        "declares it with no default"
    ]
    path.write_text(BASE + "  breeze-infra:credentialName: Team\n", encoding="utf-8")
    assert isinstance(_offline(path), StackConfig)


def test_values_read_as_the_engines_round_trip_leaves_them(project: Path) -> None:
    """Keys without a namespace are the project's; an empty value is empty text, not 'null'."""
    path = project / "stacks" / "Pulumi.forms.yaml"
    path.write_text(
        f"config:\n  accountId: {ACCOUNT_ID}\n  models: [{{id: '@cf/a/b', contextLength: 1e3}}]\n"
        "  credentialName:\n",
        encoding="utf-8",
    )
    settings = read_stack_file(path).settings
    assert settings["breeze-infra:credentialName"] == ""
    assert settings["breeze-infra:models"] == '[{"contextLength":1000,"id":"@cf/a/b"}]'
    lines = _offline(path)
    assert lines == _program(settings)
    assert lines == [
        f'{SOURCE}: breeze-infra:credentialName: String should have at least 1 character (got "")'
    ]


COMMITTED = sorted((ROOT / "stacks").glob("Pulumi.*.yaml")) + sorted(
    (ROOT / "examples" / "stacks").glob("Pulumi.*.yaml")
)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_committed_stack_files_read_as_before_and_under_any_project_name(
    path: Path, tmp_path: Path
) -> None:
    """The committed files write keys without a namespace so that a project made from this one
    with ``pulumi new --name acme-ai`` reads them. A deployed project named ``breeze-infra`` must
    get the very map it got from the ``breeze-infra:`` keys, so no input and no token changes."""
    text = path.read_text(encoding="utf-8")
    assert "breeze-infra:" not in text
    namespaced = re.sub(r"(?m)^  (\w+):(?=\s)", r"  breeze-infra:\1:", text)
    assert namespaced != text
    before = tmp_path / path.name
    before.write_text(namespaced, encoding="utf-8")
    ours = Project(root=ROOT, name="breeze-infra", stack_config_dir="stacks")
    settings = read_stack_file(path, ours).settings
    assert settings == read_stack_file(before, ours).settings
    assert any(key.startswith("breeze-infra:accountId") for key in settings)
    acme = Project(root=ROOT, name="acme-ai", stack_config_dir="stacks")
    assert read_stack_file(path, acme).settings == {
        key.replace("breeze-infra:", "acme-ai:", 1): value for key, value in settings.items()
    }
