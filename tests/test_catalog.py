"""Spec of the model catalog: parsing, the pure checks, and ``validate --online``/``manifest --online``.

The pure checks run in-process; the commands run as a user runs them, in a subprocess against the
local emulator, whose request log proves how many catalog requests a run made.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from breeze_infra.catalog import (
    Catalog,
    CatalogFormatError,
    CatalogModel,
    check_models,
    context_lengths,
    fetch_catalog,
    parse_catalog,
    parse_model,
)
from breeze_infra.cloudflare import ClientSettings, CloudflareClient
from breeze_infra.config import ModelSpec
from breeze_infra.sandbox.emulator import (
    CloudflareEmulator,
    Fault,
    Model,
    TokenInfo,
    default_catalog,
)
from tests.conftest import ROOT
from tests.online_cli import BOOTSTRAP, CHAT, WRONG_ACCOUNT, OnlineCli

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SUMMARISER = "@cf/facebook/bart-large-cnn"
EMBEDDER = "@cf/baai/bge-large-en-v1.5"
DEPRECATED = "@cf/meta/llama-2-7b-chat-int8"


def catalog() -> Catalog:
    return parse_catalog("acc", [m.to_json() for m in default_catalog()])


def specs(*models: str | tuple[str, int]) -> list[ModelSpec]:
    return [
        ModelSpec.model_validate(
            {"id": m} if isinstance(m, str) else {"id": m[0], "contextLength": m[1]}
        )
        for m in models
    ]


def test_an_item_becomes_a_typed_model_with_numbers_and_dates_parsed() -> None:
    item = {
        "id": "a2f1c2de-0000-4000-8000-000000000000",
        "name": "@cf/meta/llama-2-7b-chat-int8",
        "description": "Quantized Llama 2",
        "task": {"id": "t", "name": "Text Generation", "description": "..."},
        "properties": [
            {"property_id": "context_window", "value": "8192"},
            {"property_id": "planned_deprecation_date", "value": "2025-10-01"},
            {"property_id": "price", "value": [{"unit": "per M input tokens", "price": 0.1}]},
            {"property_id": "terms", "value": {"name": "Licence", "must_accept": True}},
            {"property_id": "beta", "value": "true"},
        ],
    }
    model = parse_model(item)
    assert model.name == "@cf/meta/llama-2-7b-chat-int8"
    assert model.task == "Text Generation"
    assert model.serves_chat
    assert model.context_window == 8192
    assert model.deprecation_date == date(2025, 10, 1)
    assert model.properties["price"] == [{"unit": "per M input tokens", "price": 0.1}]
    assert model.properties["terms"] == {"name": "Licence", "must_accept": True}
    assert model.properties["beta"] == "true"


def test_values_that_do_not_parse_are_kept_as_sent() -> None:
    model = parse_model(
        {
            "name": "@cf/x/y",
            "task": {"name": "Text Generation"},
            "properties": [
                {"property_id": "context_window", "value": "large"},
                {"property_id": "planned_deprecation_date", "value": "soon"},
            ],
        }
    )
    assert model.context_window is None
    assert model.properties["context_window"] == "large"
    assert model.deprecation_date is None
    assert model.properties["planned_deprecation_date"] == "soon"


def test_embedding_models_fall_back_to_max_input_tokens() -> None:
    assert catalog().models[EMBEDDER].context_window == 512


@pytest.mark.parametrize("item", [["not", "an", "object"], {"task": {"name": "Text Generation"}}])
def test_items_without_a_name_are_refused(item: object) -> None:
    with pytest.raises(CatalogFormatError):
        parse_model(item)


def test_catalog_models_are_immutable() -> None:
    model = catalog().models[CHAT[0]]
    with pytest.raises(TypeError):
        model.properties["context_window"] = 1  # type: ignore[index]


def test_chat_models_in_the_catalog_raise_no_findings() -> None:
    assert check_models(specs(*CHAT), catalog(), NOW) == ()


def test_a_non_chat_model_is_an_error_naming_its_real_task() -> None:
    (summariser, embedder) = check_models(specs(SUMMARISER, EMBEDDER), catalog(), NOW)
    assert summariser.severity == "error"
    assert summariser.key_path == "breeze-infra:models[0].id"
    assert summariser.message == (
        "`@cf/facebook/bart-large-cnn` is a Summarization model; GPT Breeze calls "
        "/chat/completions, which it does not serve"
    )
    assert embedder.message.startswith("`@cf/baai/bge-large-en-v1.5` is a Text Embeddings model;")
    automatic = CatalogModel("@cf/openai/whisper", "Automatic Speech Recognition")
    (finding,) = check_models(
        specs("@cf/openai/whisper"), Catalog("a", {automatic.name: automatic}), NOW
    )
    assert "is an Automatic Speech Recognition model" in finding.message


def test_an_unknown_model_is_an_error_that_suggests_the_likely_id() -> None:
    (finding,) = check_models(specs(CHAT[0], "@cf/meta/llama-3.1-8b-instrct"), catalog(), NOW)
    assert finding.severity == "error"
    assert finding.index == 1
    assert "`@cf/meta/llama-3.1-8b-instrct` is not in the Workers AI catalog of account acc" in (
        finding.message
    )
    assert finding.message.endswith("(did you mean `@cf/meta/llama-3.1-8b-instruct`?)")


def test_a_past_deprecation_date_warns_relative_to_the_injected_clock() -> None:
    before = datetime(2025, 9, 30, 23, 0, tzinfo=UTC)
    assert check_models(specs(DEPRECATED), catalog(), before) == ()
    (finding,) = check_models(specs(DEPRECATED), catalog(), NOW)
    assert finding.severity == "warning"
    assert "was due for deprecation on 2025-10-01" in finding.message


def test_a_context_length_beyond_the_models_window_warns() -> None:
    (finding,) = check_models(specs((CHAT[0], 128000)), catalog(), NOW)
    assert finding.severity == "warning"
    assert finding.key_path == "breeze-infra:models[0].contextLength"
    assert "7968-token context window" in finding.message
    assert check_models(specs((CHAT[0], 4096)), catalog(), NOW) == ()


def test_context_lengths_fill_only_chat_models_the_config_leaves_open() -> None:
    models = specs((CHAT[0], 4096), CHAT[1], SUMMARISER, "@cf/unknown/model")
    assert context_lengths(models, catalog()) == {1: 128000}


def test_fetch_follows_pages_and_makes_one_listing() -> None:
    extra = [Model(f"@cf/bench/model-{i:03d}", "Text Generation") for i in range(130)]
    with CloudflareEmulator(tokens=[TokenInfo(BOOTSTRAP)], models=default_catalog() + extra) as emu:

        async def fetch() -> Catalog:
            settings = ClientSettings(deadline=10)
            async with CloudflareClient(BOOTSTRAP, base_url=emu.base_url, settings=settings) as c:
                return await fetch_catalog(c, emu.account_id)

        found = asyncio.run(fetch())
        assert len(found) == 146
        pages = [r.query["page"] for r in emu.requests]
        assert pages == [["1"], ["2"]]
        assert {r.query["per_page"][0] for r in emu.requests} == {"100"}


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [TokenInfo(BOOTSTRAP)]


@pytest.fixture
def online(emu: CloudflareEmulator, stacks_dir: Path) -> OnlineCli:
    return OnlineCli(emu, stacks_dir)


def test_validate_online_passes_a_stack_of_chat_models(online: OnlineCli) -> None:
    path = online.stack("dev")
    result = online("validate", "--online", "--stack", "dev")
    assert result.returncode == 0, result.stderr
    assert result.out_lines == [
        f"{online.relative(path)}: ok (3 models checked against the Workers AI catalog of "
        f"account {online.emu.account_id})"
    ]
    assert result.stderr == ""


def test_validate_online_names_non_chat_and_unknown_models_by_file_and_key(
    online: OnlineCli,
) -> None:
    path = online.stack("prod", [CHAT[0], SUMMARISER, EMBEDDER, "@cf/meta/llama-9-imaginary"])
    result = online("validate", "--online", "--stack", "prod")
    assert result.returncode == 2
    shown = online.relative(path)
    assert result.err_lines[:2] == [
        f"{shown}: breeze-infra:models[1].id: `{SUMMARISER}` is a Summarization model; "
        "GPT Breeze calls /chat/completions, which it does not serve",
        f"{shown}: breeze-infra:models[2].id: `{EMBEDDER}` is a Text Embeddings model; "
        "GPT Breeze calls /chat/completions, which it does not serve",
    ]
    assert result.err_lines[2].startswith(
        f"{shown}: breeze-infra:models[3].id: `@cf/meta/llama-9-imaginary` is not in the "
        "Workers AI catalog"
    )
    assert len(result.err_lines) == 3
    assert result.stdout == ""


def test_deprecated_models_warn_without_failing(online: OnlineCli) -> None:
    path = online.stack("dev", [CHAT[0], DEPRECATED])
    result = online("validate", "--online", "--stack", "dev")
    assert result.returncode == 0
    (warning,) = result.err_lines
    assert warning.startswith(f"warning: {online.relative(path)}: breeze-infra:models[1].id: ")
    assert "due for deprecation on 2025-10-01" in warning
    assert result.out_lines[0].endswith(
        f"ok (2 models checked against the Workers AI catalog of account {online.emu.account_id})"
    )


def test_one_catalog_listing_per_account_however_many_stacks_and_models(
    online: OnlineCli,
) -> None:
    every_chat = [m.name for m in default_catalog() if m.task == "Text Generation"]
    online.stack("dev", every_chat)
    online.stack("staging", CHAT)
    online.stack("prod", CHAT[:1])
    online.stack("other", CHAT, account_id=WRONG_ACCOUNT)
    result = online("validate", "--online", "--all")
    assert online.catalog_requests() == 1
    assert online.emu.count(f"/accounts/{WRONG_ACCOUNT}/ai/models/search") == 1
    assert online.emu.total_requests == 2
    assert result.returncode == 2
    assert len(result.out_lines) == 3
    (wrong,) = [line for line in result.err_lines if "accountId" in line]
    assert (
        f"Pulumi.other.yaml: breeze-infra:accountId: could not route to /accounts/{WRONG_ACCOUNT}"
        in wrong
    )


def test_a_missing_bootstrap_token_is_one_line_naming_the_variable(online: OnlineCli) -> None:
    online.stack("dev")
    result = online("validate", "--online", "--stack", "dev", CLOUDFLARE_API_TOKEN="")
    assert result.returncode == 2
    assert result.err_lines == [
        "breeze-infra validate --online: CLOUDFLARE_API_TOKEN is not set; export a Cloudflare "
        "API token with the Workers AI Read permission on the stack's account"
    ]
    assert online.emu.total_requests == 0


def test_offline_validate_still_checks_only_the_form(online: OnlineCli) -> None:
    online.stack("dev", [SUMMARISER])
    result = online("validate", "--stack", "dev", CLOUDFLARE_API_TOKEN="")
    assert result.returncode == 0, result.stderr
    assert online.emu.total_requests == 0


def test_offline_commands_never_load_httpx() -> None:
    probe = (
        "import sys; from breeze_infra.cli import main;"
        " codes = [main(['validate', '--stack', 'dev']),"
        " main(['manifest', '--stack', 'dev', '-o', '/dev/null'])];"
        " print(codes, sorted(m for m in sys.modules if m.startswith(('httpx', 'pulumi'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith("[0, 0] []")


@pytest.mark.parametrize(
    ("faults", "requests"),
    [
        ([Fault.rate_limited(retry_after=0.3)], 2),
        ([Fault.rate_limited()] * 3, 4),
        ([Fault.status(500), Fault.status(502), Fault.status(503)], 4),
        ([Fault.drop()], 2),
        ([Fault.stall(30)], 2),
    ],
    ids=["429-retry-after", "429-backoff", "5xx-burst", "dropped", "stall-past-read-timeout"],
)
def test_transient_failures_are_retried_within_the_budget(
    online: OnlineCli, faults: list[Fault], requests: int
) -> None:
    online.stack("dev")
    online.emu.inject("/accounts", faults)
    # 8 s: an attempt may take 2 s (a quarter), so the stalled one times out after 2 s and the
    # retry has 6 s to spare, far more than a loaded machine needs; no wall time is asserted.
    result = online("validate", "--online", "--stack", "dev", "--timeout", "8")
    assert result.returncode == 0, result.stderr
    assert online.catalog_requests() == requests


def test_retry_after_is_waited_out_before_the_next_attempt(online: OnlineCli) -> None:
    online.stack("dev")
    online.emu.inject("/accounts", [Fault.rate_limited(retry_after=0.3)])
    assert online("validate", "--online", "--stack", "dev").returncode == 0
    first, second = online.emu.requests
    assert second.at - first.at >= 0.3


@pytest.mark.parametrize(
    ("faults", "requests", "expected"),
    [
        (
            [Fault.rate_limited()] * 4,
            4,
            "breeze-infra validate --online: rate limited after 4 attempts (HTTP 429, code 971)",
        ),
        (
            [Fault.status(503)] * 4,
            4,
            "breeze-infra validate --online: Cloudflare server error (HTTP 503, code 10002) "
            "after 4 attempts",
        ),
        (
            [Fault.malformed("<html>maintenance</html>")],
            1,
            "breeze-infra validate --online: unexpected response (HTTP 200, content-type "
            "text/html)",
        ),
        (
            [Fault.stall(30)] * 4,
            None,
            # Which bound ends a stalled run (the attempts, the call's deadline or the command's
            # budget) depends on how busy the machine is; each names the 2 s budget or the host.
            re.compile(
                r"breeze-infra validate --online: (could not reach 127\.0\.0\.1 after"
                r"|no answer within the call's 2 s deadline"
                r"|no complete answer from Cloudflare within the 2 s budget)"
            ),
        ),
        (
            [Fault.respond(200, {"success": True, "errors": [], "result": [{"task": {}}]})],
            1,
            "breeze-infra validate --online: unexpected catalog on GET /accounts/",
        ),
    ],
    ids=["429-exhausted", "503-exhausted", "malformed", "stalled", "nameless-model"],
)
def test_persistent_failures_are_one_line_and_exit_1_within_the_budget(
    online: OnlineCli, faults: list[Fault], requests: int | None, expected: str | re.Pattern[str]
) -> None:
    online.stack("dev")
    online.emu.inject("/accounts", faults)
    result = online("validate", "--online", "--stack", "dev", "--timeout", "2")
    assert result.returncode == 1
    (line,) = result.err_lines
    if isinstance(expected, str):
        assert line.startswith(expected)
    else:
        assert expected.match(line), line
    assert "Traceback" not in result.stderr
    if requests is not None:
        assert online.catalog_requests() == requests


@pytest.mark.parametrize("status", ["disabled", "expired"])
def test_a_dead_bootstrap_token_names_the_variable_and_the_permission(
    online: OnlineCli, status: str
) -> None:
    online.emu.set_token_status(BOOTSTRAP, status)  # type: ignore[arg-type]
    online.stack("dev")
    result = online("validate", "--online", "--stack", "dev")
    assert result.returncode == 1
    (line,) = result.err_lines
    assert line.startswith("breeze-infra validate --online: CLOUDFLARE_API_TOKEN: token rejected")
    assert "lacks the permission Workers AI Read" in line
    assert online.catalog_requests() == 1


def test_a_wrong_account_id_is_bad_input_naming_the_key(online: OnlineCli) -> None:
    path = online.stack("prod", account_id=WRONG_ACCOUNT)
    result = online("validate", "--online", "--stack", "prod")
    assert result.returncode == 2
    (line,) = result.err_lines
    assert line.startswith(
        f"{online.relative(path)}: breeze-infra:accountId: could not route to "
        f"/accounts/{WRONG_ACCOUNT}"
    )


def test_manifest_online_fills_context_length_the_config_leaves_open(
    online: OnlineCli,
) -> None:
    online.stack("dev", [{"id": CHAT[0], "contextLength": 4096}, CHAT[1], CHAT[2]])
    offline = online("manifest", "--stack", "dev")
    filled = online("manifest", "--stack", "dev", "--online")
    assert filled.returncode == 0, filled.stderr
    lengths = [m.get("contextLength") for m in json.loads(filled.stdout)["models"]]
    assert lengths == [4096, 128000, 24000]
    assert [m.get("contextLength") for m in json.loads(offline.stdout)["models"]] == [
        4096,
        None,
        None,
    ]
    assert online.catalog_requests() == 1


def test_manifest_online_refuses_models_gpt_breeze_cannot_use(
    online: OnlineCli, tmp_path: Path
) -> None:
    path = online.stack("dev", [CHAT[0], SUMMARISER])
    target = tmp_path / "dev.json"
    result = online("manifest", "--stack", "dev", "--online", "-o", str(target))
    assert result.returncode == 2
    assert result.err_lines == [
        f"{online.relative(path)}: breeze-infra:models[1].id: `{SUMMARISER}` is a "
        "Summarization model; GPT Breeze calls /chat/completions, which it does not serve"
    ]
    assert not target.exists()


def test_manifest_online_needs_a_stack(online: OnlineCli) -> None:
    result = online("manifest", "--from-outputs", "-", "--online", input="{}")
    assert result.returncode == 2
    assert result.err_lines == ["breeze-infra manifest: --online needs --stack NAME"]
