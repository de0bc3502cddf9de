"""The public components' args, checked like the stack keys (issue 20, class F).

Another team's program calls ``WorkersAiToken`` and ``SecretsDelivery`` with whatever it has: each
probe below is one such call, kept as the issue gave it, and each must stop the program with
exactly one ``ArgsError`` line naming the component and the argument, before any look-up or
resource: never ``AttributeError``, ``OverflowError`` or ``TypeError``, never a line per
character. The mechanism is ``resources.args.checked``; the last tests throw values of every wrong
kind at every field of both args classes, so a field added later is held to it too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pulumi
import pytest

from breeze_infra import (
    ArgsError,
    SecretsDelivery,
    SecretsDeliveryArgs,
    WorkersAiToken,
    WorkersAiTokenArgs,
)
from breeze_infra.messages import HIDDEN
from breeze_infra.sandbox.mocks import FakeCloudflare
from tests.conftest import ACCOUNT_ID, NOW
from tests.test_examples import run_under_mocks

KEY = "cfat_" + "K" * 40
BASE_URL = f"https://api.cloudflare.com/client/v4/accounts/{ACCOUNT_ID}/ai/v1"
VAULT = {"backend": "vault", "mount": "kv", "path": "ai/dev"}


def token(args: Any, name: Any = "ai", opts: Any = None) -> Callable[[], object]:
    return lambda: WorkersAiToken(name, args, opts)


def delivery(args: Any, name: Any = "keys", opts: Any = None) -> Callable[[], object]:
    return lambda: SecretsDelivery(name, args, opts)


def token_args(**overrides: Any) -> WorkersAiTokenArgs:
    return WorkersAiTokenArgs(**{"account_id": ACCOUNT_ID, "now": NOW, **overrides})


def delivery_args(**overrides: Any) -> SecretsDeliveryArgs:
    return SecretsDeliveryArgs(**{"api_key": KEY, "base_url": BASE_URL, **overrides})


def the_one_line(program: Callable[[], object]) -> str:
    """The program stops with one ArgsError line, before any look-up or resource."""
    fake = FakeCloudflare()
    with pytest.raises(ArgsError) as caught:
        run_under_mocks(program, fake=fake)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, lines
    assert fake.lookups == []
    assert fake.created == []
    assert KEY not in lines[0]
    assert lines[0].isprintable()
    return lines[0]


# (probe id, the call, the line it must give): the probes first, then their siblings.
PROBES: list[tuple[str, Callable[[], object], str]] = [
    (
        "now-as-text",
        token(token_args(now="2026-11-25T09:30:00Z")),
        "WorkersAiToken 'ai': now: expected a datetime.datetime with a time zone "
        '(got "2026-11-25T09:30:00Z")',
    ),
    (
        "now-in-year-9999",
        token(token_args(now=datetime(9999, 12, 31, 23, 59, tzinfo=UTC))),
        "WorkersAiToken 'ai': now: 9999-12-31T23:59:00+00:00 is outside the years 1970 to 9000, "
        "which rotation windows can be computed for",
    ),
    (
        "now-in-year-1",
        token(token_args(now=datetime(1, 1, 1, tzinfo=UTC))),
        "WorkersAiToken 'ai': now: 0001-01-01T00:00:00+00:00 is outside the years 1970 to 9000, "
        "which rotation windows can be computed for",
    ),
    (
        "args-as-a-dict",
        token({"account_id": ACCOUNT_ID}),
        "WorkersAiToken 'ai': args: expected WorkersAiTokenArgs(...), got a mapping; write "
        "WorkersAiTokenArgs(**values) for a mapping of its fields",
    ),
    (
        "secrets-none",
        delivery(delivery_args(secrets=None)),
        "SecretsDelivery 'keys': secrets: expected a list (got null)",
    ),
    (
        "secrets-a-string",
        delivery(delivery_args(secrets="vault")),
        "SecretsDelivery 'keys': secrets: expected a list (got \"vault\")",
    ),
    # Siblings: the same kinds of mistake in the other args.
    (
        "delivery-args-as-a-dict",
        delivery({"api_key": KEY, "base_url": BASE_URL}),
        "SecretsDelivery 'keys': args: expected SecretsDeliveryArgs(...), got a mapping; write "
        "SecretsDeliveryArgs(**values) for a mapping of its fields",
    ),
    (
        "args-none",
        token(None),
        "WorkersAiToken 'ai': args: expected WorkersAiTokenArgs(...), got None; write "
        "WorkersAiTokenArgs(**values) for a mapping of its fields",
    ),
    (
        "the-other-components-args",
        token(delivery_args()),
        "WorkersAiToken 'ai': args: expected WorkersAiTokenArgs(...), got a SecretsDeliveryArgs; "
        "write WorkersAiTokenArgs(**values) for a mapping of its fields",
    ),
    (
        "secrets-one-entry-not-in-a-list",
        delivery(delivery_args(secrets=VAULT)),
        'SecretsDelivery \'keys\': secrets: expected a list (got {"backend": "vault", '
        '"mount": "kv", "path": "ai/dev"})',
    ),
    (
        "secrets-empty",
        delivery(delivery_args(secrets=[])),
        "SecretsDelivery 'keys': secrets: must list at least 1 item(s)",
    ),
    (
        "permissions-a-string",
        token(token_args(permissions="read")),
        "WorkersAiToken 'ai': permissions: expected a list (got \"read\")",
    ),
    (
        "allowed-cidrs-a-string",
        token(token_args(allowed_cidrs="10.0.0.0/8")),
        "WorkersAiToken 'ai': allowed_cidrs: expected a list (got \"10.0.0.0/8\")",
    ),
    (
        "now-a-date",
        token(token_args(now=date(2026, 11, 25))),
        "WorkersAiToken 'ai': now: expected a datetime.datetime with a time zone "
        '(got "2026-11-25")',
    ),
    (
        "now-a-unix-time",
        token(token_args(now=1_764_063_000)),
        "WorkersAiToken 'ai': now: expected a datetime.datetime with a time zone (got 1764063000)",
    ),
    (
        "now-without-a-zone",
        token(token_args(now=datetime(2026, 11, 25, 9, 30))),
        "WorkersAiToken 'ai': now: 2026-11-25T09:30:00 must carry a time zone",
    ),
    (
        "now-in-year-9999-at-another-offset",
        token(token_args(now=datetime(9999, 12, 31, tzinfo=timezone(timedelta(hours=-5))))),
        "WorkersAiToken 'ai': now: 9999-12-31T00:00:00-05:00 is outside the years 1970 to 9000, "
        "which rotation windows can be computed for",
    ),
    (
        "generation-as-text",
        token(token_args(generation="1")),
        "WorkersAiToken 'ai': generation: expected a whole number (got \"1\")",
    ),
    (
        "rotation-days-true",
        token(token_args(rotation_days=True)),
        "WorkersAiToken 'ai': rotation_days: true is not a number; give a number",
    ),
    (
        "rotation-days-beyond-what-python-prints",
        token(token_args(rotation_days=10**5000)),
        "WorkersAiToken 'ai': rotation_days: Input should be less than or equal to 365 (got a int)",
    ),
    (
        "account-id-none",
        token(token_args(account_id=None)),
        "WorkersAiToken 'ai': account_id: expected text (got null)",
    ),
    (
        "consumer-a-number",
        token(token_args(consumer=7)),
        "WorkersAiToken 'ai': consumer: expected text (got 7)",
    ),
    (
        "base-url-none",
        delivery(delivery_args(base_url=None)),
        "SecretsDelivery 'keys': base_url: expected text (got null)",
    ),
    (
        "base-url-not-a-url",
        delivery(delivery_args(base_url="api.cloudflare.com\n::error::x")),
        "SecretsDelivery 'keys': base_url: 'api.cloudflare.com\\n::error::x' is not an http(s) "
        "URL such as workers_ai_base_url(account_id) or a gateway's",
    ),
    (
        "api-key-none",
        delivery(delivery_args(api_key=None)),
        "SecretsDelivery 'keys': api_key: expected the key as non-empty text or a pulumi.Output "
        "such as token.value",
    ),
    (
        "note-holding-a-token",
        delivery(delivery_args(note=f"your key: {KEY}")),
        f"SecretsDelivery 'keys': note: '{HIDDEN}': a token never belongs here, this key is "
        "published in plain text (manifests, outputs, logs)",
    ),
    (
        "opts-as-a-dict",
        token(token_args(), opts={"protect": True}),
        "WorkersAiToken 'ai': opts: expected pulumi.ResourceOptions(...) or None, got a mapping",
    ),
    (
        "permission-item-wrong",
        token(token_args(permissions=[["read"]])),
        "WorkersAiToken 'ai': permissions[0]: Input should be 'read' or 'write' (got [\"read\"])",
    ),
    (
        "name-none",
        token(token_args(), name=None),
        "WorkersAiToken: name: expected the resource's name as non-empty text (got null)",
    ),
    (
        "name-a-token",
        token(token_args(account_id="x"), name=KEY),
        f"WorkersAiToken '{HIDDEN}': name: '{HIDDEN}': a token never belongs here, this key is "
        "published in plain text (manifests, outputs, logs)",
    ),
    (
        "name-with-a-newline",
        delivery(delivery_args(), name="keys\n::error::x"),
        "SecretsDelivery 'keys\\n::error::x': name: 'keys\\n::error::x' holds a control "
        "character; a resource's name is printed as is",
    ),
]


@pytest.mark.parametrize(("program", "line"), [p[1:] for p in PROBES], ids=[p[0] for p in PROBES])
def test_each_probe_is_one_args_error_line(program: Callable[[], object], line: str) -> None:
    assert the_one_line(program) == line


def test_a_line_per_problem_when_several_args_are_wrong() -> None:
    fake = FakeCloudflare()
    with pytest.raises(ArgsError) as caught:
        run_under_mocks(token(token_args(now="today", permissions="read")), fake=fake)
    assert str(caught.value).splitlines() == [
        "WorkersAiToken 'ai': permissions: expected a list (got \"read\")",
        "WorkersAiToken 'ai': now: expected a datetime.datetime with a time zone (got \"today\")",
    ]


def test_what_a_program_writes_naturally_is_taken() -> None:
    """Lists where the class says Sequence, a zone other than UTC, entries as mappings."""

    def program() -> None:
        key = WorkersAiToken(
            "ai",
            token_args(
                permissions=["read", "write"],
                allowed_cidrs=["10.0.0.0/8"],
                now=datetime(2026, 11, 25, 10, 30, tzinfo=timezone(timedelta(hours=1))),
            ),
        )
        SecretsDelivery("keys", SecretsDeliveryArgs(key.value, BASE_URL, [VAULT]))

    run = run_under_mocks(program)
    assert {r.type for r in run.registrations} >= {
        "breeze:index:WorkersAiToken",
        "breeze:index:SecretsDelivery",
    }


# Every field of both args classes, given a value of each kind no field takes.


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")

    __repr__ = __str__


WRONG_KINDS: list[tuple[str, Callable[[], Any]]] = [
    ("an-object", object),
    ("a-mapping", lambda: {"k": 1}),
    ("bytes", lambda: b"dev"),
    ("a-float", lambda: 3.5),
    ("not-a-number", lambda: float("nan")),
    ("a-set", lambda: {"read"}),
    ("unprintable", _Unprintable),
]


def fields_of(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


@pytest.mark.parametrize("kind", [k[1] for k in WRONG_KINDS], ids=[k[0] for k in WRONG_KINDS])
@pytest.mark.parametrize("field", fields_of(WorkersAiTokenArgs))
def test_every_token_arg_of_a_wrong_kind_is_one_line_naming_it(
    field: str, kind: Callable[[], Any]
) -> None:
    line = the_one_line(token(token_args(**{field: kind()})))
    assert line.startswith(f"WorkersAiToken 'ai': {field}: ")


@pytest.mark.parametrize("kind", [k[1] for k in WRONG_KINDS], ids=[k[0] for k in WRONG_KINDS])
@pytest.mark.parametrize("field", fields_of(SecretsDeliveryArgs))
def test_every_delivery_arg_of_a_wrong_kind_is_one_line_naming_it(
    field: str, kind: Callable[[], Any]
) -> None:
    line = the_one_line(delivery(delivery_args(**{field: kind()})))
    assert line.startswith(f"SecretsDelivery 'keys': {field}: ")


def test_the_args_error_is_a_pulumi_run_error() -> None:
    """So ``pulumi up`` prints its line alone, without a traceback."""
    assert issubclass(ArgsError, pulumi.RunError)
