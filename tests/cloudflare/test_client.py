"""Spec of CloudflareClient, exercised over real HTTP against the local emulator."""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from breeze_infra.cloudflare import (
    DEFAULT_API_ROOT,
    AccountNotFoundError,
    ApiError,
    AuthenticationError,
    ClientSettings,
    CloudflareClient,
    CloudflareError,
    DailyAllocationExhaustedError,
    LicenceRequiredError,
    MalformedResponseError,
    ModelNotFoundError,
    NetworkError,
    RateLimitedError,
    ServerError,
    api_root,
    inference_base_url,
)
from breeze_infra.cloudflare._classify import Call, Case, http_error
from breeze_infra.cloudflare._envelope import HttpFailure
from breeze_infra.errors import ApiMessage
from breeze_infra.sandbox.emulator import (
    DEFAULT_TOKEN,
    CloudflareEmulator,
    Fault,
    TokenInfo,
    default_catalog,
)

T = TypeVar("T")

SECRET = "cfat_KNOWNSECRET_7d1f0c2a9b8e4d6f1a3c5e7b9d0f2a4c"
HI = [{"role": "user", "content": "ping"}]
CHAT_MODEL = "@cf/meta/llama-3.1-8b-instruct"
LICENCE_MODEL = "@cf/meta/llama-3.2-11b-vision-instruct"
FAST = ClientSettings(
    attempts=4,
    base_delay=0.01,
    max_delay=0.05,
    deadline=10.0,
    connect_timeout=1.0,
    read_timeout=2.0,
)


