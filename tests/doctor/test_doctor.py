"""Spec of ``breeze-infra doctor``: one line per check, exit codes, bounds, and what it tells users.

The command runs as a subprocess against the local emulator; the concurrency bound and the budget
are also checked in-process with a fake client, where "in flight" can be counted exactly.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from breeze_infra.cloudflare import CloudflareClient, client_settings
from breeze_infra.config import parse_config
from breeze_infra.doctor import (
    MAX_CONCURRENT,
    Check,
    Consumer,
    Target,
    check_names,
    judge_token,
    run_checks,
    run_fleet,
)
from breeze_infra.limiter import (
    CLOUDFLARE_WINDOW,
    CLOUDFLARE_WINDOW_REQUESTS,
    DOCTOR_LIMITS,
    Limits,
    RequestLimiter,
)
from breeze_infra.manifest import build_manifest, workers_ai_base_url
from breeze_infra.rotation import plan_rotation, timestamp
from breeze_infra.sandbox.emulator import CloudflareEmulator, Fault, TokenInfo
from tests.online_cli import BOOTSTRAP, CHAT, KEY, NOW, WRONG_ACCOUNT, OnlineCli, Run

CLOCK = datetime.fromisoformat(NOW.replace("Z", "+00:00"))
PLAN = plan_rotation(CLOCK, 30)
CURRENT_EXPIRY = timestamp(PLAN.current.expires_on)
NEXT_WINDOW = timestamp(PLAN.current.starts_on + timedelta(days=30))
TOKEN_ID = "0c1d2e3f405162738495a6b7c8d9e0f1"
USER_KEY = "cfut_userOwnedKeyForTests0000000000000000000000"
SUMMARISER = "@cf/facebook/bart-large-cnn"


def checks(run: Run) -> list[tuple[str, str, str]]:
    """Each stdout line as (status, check, detail)."""
    rows = []
    for line in run.out_lines:
        status, name, detail = re.split(r"\s{2,}", line, maxsplit=2)
        rows.append((status, name, detail))
    return rows


def statuses(run: Run) -> dict[str, str]:
    return {name: status for status, name, _ in checks(run)}


def detail(run: Run, name: str) -> str:
    return next(d for _, n, d in checks(run) if n == name)


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [
        TokenInfo(BOOTSTRAP),
        TokenInfo(
            KEY, id=TOKEN_ID, expires_on=CURRENT_EXPIRY, permissions=frozenset({"Workers AI Read"})
        ),
        TokenInfo(USER_KEY, kind="user", expires_on=CURRENT_EXPIRY),
    ]


@pytest.fixture
def online(emu: CloudflareEmulator, stacks_dir: Path) -> OnlineCli:
    online = OnlineCli(emu, stacks_dir)
    online.stack("dev")
    return online


def outputs(
    online: OnlineCli,
    *,
    api_key: str = KEY,
    token_id: str = TOKEN_ID,
    models: tuple[str, ...] = CHAT,
    account_id: str | None = None,
) -> str:
    """What `pulumi stack output --json --show-secrets` prints for the stack."""
    account = account_id or online.emu.account_id
    config = parse_config({"accountId": account, "models": [{"id": m} for m in models]}, "t")
    manifest = build_manifest(config, "dev", api_key_ref="ref", expires_on=CURRENT_EXPIRY)
    return json.dumps(
        {
            "baseUrl": workers_ai_base_url(account),
            "apiKey": api_key,
            "apiKeyRef": "ref",
            "tokenId": token_id,
            "expiresOn": CURRENT_EXPIRY,
            "manifest": manifest.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
    )


def test_a_healthy_environment_passes_every_check_one_line_each(online: OnlineCli) -> None:
    result = online("doctor", "--stack", "dev", BREEZE_API_KEY=KEY)
    assert result.returncode == 0, result.stderr
    assert [(s, n) for s, n, _ in checks(result)] == [
        ("ok", "token"),
        ("ok", "route"),
        *[("ok", f"model {m}") for m in CHAT],
    ]
    assert detail(result, "token") == f"active, expires {CURRENT_EXPIRY} (in 37 d 14 h)"
    assert online.emu.base_url in detail(result, "route")
    assert dict(online.emu.inference_counts) == dict.fromkeys(CHAT, 1)
    assert online.emu.count(f"/accounts/{online.emu.account_id}/tokens/verify") == 1
    assert online.emu.count("/user/tokens/verify") == 0
    inference = online.emu.requests_to(f"/accounts/{online.emu.account_id}/ai/v1/")
    assert {r.json()["max_tokens"] for r in inference} == {1}
    assert result.stderr == ""


def test_no_inference_calls_no_model(online: OnlineCli) -> None:
    result = online("doctor", "--stack", "dev", "--no-inference", BREEZE_API_KEY=KEY)
    assert result.returncode == 0, result.stderr
    assert statuses(result) == {"token": "ok", "route": "ok", "models": "skip"}
    assert online.emu.inference_counts == {}


def test_the_outputs_supply_the_key_and_the_deployed_models(online: OnlineCli) -> None:
    deployed = (*CHAT, "@cf/openai/gpt-oss-120b")
    result = online(
        "doctor", "--stack", "dev", "--from-outputs", "-", input=outputs(online, models=deployed)
    )
    assert result.returncode == 0, result.stderr
    assert dict(online.emu.inference_counts) == dict.fromkeys(deployed, 1)
    assert set(online.emu.bearer_tokens()) == {KEY}


def test_a_redacted_outputs_key_falls_back_to_breeze_api_key(online: OnlineCli) -> None:
    result = online(
        "doctor",
        "--stack",
        "dev",
        "--from-outputs",
        "-",
        input=outputs(online, api_key="[secret]"),
        BREEZE_API_KEY=KEY,
    )
    assert result.returncode == 0, result.stderr
    assert set(online.emu.bearer_tokens()) == {KEY}


def test_user_owned_tokens_are_verified_on_the_user_path(online: OnlineCli) -> None:
    online.stack("dev", owner="user")
    result = online("doctor", "--stack", "dev", "--no-inference", BREEZE_API_KEY=USER_KEY)
    assert result.returncode == 0, result.stderr
    assert online.emu.count("/user/tokens/verify") == 1
    assert online.emu.count(f"/accounts/{online.emu.account_id}/tokens/verify") == 0


def test_an_account_key_on_a_user_owned_stack_fails_with_the_fix(online: OnlineCli) -> None:
    online.stack("dev", owner="user")
    result = online("doctor", "--stack", "dev", "--no-inference", BREEZE_API_KEY=KEY)
    assert result.returncode == 1
    assert statuses(result)["token"] == "fail"
    assert detail(result, "token").endswith(
        "the key is account-owned but breeze-infra:token.owner is 'user', so it was verified "
        "on the wrong path: set it to 'account'"
    )


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        ("disabled", "disabled in Cloudflare: re-enable it, or bump breeze-infra:token.generation"),
        ("expired", "expired on "),
    ],
)
def test_a_dead_key_fails_once_and_the_models_refer_to_it(
    online: OnlineCli, status: str, hint: str
) -> None:
    online.emu.set_token_status(KEY, status)  # type: ignore[arg-type]
    result = online("doctor", "--stack", "dev", BREEZE_API_KEY=KEY)
    assert result.returncode == 1
    assert detail(result, "token").startswith(hint)
    for name in ["route", *(f"model {m}" for m in CHAT)]:
        assert detail(result, name) == "key rejected (see the token check)"


def test_an_unknown_key_is_rejected(online: OnlineCli) -> None:
    result = online("doctor", "--stack", "dev", BREEZE_API_KEY="cfat_notAKeyCloudflareKnows")
    assert result.returncode == 1
    assert detail(result, "token").startswith("token rejected (HTTP 401, code 1000)")


def test_the_previous_windows_key_warns_but_passes(online: OnlineCli) -> None:
    online.emu.add_token("cfat_previousWindowKey", expires_on=NEXT_WINDOW)
    result = online(
        "doctor", "--stack", "dev", "--no-inference", BREEZE_API_KEY="cfat_previousWindowKey"
    )
    assert result.returncode == 0, result.stderr
    assert statuses(result)["token"] == "warn"
    assert "this is the previous window's key" in detail(result, "token")


def test_a_key_other_than_the_stacks_current_token_warns(online: OnlineCli) -> None:
    result = online(
        "doctor",
        "--stack",
        "dev",
        "--no-inference",
        "--from-outputs",
        "-",
        input=outputs(online, token_id="ffffffffffffffffffffffffffffffff"),
    )
    assert result.returncode == 0
    assert f"this key is token {TOKEN_ID}, not the stack's current token" in detail(result, "token")


def test_models_that_cannot_chat_fail_by_name(online: OnlineCli) -> None:
    online.stack("dev", [CHAT[0], SUMMARISER, "@cf/meta/llama-9-imaginary"])
    result = online("doctor", "--stack", "dev", BREEZE_API_KEY=KEY)
    assert result.returncode == 1
    assert statuses(result) == {
        "token": "ok",
        "route": "ok",
        f"model {CHAT[0]}": "ok",
        f"model {SUMMARISER}": "fail",
        "model @cf/meta/llama-9-imaginary": "fail",
    }
    assert "only Text Generation models answer /chat/completions" in detail(
        result, f"model {SUMMARISER}"
    )
    assert "'@cf/meta/llama-9-imaginary' not found" in detail(
        result, "model @cf/meta/llama-9-imaginary"
    )


def test_a_wrong_account_id_fails_the_route_once(online: OnlineCli) -> None:
    online.stack("dev", account_id=WRONG_ACCOUNT)
    result = online("doctor", "--stack", "dev", BREEZE_API_KEY=KEY)
    assert result.returncode == 1
    assert f"could not route to /accounts/{WRONG_ACCOUNT}" in detail(result, "token")
    assert detail(result, "route") == "account does not route (see the token check)"


@pytest.mark.parametrize(
    ("args", "env", "stdin", "expected"),
    [
        (
            [],
            {},
            None,
            "breeze-infra doctor: no key to check; pass --from-outputs FILE (the JSON of "
            "`pulumi stack output --json --show-secrets`) or set BREEZE_API_KEY",
        ),
        (
            ["--from-outputs", "-"],
            {},
            '{"apiKey": "[secret]"}',
            "stdin: apiKey: missing or redacted; export the outputs with "
            "`pulumi stack output --json --show-secrets`, or set BREEZE_API_KEY",
        ),
        (
            ["--from-outputs", "-"],
            {},
            "OTHER",
            "stdin: baseUrl: https://api.cloudflare.com/client/v4/accounts/"
            f"{WRONG_ACCOUNT}/ai/v1 is not the Workers AI URL of account",
        ),
        (["--from-outputs", "-"], {}, "[1, 2]", "stdin: expected the JSON object printed by"),
        (["--from-outputs", "missing.json"], {}, None, "missing.json: cannot be read"),
        (["--stack", "qa"], {"BREEZE_API_KEY": KEY}, None, "Pulumi.qa.yaml: no such stack file"),
        (
            [],
            {"BREEZE_API_KEY": "cfat_has a space"},
            None,
            "breeze-infra doctor: Cloudflare API token contains whitespace or control characters",
        ),
    ],
    ids=["no-key", "redacted", "other-stack", "not-an-object", "unreadable", "no-stack", "bad-key"],
)
def test_bad_input_is_one_line_and_exit_2_before_any_request(
    online: OnlineCli, args: list[str], env: dict[str, str], stdin: str | None, expected: str
) -> None:
    if stdin == "OTHER":
        stdin = outputs(online, account_id=WRONG_ACCOUNT)
    command = ["doctor", "--stack", "dev", *args] if "--stack" not in args else ["doctor", *args]
    result = online(*command, input=stdin, **env)
    assert result.returncode == 2
    (line,) = result.err_lines
    assert expected in line
    assert online.emu.total_requests == 0


def test_throttled_and_failing_calls_are_retried_and_pass(online: OnlineCli) -> None:
    account = online.emu.account_id
    online.emu.inject(f"/accounts/{account}/tokens/verify", [Fault.status(502), Fault.status(503)])
    online.emu.inject(f"/accounts/{account}/ai/v1/", [Fault.rate_limited(), Fault.drop()])
    result = online("doctor", "--stack", "dev", "--timeout", "4", BREEZE_API_KEY=KEY)
    assert result.returncode == 0, result.stdout
    assert online.emu.count(f"/accounts/{account}/tokens/verify") == 3
    assert online.emu.count(f"/accounts/{account}/ai/v1/chat/completions") == len(CHAT) + 2


class StallsOnce(httpx.AsyncBaseTransport):
    """The wire to the emulator, where the first request under ``prefix`` ends as a stall past
    the read timeout ends: httpx's ReadTimeout, raised at once rather than waited for."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.stalled = 0
        self.wire = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.prefix in request.url.path and not self.stalled:
            self.stalled += 1
            raise httpx.ReadTimeout("timed out", request=request)
        return await self.wire.handle_async_request(request)

    async def aclose(self) -> None:
        await self.wire.aclose()


