"""A failed look-up during ``pulumi up`` becomes one line naming what to check, whatever the
provider's error text looks like (cloudflare-go v4's ``apierror.Error`` format)."""

from __future__ import annotations

import pytest

from breeze_infra.lookups import lookup_failure

ACCOUNT = "0123456789abcdef0123456789abcdef"
URL = f'GET "https://api.cloudflare.com/client/v4/accounts/{ACCOUNT}/tokens/permission_groups"'


def _go_error(status: int, reason: str, code: int) -> str:
    body = f'{{"success":false,"errors":[{{"code":{code},"message":"m"}}],"messages":[]}}'
    return f"invoke of cloudflare:index/x:x failed: {URL}: {status} {reason} {body}"


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (
            _go_error(401, "Unauthorized", 10000),
            "check CLOUDFLARE_API_TOKEN or cloudflare:apiToken",
        ),
        (_go_error(403, "Forbidden", 10000), "it needs Account API Tokens Write on account"),
        (_go_error(404, "Not Found", 7003), f"check acme-ai:accountId ({ACCOUNT})"),
        (_go_error(400, "Bad Request", 7003), f"check acme-ai:accountId ({ACCOUNT})"),
        (_go_error(503, "Service Unavailable", 10002), "run pulumi up again in a few minutes"),
        (_go_error(429, "Too Many Requests", 971), "run pulumi up again in a few minutes"),
        (_go_error(400, "Bad Request", 9999), "check the bootstrap token"),
    ],
)
def test_each_refusal_names_what_to_check(error: str, says: str) -> None:
    line = lookup_failure(
        "permission group 'Workers AI Read'", "acme-ai:accountId", ACCOUNT, "account", error
    )
    assert says in line
    assert "\n" not in line and "invoke of" not in line and "{" not in line


def test_a_user_owned_token_needs_the_user_permission() -> None:
    line = lookup_failure("g", "k:accountId", ACCOUNT, "user", _go_error(403, "Forbidden", 10000))
    assert "it needs API Tokens Write" in line


def test_no_answer_is_a_network_line_and_never_shows_a_token() -> None:
    token = "cfat_" + "s" * 43
    line = lookup_failure("g", "k:accountId", ACCOUNT, "account", f"dial tcp: refused {token}")
    assert "got no answer from Cloudflare" in line and token not in line