class FakeSleep:
    """Records the waits the client asks for instead of sleeping through them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def run(coro: Awaitable[T]) -> T:
    async def wrapper() -> T:
        return await coro

    return asyncio.run(wrapper())


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [TokenInfo(DEFAULT_TOKEN), TokenInfo(SECRET)]


def client_for(
    emu: CloudflareEmulator,
    sleep: FakeSleep | None = None,
    *,
    token: str = DEFAULT_TOKEN,
    settings: ClientSettings = FAST,
    rng: Callable[[], float] | None = None,
) -> CloudflareClient:
    return CloudflareClient(
        token, base_url=emu.base_url, settings=settings, sleep=sleep or FakeSleep(), rng=rng
    )


def accounts(emu: CloudflareEmulator, rest: str) -> str:
    return f"/accounts/{emu.account_id}{rest}"


def expect_error(
    emu: CloudflareEmulator,
    error_type: type[CloudflareError],
    call: Callable[[CloudflareClient], Awaitable[Any]],
    *,
    sleep: FakeSleep | None = None,
    settings: ClientSettings = FAST,
    token: str = DEFAULT_TOKEN,
) -> tuple[CloudflareError, CloudflareClient]:
    async def scenario() -> tuple[CloudflareError, CloudflareClient]:
        async with client_for(emu, sleep, token=token, settings=settings) as client:
            with pytest.raises(error_type) as caught:
                await call(client)
            return caught.value, client

    return run(scenario())


def test_api_root_defaults_to_cloudflare_and_honours_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOUDFLARE_BASE_URL", raising=False)
    assert api_root() == DEFAULT_API_ROOT
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", "http://127.0.0.1:9/client/v4/")
    assert api_root() == "http://127.0.0.1:9/client/v4"
    assert CloudflareClient("t").base_url == "http://127.0.0.1:9/client/v4"
    assert inference_base_url("abc", DEFAULT_API_ROOT) == (
        "https://api.cloudflare.com/client/v4/accounts/abc/ai/v1"
    )


def test_refuses_empty_token_and_plain_http_to_remote_hosts() -> None:
    with pytest.raises(ValueError, match="empty"):
        CloudflareClient("  \n")
    with pytest.raises(ValueError, match="plain http"):
        CloudflareClient("t", base_url="http://api.example.com/client/v4")


def test_success_returns_result_and_sends_bearer_token(emu: CloudflareEmulator) -> None:
    async def scenario() -> None:
        async with client_for(emu) as client:
            envelope = await client.request_envelope("GET", accounts(emu, "/tokens/verify"))
            assert envelope.result["status"] == "active"
            assert envelope.messages[0].code == 10000
            assert client.request_count == 1

    run(scenario())
    assert emu.bearer_tokens() == [DEFAULT_TOKEN]
    assert emu.requests[0].redacted_headers()["Authorization"] == "Bearer [REDACTED]"


def test_paginate_follows_every_page(emu: CloudflareEmulator) -> None:
    async def scenario() -> list[Any]:
        async with client_for(emu) as client:
            return await client.get_all_pages(accounts(emu, "/ai/models/search"), per_page=4)

    items = run(scenario())
    assert [m["name"] for m in items] == [m.name for m in default_catalog()]
    assert emu.count(accounts(emu, "/ai/models/search")) == 4
    pages = [r.query["page"] for r in emu.requests]
    assert pages == [["1"], ["2"], ["3"], ["4"]]


def test_paginate_stops_on_short_page_when_totals_are_missing(emu: CloudflareEmulator) -> None:
    def page(items: list[int]) -> Fault:
        return Fault.respond(200, {"success": True, "errors": [], "messages": [], "result": items})

    emu.inject("/accounts", [page([1, 2]), page([3])])

    async def scenario() -> list[Any]:
        async with client_for(emu) as client:
            return [i async for i in client.paginate(accounts(emu, "/things"), per_page=2)]

    assert run(scenario()) == [1, 2, 3]
    assert emu.total_requests == 2


def test_429_retry_after_is_honoured(emu: CloudflareEmulator) -> None:
    sleep = FakeSleep()
    emu.inject("/accounts", [Fault.rate_limited(retry_after=0.04)])

    async def scenario() -> None:
        async with client_for(emu, sleep) as client:
            await client.get(accounts(emu, "/tokens/verify"))
            assert client.request_count == 2

    run(scenario())
    assert sleep.delays == [0.04]


def test_retry_after_is_capped_by_max_delay(emu: CloudflareEmulator) -> None:
    sleep = FakeSleep()
    emu.inject("/accounts", [Fault.status(503, retry_after=30)])

    async def scenario() -> None:
        async with client_for(emu, sleep) as client:
            await client.get(accounts(emu, "/tokens/verify"))

    run(scenario())
    assert sleep.delays == [FAST.max_delay]


def test_429_without_retry_after_backs_off_exponentially_with_jitter(
    emu: CloudflareEmulator,
) -> None:
    emu.inject("/accounts", [Fault.rate_limited()] * 3)
    settings = ClientSettings(attempts=4, base_delay=0.01, max_delay=0.025)

    async def scenario(rng: Callable[[], float]) -> list[float]:
        sleep = FakeSleep()
        async with client_for(emu, sleep, settings=settings, rng=rng) as client:
            await client.get(accounts(emu, "/tokens/verify"))
        return sleep.delays

    assert run(scenario(lambda: 1.0)) == pytest.approx([0.01, 0.02, 0.025])
    emu.inject("/accounts", [Fault.rate_limited()] * 3)
    assert run(scenario(lambda: 0.5)) == pytest.approx([0.005, 0.01, 0.0125])


def test_503_burst_then_success(emu: CloudflareEmulator) -> None:
    emu.inject("/accounts", [Fault.status(503), Fault.status(502), Fault.status(503)])

    async def scenario() -> None:
        async with client_for(emu) as client:
            result = await client.get(accounts(emu, "/tokens/verify"))
            assert result["status"] == "active"
            assert client.request_count == 4

    run(scenario())


def test_html_502_from_the_edge_is_retried_like_any_5xx(emu: CloudflareEmulator) -> None:
    emu.inject("/accounts", [Fault.malformed(status=502)])

    async def scenario() -> None:
        async with client_for(emu) as client:
            await client.get(accounts(emu, "/tokens/verify"))
            assert client.request_count == 2

    run(scenario())


def test_500s_exhaust_attempts_and_raise_server_error(emu: CloudflareEmulator) -> None:
    emu.inject("/accounts", [Fault.status(500)] * 4)
    error, client = expect_error(emu, ServerError, lambda c: c.get(accounts(emu, "/tokens/verify")))
    assert error.status == 500
    assert error.attempts == 4
    assert "after 4 attempts" in str(error)
    assert client.request_count == 4


def test_429s_exhaust_attempts_and_raise_rate_limited(emu: CloudflareEmulator) -> None:
    emu.inject("/accounts", [Fault.rate_limited(retry_after=0)] * 4)
    error, _ = expect_error(emu, RateLimitedError, lambda c: c.get(accounts(emu, "/tokens/verify")))
    assert "rate limited after 4 attempts" in str(error)
    assert "1,200 requests per 5 minutes" in str(error)
    assert error.codes == (971,)


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(400, ApiError), (403, AuthenticationError), (404, AccountNotFoundError)],
)
def test_other_4xx_are_not_retried(
    emu: CloudflareEmulator, status: int, error_type: type[CloudflareError]
) -> None:
    sleep = FakeSleep()
    emu.inject("/accounts", [Fault.status(status)])
    error, client = expect_error(
        emu, error_type, lambda c: c.get(accounts(emu, "/tokens/verify")), sleep=sleep
    )
    assert error.status == status
    assert client.request_count == 1
    assert sleep.delays == []


def test_daily_allocation_exhausted_is_not_retried(emu: CloudflareEmulator) -> None:
    sleep = FakeSleep()
    emu.inject("/accounts", [Fault.daily_allocation_exhausted()])
    error, client = expect_error(
        emu,
        DailyAllocationExhaustedError,
        lambda c: c.post_inference(emu.account_id, CHAT_MODEL, HI),
        sleep=sleep,
    )
    assert error.status == 429
    assert error.codes == (3036,)
    assert "10,000 neurons" in str(error)
    assert "00:00 UTC" in str(error)
    assert client.request_count == 1
    assert sleep.delays == []


def test_stall_past_read_timeout_is_retried_then_raises_network_error(
    emu: CloudflareEmulator,
) -> None:
    # The deadline is generous (a loaded machine must not reach it): the attempts end the call.
    settings = ClientSettings(attempts=3, base_delay=0.01, read_timeout=0.3, deadline=60.0)
    emu.inject("/accounts", [Fault.stall(5)] * 3)
    error, client = expect_error(
        emu,
        NetworkError,
        lambda c: c.get(accounts(emu, "/tokens/verify")),
        settings=settings,
    )
    assert client.request_count == 3
    assert "could not reach 127.0.0.1 after 3 attempts" in str(error)
    assert "read timed out after 0.3 s" in str(error)


def test_deadline_bounds_the_whole_call(emu: CloudflareEmulator) -> None:
    settings = ClientSettings(attempts=10, base_delay=0.05, read_timeout=0.3, deadline=0.8)
    emu.inject("/accounts", [Fault.stall(5)] * 10)
    error, client = expect_error(
        emu,
        NetworkError,
        lambda c: c.get(accounts(emu, "/tokens/verify")),
        settings=settings,
        sleep=None,
    )
    # Ten 0.3 s attempts cannot fit in 0.8 s: the deadline, not the attempts, ended the call.
    assert client.request_count < 10
    assert "deadline" in str(error)


def test_retry_after_past_the_deadline_stops_instead_of_waiting(
    emu: CloudflareEmulator,
) -> None:
    sleep = FakeSleep()
    settings = ClientSettings(max_delay=30.0, deadline=2.0)
    emu.inject("/accounts", [Fault.rate_limited(retry_after=20)])
    error, _ = expect_error(
        emu,
        RateLimitedError,
        lambda c: c.get(accounts(emu, "/tokens/verify")),
        sleep=sleep,
        settings=settings,
    )
    assert sleep.delays == []
    assert "2 s deadline" in str(error)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 20


def test_dropped_connection_is_retried(emu: CloudflareEmulator) -> None:
    emu.inject("/accounts", [Fault.drop()])

    async def scenario() -> None:
        async with client_for(emu) as client:
            completion = await client.post_inference(emu.account_id, CHAT_MODEL, HI)
            assert completion.content == "ok"
            assert completion.finish_reason == "length"
            assert client.request_count == 2

    run(scenario())
    assert emu.inference_counts[CHAT_MODEL] == 1


def test_plain_post_is_not_retried_once_it_may_have_been_processed(
    emu: CloudflareEmulator,
) -> None:
    path = accounts(emu, f"/ai/run/{CHAT_MODEL}")
    emu.inject("/accounts", [Fault.drop()])
    error, client = expect_error(emu, NetworkError, lambda c: c.post(path, {"prompt": "hi"}))
    assert client.request_count == 1
    assert "connection dropped" in str(error)

    emu.inject("/accounts", [Fault.drop(), Fault.status(500)])

    async def scenario() -> Any:
        async with client_for(emu) as c:
            return await c.post(path, {"prompt": "hi"}, idempotent=True)

    assert run(scenario())["response"] == "ok"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_connection_refused_is_retried_then_names_the_host() -> None:
    sleep = FakeSleep()

    async def scenario() -> NetworkError:
        base = f"http://127.0.0.1:{closed_port()}/client/v4"
        async with CloudflareClient("t", base_url=base, settings=FAST, sleep=sleep) as client:
            with pytest.raises(NetworkError) as caught:
                await client.get("/user/tokens/verify")
            assert client.request_count == FAST.attempts
            return caught.value

    error = run(scenario())
    assert "could not reach 127.0.0.1 after 4 attempts" in str(error)
    assert "connection failed" in str(error)
    assert len(sleep.delays) == FAST.attempts - 1


def test_malformed_json_raises_malformed_response(emu: CloudflareEmulator) -> None:
    emu.inject("/accounts", [Fault.malformed("<html>" + "x" * 1000 + "</html>")])
    error, client = expect_error(
        emu, MalformedResponseError, lambda c: c.get(accounts(emu, "/tokens/verify"))
    )
    assert isinstance(error, MalformedResponseError)
    assert error.status == 200
    assert "not JSON" in str(error)
    assert len(error.body_excerpt) <= 200
    assert client.request_count == 1


def test_json_without_envelope_is_malformed(emu: CloudflareEmulator) -> None:
    emu.inject("/accounts", [Fault.respond(200, {"hello": "world"})])
    error, _ = expect_error(
        emu, MalformedResponseError, lambda c: c.get(accounts(emu, "/tokens/verify"))
    )
    assert "not a Cloudflare v4 envelope" in str(error)


def test_wrong_account_id_says_which_setting_to_fix(emu: CloudflareEmulator) -> None:
    wrong = "ffffffffffffffffffffffffffffffff"
    error, _ = expect_error(
        emu, AccountNotFoundError, lambda c: c.post_inference(wrong, CHAT_MODEL, HI)
    )
    assert isinstance(error, AccountNotFoundError)
    assert f"could not route to /accounts/{wrong}" in str(error)
    assert "breeze-infra:accountId" in str(error)
    assert error.codes == (7003,)
    assert error.account_id == wrong


def test_unknown_model_raises_model_not_found(emu: CloudflareEmulator) -> None:
    error, _ = expect_error(
        emu,
        ModelNotFoundError,
        lambda c: c.post_inference(emu.account_id, "@cf/meta/llama-9-imaginary", HI),
    )
    assert isinstance(error, ModelNotFoundError)
    assert error.model == "@cf/meta/llama-9-imaginary"
    assert "'@cf/meta/llama-9-imaginary' not found" in str(error)
    assert error.codes == (5007,)


def test_licence_model_needs_acceptance_first(emu: CloudflareEmulator) -> None:
    error, _ = expect_error(
        emu,
        LicenceRequiredError,
        lambda c: c.post_inference(emu.account_id, LICENCE_MODEL, HI),
    )
    assert error.status == 403
    assert "accept the model's licence first" in str(error)

    async def accept_then_run() -> str | None:
        async with client_for(emu) as client:
            await client.post(accounts(emu, f"/ai/run/{LICENCE_MODEL}"), {"prompt": "agree"})
            return (await client.post_inference(emu.account_id, LICENCE_MODEL, HI)).content

    assert run(accept_then_run()) == "ok"


def test_non_chat_model_is_an_api_error_with_a_hint(emu: CloudflareEmulator) -> None:
    error, client = expect_error(
        emu, ApiError, lambda c: c.post_inference(emu.account_id, "@cf/baai/bge-m3", HI)
    )
    assert error.codes == (5006,)
    assert "only Text Generation models" in str(error)
    assert client.request_count == 1


def test_inference_accepts_a_v4_envelope_around_the_completion(
    emu: CloudflareEmulator,
) -> None:
    completion = {
        "id": "x",
        "model": CHAT_MODEL,
        "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
    }
    emu.inject("/accounts", [Fault.respond(200, {"success": True, "result": completion})])

    async def scenario() -> str | None:
        async with client_for(emu) as client:
            return (await client.post_inference(emu.account_id, CHAT_MODEL, HI)).content

    assert run(scenario()) == "hi"


GATEWAY = {
    "id": "breeze-infra-dev",
    "cache_invalidate_on_update": True,
    "cache_ttl": 0,
    "collect_logs": True,
    "rate_limiting_interval": 60,
    "rate_limiting_limit": 100,
    "rate_limiting_technique": "sliding",
    "authentication": False,
}


def test_a_chat_completion_through_the_gateway_host_retries_and_never_shows_the_token(
    emu: CloudflareEmulator,
) -> None:
    emu.gateways.add_gateway(GATEWAY)
    path = f"/{emu.account_id}/{GATEWAY['id']}/workers-ai/v1/chat/completions"
    body = {"model": CHAT_MODEL, "messages": HI, "max_tokens": 1}
    echo = f"token {SECRET} was rejected"
    sleep = FakeSleep()

    async def scenario() -> tuple[str | None, int, int, CloudflareError]:
        async with client_for(emu, sleep, token=SECRET) as client:
            async with client.with_base_url(emu.gateways.gateway_root) as via:
                emu.inject("/ai-gateway", [Fault.rate_limited(retry_after=0.04), Fault.status(503)])
                content = (await via.post_chat_completion(path, body)).content
                sent = via.request_count
                emu.inject("/ai-gateway", [Fault.status(503, message=echo)] * FAST.attempts)
                with pytest.raises(ServerError) as caught:
                    await via.post_chat_completion(path, body)
                assert_no_secret(repr(via), str(via), repr(vars(via)))
            return content, sent, client.request_count, caught.value

    content, sent, parent_requests, error = run(scenario())
    assert content is not None
    assert sent == 3
    assert parent_requests == 0
    assert sleep.delays[0] == 0.04
    assert len(sleep.delays) == 1 + 1 + FAST.attempts - 1
    assert error.attempts == FAST.attempts
    assert error.path == path
    assert_no_secret(str(error), repr(error), "".join(traceback.format_exception(error)))
    assert set(emu.bearer_tokens()) == {SECRET}
    assert all(r.path.startswith("/ai-gateway/v1/") for r in emu.requests)


def test_a_sibling_for_another_token_shares_the_settings_but_sends_its_own_token(
    emu: CloudflareEmulator,
) -> None:
    async def scenario() -> None:
        async with (
            client_for(emu, token=SECRET) as client,
            client.with_base_url(client.base_url, token=DEFAULT_TOKEN) as other,
        ):
            assert other.settings is client.settings
            await other.get(accounts(emu, "/tokens/verify"))

    run(scenario())
    assert emu.bearer_tokens() == [DEFAULT_TOKEN]


def test_token_problems_raise_authentication_errors(emu: CloudflareEmulator) -> None:
    emu.add_token("cfat_readonly_tokens", permissions=["Account API Tokens Read"])
    emu.add_token("cfat_disabled", status="disabled")

    unknown, _ = expect_error(
        emu,
        AuthenticationError,
        lambda c: c.get(accounts(emu, "/tokens/verify")),
        token="cfat_unknown",
    )
    assert unknown.codes == (1000,)
    assert unknown.status == 401

    scoped, _ = expect_error(
        emu,
        AuthenticationError,
        lambda c: c.post_inference(emu.account_id, CHAT_MODEL, HI),
        token="cfat_readonly_tokens",
    )
    assert scoped.status == 403
    assert "lacks the permission Workers AI Read" in str(scoped)

    disabled, _ = expect_error(
        emu,
        AuthenticationError,
        lambda c: c.get(accounts(emu, "/ai/models/search"), permission_hint="Workers AI Read"),
        token="cfat_disabled",
    )
    assert disabled.codes == (9109,)


class Barrier(httpx.AsyncBaseTransport):
    """Holds each request until ``parties`` are in flight at once, then lets all go on the wire.

    Calls made one after another never fill it: the test then fails at its generous bound (60 s,
    far beyond any machine's load) instead of measuring how fast the calls were.
    """

    def __init__(self, parties: int) -> None:
        self.barrier = asyncio.Barrier(parties)
        self.wire = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.wait_for(self.barrier.wait(), 60)
        return await self.wire.handle_async_request(request)

    async def aclose(self) -> None:
        await self.wire.aclose()


def test_concurrent_calls_share_one_client(emu: CloudflareEmulator) -> None:
    models = [m.name for m in default_catalog() if m.task == "Text Generation"]
    models.remove(LICENCE_MODEL)

    async def scenario() -> None:
        transport = Barrier(len(models))
        client = CloudflareClient(DEFAULT_TOKEN, base_url=emu.base_url, transport=transport)
        async with client:
            await asyncio.gather(*(client.post_inference(emu.account_id, m, HI) for m in models))

    run(scenario())
    assert dict(emu.inference_counts) == dict.fromkeys(models, 1)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text


def test_token_never_leaks_into_errors_reprs_or_logs(
    emu: CloudflareEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = ClientSettings(attempts=2, base_delay=0.0, read_timeout=0.2, deadline=5.0)
    echo = f"token {SECRET} was rejected"
    verify = accounts(emu, "/tokens/verify")
    scenarios: list[tuple[list[Fault], Callable[[CloudflareClient], Awaitable[Any]]]] = [
        ([Fault.status(403, message=echo)], lambda c: c.get(verify)),
        ([], lambda c: c.get("/accounts/0000/tokens/verify")),
        ([], lambda c: c.post_inference(emu.account_id, "@cf/nope", HI)),
        ([], lambda c: c.post_inference(emu.account_id, LICENCE_MODEL, HI)),
        ([Fault.daily_allocation_exhausted()], lambda c: c.get(verify)),
        ([Fault.status(429, message=echo)] * 2, lambda c: c.get(verify)),
        ([Fault.status(500, message=echo)] * 2, lambda c: c.get(verify)),
        ([Fault.stall(3)] * 2, lambda c: c.get(verify)),
        ([Fault.drop()] * 2, lambda c: c.get(verify)),
        ([Fault.malformed(f"<html>{SECRET}</html>")], lambda c: c.get(verify)),
        ([Fault.malformed(f"<html>{SECRET}</html>", status=502)] * 2, lambda c: c.get(verify)),
        ([Fault.status(400, code=1234, message=echo)], lambda c: c.get(verify)),
    ]
    seen: set[type[CloudflareError]] = set()

    async def scenario() -> list[CloudflareError]:
        errors: list[CloudflareError] = []
        async with CloudflareClient(
            SECRET, base_url=emu.base_url, settings=settings, sleep=FakeSleep()
        ) as client:
            for faults, call in scenarios:
                emu.inject("", faults)
                with pytest.raises(CloudflareError) as caught:
                    await call(client)
                errors.append(caught.value)
            assert_no_secret(repr(client), str(client), repr(vars(client)))
        return errors

    async def refused() -> CloudflareError:
        base = f"http://127.0.0.1:{closed_port()}/client/v4"
        async with CloudflareClient(SECRET, base_url=base, settings=settings) as client:
            with pytest.raises(NetworkError) as caught:
                await client.get("/user/tokens/verify")
            return caught.value

    errors = [*run(scenario()), run(refused())]

    for error in errors:
        seen.add(type(error))
        assert_no_secret(
            str(error),
            repr(error),
            repr(vars(error)),
            "".join(traceback.format_exception(error)),
        )
    for record in caplog.records:
        assert_no_secret(record.getMessage(), str(record.args), record.exc_text or "")
    assert seen == {
        AuthenticationError,
        AccountNotFoundError,
        ModelNotFoundError,
        LicenceRequiredError,
        DailyAllocationExhaustedError,
        RateLimitedError,
        ServerError,
        NetworkError,
        MalformedResponseError,
        ApiError,
    }
    assert SECRET in emu.bearer_tokens()
    assert any(r.name == "breeze_infra.client" for r in caplog.records)


def test_token_pasted_as_account_id_is_redacted_from_client_output(
    emu: CloudflareEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="breeze_infra.client")
    error, _ = expect_error(
        emu,
        AccountNotFoundError,
        lambda c: c.get(f"/accounts/{SECRET}/tokens/verify"),
        token=SECRET,
    )
    assert "/accounts/[REDACTED]" in str(error)
    assert_no_secret(str(error), repr(error), error.path)
    ours = [r for r in caplog.records if r.name == "breeze_infra.client"]
    assert ours
    for record in ours:
        assert_no_secret(record.getMessage())


def _classified(status: int, codes: tuple[int, ...], path: str) -> type[CloudflareError]:
    call = Call("GET", path, path, None, None, idempotent=True, openai=False)
    errors = tuple(ApiMessage(code, "") for code in codes)
    failure = HttpFailure(status, errors, None, "application/json")
    return type(http_error(Case(call, failure, attempts=1, deadline=60.0)))


@pytest.mark.parametrize(
    ("status", "codes", "path", "expected"),
    [
        (429, (3036,), "/accounts/a/ai/run/m", DailyAllocationExhaustedError),
        (429, (3040,), "/accounts/a/ai/run/m", RateLimitedError),
        (403, (5016,), "/accounts/a/ai/run/m", LicenceRequiredError),
        (400, (7003,), "/accounts/a/tokens", AccountNotFoundError),
        (404, (), "/accounts/a/tokens", AccountNotFoundError),
        (404, (), "/user/tokens", ApiError),
        (403, (7003, 10000), "/accounts/a/tokens", AccountNotFoundError),
        (400, (5007,), "/accounts/a/ai/run/m", ModelNotFoundError),
        (403, (10000,), "/accounts/a/tokens", AuthenticationError),
        (401, (), "/user/tokens", AuthenticationError),
        (503, (), "/accounts/a/tokens", ServerError),
        (400, (6003,), "/accounts/a/tokens", ApiError),
    ],
)
def test_the_first_matching_rule_names_the_failure(
    status: int, codes: tuple[int, ...], path: str, expected: type[CloudflareError]
) -> None:
    """Where one answer carries several signals, the more specific meaning wins: the spent daily
    allocation over the 429, a mistyped account over the token's refusal."""
    assert _classified(status, codes, path) is expected


@pytest.mark.parametrize(
    "echo",
    [
        SECRET.upper(),
        SECRET.lower(),
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
        SECRET[: len(SECRET) // 2],
        SECRET[len(SECRET) // 2 :],
        SECRET[5:21],
    ],
    ids=["upper", "lower", "base64", "base64url", "first-half", "second-half", "sixteen"],
)
def test_a_server_echoing_the_token_transformed_is_redacted(
    emu: CloudflareEmulator, echo: str
) -> None:
    """Issue 20, D: how far redaction goes is in ``messages.HeldToken``'s docstring."""
    message = f"bad token {echo} given"
    emu.inject("/accounts", [Fault.status(400, code=1234, message=message)])
    error, _ = expect_error(
        emu, ApiError, lambda c: c.get(accounts(emu, "/tokens/verify")), token=SECRET
    )
    shown = str(error) + repr(error.errors)
    assert echo not in shown and echo.lower() not in shown.lower()
    assert "bad token [REDACTED] given" in str(error)