def doctor_target(online: OnlineCli) -> Target:
    return Target("dev", "s", online.emu.account_id, "account", 30, tuple(CHAT))


def test_a_stall_past_the_read_timeout_is_retried(online: OnlineCli) -> None:
    account = online.emu.account_id
    transport = StallsOnce(f"/accounts/{account}/ai/v1/")

    async def scenario() -> list[Check]:
        client = CloudflareClient(
            KEY,
            base_url=online.emu.base_url,
            settings=client_settings(60),
            transport=transport,
        )
        async with client:
            return await run_checks(client, doctor_target(online), CLOCK, inference=True, budget=60)

    results = asyncio.run(scenario())
    assert {c.status for c in results} == {"ok"}, results
    assert transport.stalled == 1
    assert online.emu.count(f"/accounts/{account}/ai/v1/chat/completions") == len(CHAT)


def test_models_that_never_answer_fail_within_the_budget() -> None:
    client = FakeClient(delay=None)
    target = replace(TARGET, models=TARGET.models[:3])
    results = asyncio.run(
        run_checks(client, target, CLOCK, inference=True, budget=0.5)  # type: ignore[arg-type]
    )
    verdicts = {c.name: (c.status, c.detail) for c in results}
    assert verdicts["token"][0] == "ok"
    for model in target.models:
        assert verdicts[f"model {model}"] == (
            "fail",
            "no answer within the 0.5 s budget (--timeout)",
        )
    # The deadline ended the calls: each one still waiting was cancelled, none left running.
    assert client.cancelled == len(target.models)
    assert client.in_flight == 0


