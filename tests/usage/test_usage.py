"""``breeze-infra usage``: the report a platform team reads, against the emulator's figures."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, CloudflareEmulator, TokenInfo
from breeze_infra.sandbox.emulator._gateway import GatewayUsage, InferenceUsage
from breeze_infra.usage import (
    GATEWAY_DATASET,
    GATEWAY_QUERY,
    parse_since,
    query_dataset,
    reporting_client,
)
from breeze_infra.usage._rows import Group
from tests.online_cli import BOOTSTRAP, OnlineCli

MODEL = "@cf/meta/llama-3.1-8b-instruct"
OTHER = "@cf/openai/gpt-oss-20b"
REPORTER = "cfat_reportingTokenForTests0000000000000000000"


def stack_file(account_id: str) -> str:
    return (
        "config:\n"
        f"  breeze-infra:accountId: {account_id}\n"
        f"  breeze-infra:models: [{{id: '{MODEL}'}}, {{id: '{OTHER}'}}]\n"
        "  breeze-infra:consumers: [{name: alice}, {name: bob}, {name: carol, revoked: true}]\n"
        "  breeze-infra:gateway: {perConsumer: true}\n"
    )


def token(name: str, last_used: str | None) -> TokenInfo:
    record = {"name": name, **({"last_used_on": last_used} if last_used else {})}
    return TokenInfo(f"cfat_{abs(hash(name)):040d}", record=record)


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    reporting = frozenset({"Account Analytics Read", "AI Gateway Read", "Account API Tokens Read"})
    return [
        TokenInfo(BOOTSTRAP),
        TokenInfo(REPORTER, permissions=reporting),
        token("breeze-infra dev/alice slot-a w100 g0", "2026-11-24T08:00:00Z"),
        token("breeze-infra dev/alice slot-b w101 g0", None),
        token("breeze-infra dev/bob slot-a w100 g0", "2026-09-01T00:00:00Z"),
        token("breeze-infra staging/alice slot-a w100 g0", "2026-11-25T00:00:00Z"),
    ]


@pytest.fixture
def emu(emu: CloudflareEmulator) -> CloudflareEmulator:
    """The shared emulator, with a week of this module's traffic in its analytics."""
    emu.gateways.add_usage(
        [
            GatewayUsage("breeze-infra-dev-alice", MODEL, "2026-11-23T10:00:00Z", 5, 50, 10),
            GatewayUsage("breeze-infra-dev-alice", MODEL, "2026-11-24T10:00:00Z", 3, 30, 6),
            GatewayUsage(
                "breeze-infra-dev-alice",
                MODEL,
                "2026-11-24T11:00:00Z",
                2,
                errored=2,
                rate_limited=True,
                status_code=429,
            ),
            GatewayUsage("breeze-infra-dev-bob", OTHER, "2026-11-24T10:00:00Z", 1, 7, 1, cost=0.25),
            GatewayUsage("breeze-infra-staging", MODEL, "2026-11-24T10:00:00Z", 99),
            GatewayUsage("breeze-infra-dev-alice", MODEL, "2026-10-01T10:00:00Z", 1000),
        ],
        [InferenceUsage(MODEL, "2026-11-24T10:00:00Z", 109, 1234.5, 80, 16)],
    )
    return emu


@pytest.fixture
def online(emu: CloudflareEmulator, stacks_dir: Path) -> OnlineCli:
    (stacks_dir / "Pulumi.dev.yaml").write_text(stack_file(emu.account_id), encoding="utf-8")
    return OnlineCli(emu, stacks_dir)


def test_json_reports_the_emulators_figures_per_gateway_and_model(online: OnlineCli) -> None:
    result = online("usage", "--stack", "dev", "--json", CLOUDFLARE_API_TOKEN=REPORTER)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rows = {(r["consumer"], r["model"]): r for r in report["gateways"]}
    alice = rows[("alice", MODEL)]
    assert (alice["requests"], alice["tokens_in"], alice["tokens_out"]) == (10, 80, 16)
    assert (alice["errors"], alice["rate_limited"]) == (2, 2)
    assert rows[("bob", OTHER)]["cost"] == 0.25
    assert set(rows) == {("alice", MODEL), ("bob", OTHER)}
    assert report["neurons"] == [
        {"model": MODEL, "requests": 109, "neurons": 1234.5, "tokens_in": 80, "tokens_out": 16}
    ]
    assert report["daily"]["alice"] == {"2026-11-23": 5, "2026-11-24": 5}


