"""``usage`` against a hostile analytics server and hostile arguments (issue 20: C, D, E, F, H).

Every row keeps the probe's exact input. What holds for each: one line on stderr, the documented
exit code, no Python words, no line a CI log would read as a workflow command, no token.
"""

from __future__ import annotations

import asyncio
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from breeze_infra.sandbox.emulator import CloudflareEmulator, Fault, TokenInfo
from breeze_infra.sandbox.emulator._gateway import GatewayUsage
from breeze_infra.usage import GATEWAY_DATASET, GATEWAY_QUERY, query_dataset, reporting_client
from tests.online_cli import BOOTSTRAP, OnlineCli, Run
from tests.usage.test_usage import MODEL, REPORTER, stack_file

HOUR = "2026-11-24T10:00:00Z"
TOKEN = "cfat_HOSTILEusage0123456789abcdefghijABCDEFGHIJ"
FORGED = "x\n::error title=forged::pwned\r\x1b[2J"


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    reporting = frozenset({"Account Analytics Read", "AI Gateway Read", "Account API Tokens Read"})
    return [
        TokenInfo(BOOTSTRAP),
        TokenInfo(REPORTER, permissions=reporting),
        TokenInfo(
            "cfat_" + "7" * 40,
            record={"name": "breeze-infra dev/alice slot-a w100 g0", "last_used_on": FORGED},
        ),
    ]


@pytest.fixture
def online(emu: CloudflareEmulator, stacks_dir: Path) -> OnlineCli:
    (stacks_dir / "Pulumi.dev.yaml").write_text(stack_file(emu.account_id), encoding="utf-8")
    return OnlineCli(emu, stacks_dir)


def usage(online: OnlineCli, *args: str) -> Run:
    return online("usage", "--stack", "dev", *args, CLOUDFLARE_API_TOKEN=REPORTER)


def assert_kept_promise(run: Run) -> None:
    text = run.stdout + run.stderr
    for line in text.splitlines():
        assert line.isprintable(), line
        assert not line.lstrip().startswith("::"), line
    assert "Traceback" not in text and "unexpected failure" not in text
    assert TOKEN not in text and "HOSTILE" not in text


def group(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "count": 1,
        "sum": {"cost": 0.5, "erroredRequests": 0, "uncachedTokensIn": 1, "uncachedTokensOut": 1},
        "dimensions": {
            "gateway": "breeze-infra-dev-alice",
            "model": MODEL,
            "rateLimited": 0,
            "datetimeHour": HOUR,
        },
    }
    for key, value in overrides.items():
        part, _, name = key.partition("__")
        if name:
            row[part][name] = value
        else:
            row[part] = value
    return row


def graphql(*groups: dict[str, Any]) -> Fault:
    body = {"data": {"viewer": {"accounts": [{GATEWAY_DATASET: list(groups)}]}}}
    return Fault.respond(200, json.dumps(body, allow_nan=True).encode())


# H. A malformed row makes the whole answer a malformed-answer error: one line, exit 1.
MALFORMED = {
    "nan-cost": (group(sum__cost=math.nan), "sum.cost: Input should be a finite number"),
    "infinite-cost": (group(sum__cost=math.inf), "sum.cost: Input should be a finite number"),
    "text-count": (group(count="12"), "count: Input should be a valid integer"),
    "list-model": (group(dimensions__model=[MODEL]), "dimensions.model"),
    "negative-count": (group(count=-5), "count: Input should be greater than or equal to 0"),
    "true-count": (group(count=True), "count: Input should be a valid integer"),
    "not-an-object": ("row", "Input should be a valid dictionary"),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_a_malformed_row_is_one_malformed_answer_line(online: OnlineCli, case: str) -> None:
    row, detail = MALFORMED[case]
    online.emu.inject("/graphql", [graphql(group(), row)])  # type: ignore[arg-type]
    result = usage(online, "--json")
    assert_kept_promise(result)
    assert result.returncode == 1, result.stderr
    (line,) = result.err_lines
    assert line.startswith(f"breeze-infra usage: malformed analytics answer: {GATEWAY_DATASET}[1].")
    assert detail in line
    assert result.stdout == ""


# F. Every Cloudflare failure is the client's one line, exit 1.
@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.status(401, code=10000, message="Authentication error"), "CLOUDFLARE_API_TOKEN"),
        (Fault.malformed("<html>maintenance</html>"), "unexpected response (HTTP 200"),
        (Fault.respond(200, {"data": {"viewer": None}}), "GraphQL answer has no"),
    ],
    ids=["401", "html", "no-dataset"],
)
def test_a_cloudflare_failure_is_one_line_and_exit_1(
    online: OnlineCli, fault: Fault, expected: str
) -> None:
    online.emu.inject("/graphql", [fault] * 4)
    result = usage(online)
    assert_kept_promise(result)
    assert result.returncode == 1, result.stderr
    (line,) = result.err_lines
    assert line.startswith("breeze-infra usage: ") and expected in line