def test_a_malformed_answer_fails_the_route_and_is_not_retried(online: OnlineCli) -> None:
    account = online.emu.account_id
    online.emu.inject(f"/accounts/{account}/ai/models/", [Fault.malformed()])
    result = online("doctor", "--stack", "dev", "--no-inference", BREEZE_API_KEY=KEY)
    assert result.returncode == 1
    assert detail(result, "route").startswith(
        "unexpected response (HTTP 200, content-type text/html)"
    )
    assert online.emu.count(f"/accounts/{account}/ai/models/search") == 1


def test_a_spent_daily_allocation_fails_the_model_without_retrying(online: OnlineCli) -> None:
    online.stack("dev", CHAT[:1])
    account = online.emu.account_id
    online.emu.inject(f"/accounts/{account}/ai/v1/", [Fault.daily_allocation_exhausted()])
    result = online("doctor", "--stack", "dev", BREEZE_API_KEY=KEY)
    assert result.returncode == 1
    assert "daily free allocation (10,000 neurons) used up" in detail(result, f"model {CHAT[0]}")
    assert online.emu.count(f"/accounts/{account}/ai/v1/chat/completions") == 1


TARGET = Target(
    stack="dev",
    source="stacks/Pulumi.dev.yaml",
    account_id="0123456789abcdef0123456789abcdef",
    owner="account",
    rotation_days=30,
    models=tuple(f"@cf/test/model-{i}" for i in range(20)),
)