def test_key_use_and_stale_keys_come_with_the_change_that_revokes_them(
    online: OnlineCli,
) -> None:
    result = online("usage", "--stack", "dev", "--json", CLOUDFLARE_API_TOKEN=REPORTER)
    report = json.loads(result.stdout)
    assert report["keys"] == [
        {"consumer": "alice", "slot_a": "2026-11-24T08:00:00Z", "slot_b": None},
        {"consumer": "bob", "slot_a": "2026-09-01T00:00:00Z", "slot_b": None},
    ]
    assert report["stale"] == [
        {
            "consumer": "bob",
            "last_used": "2026-09-01T00:00:00Z",
            "revoke": "breeze-infra:consumers[1].revoked: true",
        }
    ]


def test_one_query_per_dataset_and_one_token_listing(online: OnlineCli) -> None:
    result = online("usage", "--stack", "dev", "--json", CLOUDFLARE_API_TOKEN=REPORTER)
    assert json.loads(result.stdout)["api_requests"] == 3
    assert online.emu.count("/graphql") == 2


def test_one_consumer_only(online: OnlineCli) -> None:
    result = online(
        "usage", "--stack", "dev", "--consumer", "bob", "--json", CLOUDFLARE_API_TOKEN=REPORTER
    )
    report = json.loads(result.stdout)
    assert {r["consumer"] for r in report["gateways"]} == {"bob"}
    assert [k["consumer"] for k in report["keys"]] == ["bob"]


def test_the_text_report_names_each_figure_and_never_the_token(online: OnlineCli) -> None:
    result = online("usage", "--stack", "dev", CLOUDFLARE_API_TOKEN=REPORTER)
    assert result.returncode == 0, result.stderr
    assert "breeze-infra-dev-alice" in result.stdout
    assert "stale: bob (last used 2026-09-01T00:00:00Z): revoke with" in result.stdout
    assert REPORTER not in result.stdout + result.stderr


def test_the_chart_is_an_svg_with_a_line_per_consumer(online: OnlineCli, tmp_path: Path) -> None:
    chart = tmp_path / "usage.svg"
    result = online("usage", "--stack", "dev", "--chart", str(chart), CLOUDFLARE_API_TOKEN=REPORTER)
    assert result.returncode == 0, result.stderr
    text = chart.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "alice" in text and "bob" in text


def test_a_token_without_analytics_read_gets_the_clients_message(online: OnlineCli) -> None:
    online.emu.add_token("cfat_noAnalytics000000000000000000000000000", permissions=frozenset())
    result = online(
        "usage",
        "--stack",
        "dev",
        CLOUDFLARE_API_TOKEN="cfat_noAnalytics000000000000000000000000000",
    )
    assert result.returncode == 1
    assert "Account Analytics Read" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "soon"], "--since: 'soon' is not a duration like 7d or 24h"),
        (["--since", "365d"], "--since: give between 1h and 90d"),
        (["--consumer", "dave"], "dev: no active consumer 'dave' (active: alice, bob)"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(online: OnlineCli, args: list[str], message: str) -> None:
    result = online("usage", "--stack", "dev", *args, CLOUDFLARE_API_TOKEN=REPORTER)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(message)


def test_since_reads_days_and_hours() -> None:
    assert parse_since("7d").days == 7
    assert parse_since("24h").total_seconds() == 86_400


def test_a_dataset_larger_than_a_page_is_read_whole_in_a_few_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hours = [f"2026-11-{day:02d}T{hour:02d}:00:00Z" for day in range(1, 26) for hour in range(24)]
    groups = [GatewayUsage(f"g{i}", MODEL, hour) for hour in hours for i in range(20)]
    with CloudflareEmulator() as emu:
        emu.gateways.add_usage(groups)

        monkeypatch.setenv("CLOUDFLARE_BASE_URL", emu.base_url)

        async def read() -> list[Group]:
            async with reporting_client(DEFAULT_TOKEN, 30.0) as client:
                return await query_dataset(
                    client,
                    emu.account_id,
                    GATEWAY_DATASET,
                    GATEWAY_QUERY,
                    datetime(2026, 11, 1, tzinfo=UTC),
                    datetime(2026, 12, 1, tzinfo=UTC),
                )

        rows = asyncio.run(read())
        assert len(groups) == 12_000
        assert len(rows) == 12_000
        assert emu.count("/graphql") == 2


def test_a_period_with_no_traffic_says_so_plainly(online: OnlineCli) -> None:
    result = online("usage", "--stack", "dev", "--since", "1h", CLOUDFLARE_API_TOKEN=REPORTER)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("gateway: no traffic from ") for line in lines), result.stdout
    assert "Workers AI, whole account: no traffic in this period" in lines