def test_pages_that_never_end_stop_at_the_page_bound(
    emu: CloudflareEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page full and one hour later than the last: the bound, not the server, ends it."""
    from breeze_infra.errors import MalformedResponseError
    from breeze_infra.usage import _queries

    monkeypatch.setattr(_queries, "PAGE_LIMIT", 2)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", emu.base_url)
    pages = [
        graphql(
            group(dimensions__datetimeHour=f"2026-11-{1 + n // 24:02d}T{n % 24:02d}:00:00Z"),
            group(
                dimensions__datetimeHour=f"2026-11-{1 + (n + 1) // 24:02d}T{(n + 1) % 24:02d}:00:00Z"
            ),
        )
        for n in range(_queries.MAX_PAGES + 1)
    ]
    emu.inject("/graphql", pages)

    async def read() -> object:
        async with reporting_client(REPORTER, 60.0) as client:
            return await query_dataset(
                client,
                emu.account_id,
                GATEWAY_DATASET,
                GATEWAY_QUERY,
                datetime(2026, 11, 1, tzinfo=UTC),
                datetime(2026, 12, 1, tzinfo=UTC),
            )

    with pytest.raises(MalformedResponseError, match=f"did not end after {_queries.MAX_PAGES}"):
        asyncio.run(read())
    assert emu.count("/graphql") == _queries.MAX_PAGES


# F. Range flags are checked by the parser: exit 2 naming the flag.
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--stale-days", "99999999999"], "--stale-days"),
        (["--stale-days", "0"], "--stale-days"),
        (["--since", "7d\n::error::x"], "--since: '7d\\n::error::x' is not a duration"),
        (["--since", TOKEN], "--since: '[value hidden"),
    ],
    ids=["stale-days-huge", "stale-days-zero", "since-with-a-newline", "since-a-token"],
)
def test_bad_flags_are_one_line_exit_2(online: OnlineCli, args: list[str], expected: str) -> None:
    result = usage(online, *args)
    assert_kept_promise(result)
    assert result.returncode == 2, result.stderr
    (line,) = result.err_lines
    assert expected in line
    assert online.emu.total_requests == 0


# C and D. Names from analytics and the token listing never forge a line nor show a token.
def test_hostile_names_and_times_stay_on_their_line_and_tokens_stay_hidden(
    online: OnlineCli, tmp_path: Path
) -> None:
    online.emu.gateways.add_usage(
        [
            GatewayUsage("breeze-infra-dev-alice", FORGED, HOUR, 2),
            GatewayUsage("breeze-infra-dev-alice", f"@cf/{TOKEN}", HOUR, 3),
            GatewayUsage("breeze-infra-dev-alice", "$\\frac{$", HOUR, 4),
        ],
    )
    chart = tmp_path / "usage.svg"
    result = usage(online, "--chart", str(chart))
    assert_kept_promise(result)
    assert result.returncode == 0, result.stderr
    assert "x\\n::error title=forged::pwned" in result.stdout
    assert "[value hidden" in result.stdout
    svg = chart.read_text(encoding="utf-8")
    assert TOKEN not in svg and "HOSTILE" not in svg
    as_json = usage(online, "--json")
    assert as_json.returncode == 0, as_json.stderr
    json.loads(as_json.stdout)


# E (the chart only). The chart goes through the safe writer.
def test_a_chart_that_cannot_be_written_is_one_line_naming_it(online: OnlineCli) -> None:
    result = usage(online, "--chart", "/dev/full")
    assert_kept_promise(result)
    assert result.returncode == 2
    assert result.err_lines == ["/dev/full: cannot be written (No space left on device)"]


def test_a_failed_chart_write_keeps_the_previous_chart_whole(
    online: OnlineCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from breeze_infra.cli.main import main

    (tmp_path / "charts").mkdir()
    chart = tmp_path / "charts" / "usage.svg"
    chart.write_text("<svg>last week</svg>")
    for name, value in online.env(CLOUDFLARE_API_TOKEN=REPORTER).items():
        monkeypatch.setenv(name, value)

    def full(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", full)
    code = main(
        ["--stacks-dir", str(online.stacks_dir), "usage", "--stack", "dev", "--chart", str(chart)]
    )
    assert code == 2
    assert chart.read_text() == "<svg>last week</svg>"
    assert [p.name for p in chart.parent.iterdir()] == ["usage.svg"]
    assert str(chart) in capsys.readouterr().err