class FakeClient:
    """Answers after ``delay`` seconds and records how many calls were in flight at once.

    ``delay=None``: the inference calls never answer (the verify and route calls do), so only a
    deadline ends them; ``cancelled`` counts the calls it ended.
    """

    def __init__(self, delay: float | None, verify: dict[str, Any] | None = None) -> None:
        self.delay = delay
        self.verify = verify or {"id": "t", "status": "active"}
        self.in_flight = 0
        self.most_in_flight = 0
        self.cancelled = 0

    async def _answer(self, never: bool = False) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if never and self.delay is None:
                await asyncio.Event().wait()
            await asyncio.sleep(self.delay or 0)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1

    async def get(self, path: str, **_: Any) -> Any:
        await self._answer()
        return self.verify if path.endswith("/verify") else []

    async def post_inference(self, *_: Any, **__: Any) -> Any:
        await self._answer(never=True)


def test_checks_run_concurrently_up_to_the_bound() -> None:
    client = FakeClient(delay=0.05)
    results = asyncio.run(
        run_checks(client, TARGET, CLOCK, inference=True, budget=10)  # type: ignore[arg-type]
    )
    assert client.most_in_flight == MAX_CONCURRENT
    assert [c.name for c in results] == ["token", "route", *(f"model {m}" for m in TARGET.models)]
    assert {c.status for c in results} == {"ok"}


