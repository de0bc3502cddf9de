"""A failed Cloudflare look-up during ``pulumi up``, as one line naming what to check.

The program's look-ups (the permission groups a token's policy names) are invokes of the
cloudflare provider. When Cloudflare refuses one, the SDK raises ``invoke of <token> failed:
<provider error>``, and the provider's error is cloudflare-go's ``apierror.Error``
(``internal/apierror/apierror.go``, cloudflare-go v4: ``METHOD "URL": STATUS Reason BODY``) or a
network error. This reads the status and Cloudflare's error code out of that text and says which
setting to look at: the bootstrap token (401), its permission (403), the account id (404, or
Cloudflare's 7003 "could not route"), or Cloudflare itself (429, 5xx). Pure: no Pulumi, no httpx.
"""

from __future__ import annotations

import re

from breeze_infra.endpoints import TOKEN_ENV
from breeze_infra.messages import short

__all__ = ["lookup_failure"]

_STATUS = re.compile(r'(?:HTTP |": )([1-5]\d\d)\b')
_CODE = re.compile(r'"code"\s*:\s*(\d+)|\b(\d{4,5}): ')
_TOKEN_SETTING = f"{TOKEN_ENV} or cloudflare:apiToken"


def _status_and_code(error: str) -> tuple[int | None, int | None]:
    status = _STATUS.search(error)
    code = _CODE.search(error)
    return (
        int(status.group(1)) if status else None,
        int(code.group(1) or code.group(2)) if code else None,
    )


def lookup_failure(what: str, account_key: str, account_id: str, owner: str, error: str) -> str:
    """One line for a failed look-up of ``what``; ``error`` is the invoke's error text and
    ``account_key`` the stack key holding the account id (``<project>:accountId``)."""
    status, code = _status_and_code(error)
    shown = f"HTTP {status}" if status else "no answer"
    if code is not None:
        shown += f", code {code}"
    head = f"Cloudflare refused the look-up of {what} ({shown}): "
    if code == 7003 or status == 404:
        return head + (
            f"check {account_key} ({short(account_id)}): the bootstrap token "
            f"({_TOKEN_SETTING}) sees no such account"
        )
    if status == 401:
        return head + (
            f"the bootstrap token was not accepted; check {_TOKEN_SETTING} (a token, "
            "not a Global API Key, still active)"
        )
    if status == 403:
        needed = "Account API Tokens Write" if owner == "account" else "API Tokens Write"
        return head + (
            f"the bootstrap token ({_TOKEN_SETTING}) lacks the permission; it needs {needed} "
            f"on account {short(account_id)}"
        )
    if status == 429 or (status is not None and status >= 500):
        return head + "Cloudflare is busy or failing; run pulumi up again in a few minutes"
    if status is None:
        return (
            f"the look-up of {what} got no answer from Cloudflare ({short(error, 160)}); check "
            "the network, or CLOUDFLARE_BASE_URL if set"
        )
    return head + f"check the bootstrap token ({_TOKEN_SETTING}) and {account_key}"