def test_the_budget_bounds_the_run_and_names_what_did_not_answer() -> None:
    client = FakeClient(delay=None, verify={"status": "active"})
    client.get = client.post_inference  # type: ignore[method-assign]
    emitted: list[Check] = []
    results = asyncio.run(
        run_checks(client, TARGET, CLOCK, inference=True, budget=0.3, emit=emitted.append)  # type: ignore[arg-type]
    )
    # The deadline ended the calls in flight (the semaphore's eight); none is left running.
    assert client.cancelled == MAX_CONCURRENT
    assert client.in_flight == 0
    assert len(results) == 2 + len(TARGET.models)
    assert emitted == results
    assert {c.status for c in results} == {"fail"}
    assert results[0].detail == "no answer within the 0.3 s budget (--timeout)"


def test_the_token_verdict_follows_the_rotation_window() -> None:
    one_day = Target("dev", "s", "a" * 32, "account", 1, ())
    current = plan_rotation(CLOCK, 1).current.expires_on
    assert (
        judge_token({"status": "active", "expires_on": timestamp(current)}, one_day, CLOCK).status
        == "ok"
    )
    previous = current - timedelta(days=1)
    assert (
        judge_token({"status": "active", "expires_on": timestamp(previous)}, one_day, CLOCK).status
        == "warn"
    )
    assert judge_token({"status": "active"}, one_day, CLOCK) == Check(
        "token", "ok", "active, no expiry set"
    )
    future = timestamp(CLOCK + timedelta(hours=2))
    early = judge_token({"status": "active", "not_before": future}, one_day, CLOCK)
    assert early.status == "fail"
    assert "not valid before" in early.detail


def test_doctor_checks_one_consumers_key_and_models(online: OnlineCli) -> None:
    path = online.stack("team")
    path.write_text(
        path.read_text()
        + "  breeze-infra:consumers:\n    - name: alice\n"
        + f"    - name: bob\n      models: [{json.dumps(CHAT[0])}]\n",
        encoding="utf-8",
    )
    single = json.loads(outputs(online, models=(CHAT[0],)))
    deployed = {
        "baseUrl": single["baseUrl"],
        "apiKeys": {"alice": "cfat_" + "x" * 40, "bob": KEY},
        "consumers": {
            "bob": {k: single[k] for k in ("apiKeyRef", "tokenId", "expiresOn", "manifest")}
        },
    }
    result = online(
        "doctor",
        "--stack",
        "team",
        "--consumer",
        "bob",
        "--from-outputs",
        "-",
        input=json.dumps(deployed),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert dict(online.emu.inference_counts) == {CHAT[0]: 1}
    assert set(online.emu.bearer_tokens()) == {KEY}
    unnamed = online("doctor", "--stack", "team", "--from-outputs", "-", input=json.dumps(deployed))
    assert unnamed.returncode == 2
    assert unnamed.err_lines == [
        "team: this stack has consumers (alice, bob): name one with --consumer NAME, or check "
        "them all with --all-consumers"
    ]
    absent = online(
        "doctor",
        "--stack",
        "team",
        "--consumer",
        "alice",
        "--from-outputs",
        "-",
        input=json.dumps(deployed),
    )
    assert absent.err_lines == [
        "stdin: consumers.alice: missing; export the outputs of the stack with "
        "`pulumi stack output --json --show-secrets` after `pulumi up`"
    ]


def test_doctor_can_check_every_consumer_in_turn(online: OnlineCli) -> None:
    path = online.stack("team")
    path.write_text(
        path.read_text() + "  breeze-infra:consumers:\n    - name: alice\n    - name: bob\n",
        encoding="utf-8",
    )
    single = json.loads(outputs(online))
    own = {k: single[k] for k in ("apiKeyRef", "tokenId", "expiresOn", "manifest")}
    deployed = {
        "baseUrl": single["baseUrl"],
        "apiKeys": {"alice": KEY, "bob": "cfat_" + "z" * 40},
        "consumers": {"alice": own, "bob": own},
    }
    result = online(
        "doctor",
        "--stack",
        "team",
        "--no-inference",
        "--all-consumers",
        "--from-outputs",
        "-",
        input=json.dumps(deployed),
    )
    assert result.returncode == 1
    headers = [line for line in result.out_lines if line.startswith("consumer ")]
    assert headers == ["consumer alice:", "consumer bob:"]
    bob = result.out_lines[result.out_lines.index("consumer bob:") + 1]
    assert bob.startswith("fail")
    assert "cfat_" not in result.stdout + result.stderr


def test_all_consumers_skips_keys_kept_only_in_another_backend_but_never_passes_on_none(
    online: OnlineCli,
) -> None:
    single = json.loads(outputs(online))
    deployed = {k: v for k, v in single.items() if k != "apiKey"}
    deployed["apiKeyRef"] = "vault:secret/breeze/dev#apiKey"
    result = online(
        "doctor",
        "--stack",
        "dev",
        "--all-consumers",
        "--from-outputs",
        "-",
        input=json.dumps(deployed),
    )
    # Issue 9, class 1: skipping every consumer checks nothing, so the gate fails (it passed).
    assert result.returncode == 2, result.stderr
    assert result.out_lines == [
        "skip  token  the key is not in the stack outputs (it lives at vault:secret/breeze/dev#apiKey)"
    ]
    assert result.err_lines == [
        "breeze-infra doctor --stack dev: no consumer was checked (every key lives outside the "
        "stack outputs); check each with --consumer NAME and BREEZE_API_KEY"
    ]
    assert online.emu.total_requests == 0


# --- --all-consumers: concurrent, under one request budget, reported in config order ---------


class FakeClock:
    """Time that moves only when the limiter sleeps, so admissions can be checked exactly."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def most_in_any(times: list[float], span: float) -> int:
    """The largest number of admissions in any half-open interval [t, t + span)."""
    ordered = sorted(times)
    return max(sum(1 for u in ordered if t <= u < t + span) for t in ordered)


def test_the_limiter_keeps_every_window_and_second_within_its_budget() -> None:
    limits = Limits(in_flight=4, rate=10.0, burst=5, window_requests=30, window_seconds=10.0)
    clock = FakeClock()
    limiter = RequestLimiter(limits, clock=clock, sleep=clock.sleep)
    admitted: list[float] = []

    async def request() -> None:
        async with limiter.slot():
            admitted.append(clock())
            await asyncio.sleep(0)

    async def run() -> None:
        await asyncio.gather(*(request() for _ in range(100)))

    asyncio.run(run())
    assert len(admitted) == limiter.admitted == 100
    assert most_in_any(admitted, limits.window_seconds) <= limits.window_requests
    assert most_in_any(admitted, 1.0) <= limits.burst + limits.rate
    # 100 requests at 30 per 10 s cannot be done before three windows have passed.
    assert clock() >= 30.0


def test_the_default_budget_is_well_inside_cloudflares_limit() -> None:
    worst_window = DOCTOR_LIMITS.window_requests * CLOUDFLARE_WINDOW / DOCTOR_LIMITS.window_seconds
    assert worst_window <= CLOUDFLARE_WINDOW_REQUESTS / 2
    # Bucket alone: a burst plus the sustained rate over a window would exceed it; the window
    # budget is what bounds a long run.
    assert DOCTOR_LIMITS.burst < DOCTOR_LIMITS.window_requests


def test_clients_sharing_a_limiter_never_exceed_its_requests_in_flight() -> None:
    limiter = RequestLimiter(Limits(in_flight=3, rate=1000.0, burst=1000, window_requests=1000))
    in_flight = 0
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0.01)
        finally:
            in_flight -= 1
        return httpx.Response(200, json={"success": True, "errors": [], "result": {}})

    async def run() -> None:
        transport = httpx.MockTransport(handler)
        clients = [
            CloudflareClient(
                KEY, base_url="http://127.0.0.1:9", transport=transport, limiter=limiter
            )
            for _ in range(2)
        ]
        await asyncio.gather(*(clients[i % 2].get("/user/tokens/verify") for i in range(20)))
        for client in clients:
            await client.aclose()

    asyncio.run(run())
    assert most == 3
    assert limiter.admitted == 20


def fleet(
    emu: CloudflareEmulator, names: list[str], owner: dict[str, str] | None = None
) -> list[Consumer]:
    owners = owner or {}
    return [
        Consumer(
            f"consumer {name}:",
            Target("dev", "s", emu.account_id, "user" if owners.get(name) else "account", 30, ()),
            owners.get(name, KEY),
        )
        for name in names
    ]


def blocks(text: str) -> list[list[str]]:
    found: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("consumer "):
            found.append([line])
        else:
            found[-1].append(line)
    return found


def test_consumers_run_concurrently_and_print_whole_blocks_in_config_order(
    emu: CloudflareEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", emu.base_url)
    names = ["zed", "alice", "mike", "bob", "yan", "carl"]
    # The first consumer's key is user-owned, and its verify stalls: it finishes last. The 2 s
    # stall is generous: the other eleven requests, sent at once, arrive long before it ends.
    emu.inject("/user/tokens/verify", [Fault.stall(2.0)])
    emu.latency = 0.05
    out = io.StringIO()
    limiter = RequestLimiter(DOCTOR_LIMITS)
    code = run_fleet(
        fleet(emu, names, {"zed": USER_KEY}),
        now=CLOCK,
        timeout=20,
        inference=False,
        out=out,
        limiter=limiter,
    )
    assert code == 0, out.getvalue()
    found = blocks(out.getvalue())
    assert [b[0] for b in found] == [f"consumer {n}:" for n in names]
    assert [[line.split()[1] for line in b[1:]] for b in found] == [
        ["token", "route", "models"]
    ] * 6
    assert limiter.admitted == emu.total_requests == 12
    # Concurrent: every other consumer was asked before the stalled one answered.
    stalled_at = min(r.at for r in emu.requests if r.path.endswith("/user/tokens/verify"))
    assert all(r.at < stalled_at + 2.0 for r in emu.requests)


def test_the_concurrency_cap_holds_for_consumers(
    emu: CloudflareEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", emu.base_url)
    emu.latency = 0.2
    code = run_fleet(
        fleet(emu, [f"c{i}" for i in range(8)]),
        now=CLOCK,
        timeout=10,
        inference=False,
        out=io.StringIO(),
        at_once=2,
    )
    assert code == 0
    times = sorted(r.at for r in emu.requests)
    # Two consumers at once, two requests each: at most four requests in any 0.2 s answer time.
    assert most_in_any(times, 0.15) <= 4
    assert times[-1] - times[0] >= 0.2 * 3 - 0.05


def test_the_timeout_reports_consumers_not_reached_and_fails(
    emu: CloudflareEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", emu.base_url)
    # Each attempt may use a quarter of --timeout: 0.2 s answers fit, twenty rounds of them do not.
    emu.latency = 0.2
    names = [f"c{i}" for i in range(40)]
    out = io.StringIO()
    code = run_fleet(fleet(emu, names), now=CLOCK, timeout=2.0, inference=False, out=out, at_once=2)
    assert code == 1
    found = blocks(out.getvalue())
    assert [b[0] for b in found] == [f"consumer {n}:" for n in names]
    assert [line.split()[0] for line in found[0][1:]] == ["ok", "ok", "skip"]
    last = found[-1][1:]
    assert len(last) == 1
    assert last[0].startswith("fail  doctor  not checked: the 2 s budget (--timeout) ran out")
    # Not reached means not asked: fewer requests than two per consumer.
    assert emu.total_requests < 2 * len(names)


class Arbitrary(Exception):
    """Nothing the checks know: stands for any bug or refusal outside the error model."""


@pytest.mark.parametrize("which", ["_token", "_route", "check_gateway", "_model"])
@pytest.mark.parametrize(
    "error", [Arbitrary("the gateway root is refused"), Arbitrary(), KeyError("x")]
)
def test_a_check_that_raises_anything_is_a_failed_line_never_a_missing_one(
    monkeypatch: pytest.MonkeyPatch, which: str, error: Exception
) -> None:
    from breeze_infra.doctor import _checks
    from breeze_infra.doctor._gateway import GatewayTarget

    async def raises(*_: Any, **__: Any) -> Check:
        raise error

    def passes(name: str) -> Any:
        async def check(*args: Any, **__: Any) -> Check:
            return Check(f"model {args[2]}" if name == "model" else name, "ok", "fine")

        return check

    for function, name in [
        ("_token", "token"),
        ("_route", "route"),
        ("check_gateway", "gateway"),
        ("_model", "model"),
    ]:
        monkeypatch.setattr(_checks, function, passes(name))
    monkeypatch.setattr(_checks, which, raises)
    gateway = GatewayTarget(TARGET.account_id, "breeze-infra-dev", {})
    target = replace(TARGET, models=TARGET.models[:2], gateway=gateway)
    emitted: list[Check] = []
    client: Any = FakeClient(delay=0)
    results = asyncio.run(
        run_checks(client, target, CLOCK, inference=True, budget=30, emit=emitted.append)
    )
    assert [c.name for c in results] == check_names(target, True)
    assert emitted == results
    failed = [c for c in results if c.status == "fail"]
    raised = {"_token": "token", "_route": "route", "check_gateway": "gateway"}
    expected = [raised[which]] if which in raised else [f"model {m}" for m in target.models]
    assert [c.name for c in failed] == expected
    for check in failed:
        assert check.detail.startswith("could not run: ")
        assert "Arbitrary" not in check.detail and "KeyError" not in check.detail


def test_a_consumer_whose_run_raises_is_a_failed_line_and_fails_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from breeze_infra.doctor import _fleet

    async def raises(*_: Any, **__: Any) -> list[Check]:
        raise Arbitrary("boom")

    monkeypatch.setattr(_fleet, "run_checks", raises)
    seen: list[Check] = []
    out = io.StringIO()
    code = run_fleet(
        [Consumer(None, TARGET, KEY)],
        now=CLOCK,
        timeout=30,
        inference=False,
        out=out,
        on_check=lambda _, check: seen.append(check),
    )
    assert code == 1
    assert seen == [Check("doctor", "fail", "could not run: boom")]
    assert out.getvalue().startswith("fail  doctor")
