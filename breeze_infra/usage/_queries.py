"""The two GraphQL datasets ``usage`` reads: their documents, paging by hour, and the client.

The datasets are read with one paged query each, through the API client, so they get its
timeouts, bounded retries and token-free error messages; GraphQL's ``{data, errors}`` answer is
turned into the v4 envelope that client reads.
"""

from __future__ import annotations

import json
import os
import ssl
from datetime import datetime
from typing import Final

import httpx

from breeze_infra.cloudflare import CloudflareClient, client_settings
from breeze_infra.errors import MalformedResponseError
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.rotation import timestamp
from breeze_infra.usage._rows import Group, parse_rows

GATEWAY_DATASET: Final = "aiGatewayRequestsAdaptiveGroups"
INFERENCE_DATASET: Final = "aiInferenceAdaptiveGroups"
PAGE_LIMIT: Final = 10_000
"""Rows per GraphQL answer: Cloudflare's largest ``limit``."""
MAX_PAGES: Final = 30
"""Pages per dataset: 300,000 groups, 90 days of 139 gateway-model pairs every hour. Each page is
validated into small rows as it comes, so a server whose pages never end costs a bounded amount
of memory before the run gives up with one line."""
REPORTING_PERMISSIONS: Final = "Account Analytics Read, AI Gateway Read and Account API Tokens Read"

GATEWAY_QUERY: Final = """
query BreezeGatewayUsage($accountTag: string!, $filter: AccountAiGatewayRequestsAdaptiveGroupsFilter_InputObject, $limit: uint64!) {
  viewer { accounts(filter: {accountTag: $accountTag}) {
    aiGatewayRequestsAdaptiveGroups(filter: $filter, limit: $limit, orderBy: [datetimeHour_ASC]) {
      count
      sum { cost cachedRequests erroredRequests uncachedTokensIn uncachedTokensOut }
      dimensions { gateway model provider rateLimited statusCode datetimeHour }
    }
  } }
}"""
INFERENCE_QUERY: Final = """
query BreezeWorkersAiUsage($accountTag: string!, $filter: AccountAiInferenceAdaptiveGroupsFilter_InputObject, $limit: uint64!) {
  viewer { accounts(filter: {accountTag: $accountTag}) {
    aiInferenceAdaptiveGroups(filter: $filter, limit: $limit, orderBy: [datetimeHour_ASC]) {
      count
      sum { totalNeurons totalInputTokens totalOutputTokens }
      dimensions { modelId datetimeHour }
    }
  } }
}"""


class _GraphqlAsEnvelope(httpx.AsyncBaseTransport):
    """GraphQL answers ``{data, errors}``; the client reads the v4 envelope. This turns one into
    the other, so GraphQL calls get the client's retries and messages unchanged."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if not request.url.path.endswith("/graphql") or response.status_code != 200:
            return response
        body = await response.aread()
        try:
            data = json.loads(body)
        except ValueError:
            return httpx.Response(200, content=body, headers=response.headers)
        if not isinstance(data, dict) or "data" not in data:
            return httpx.Response(200, content=body, headers=response.headers)
        errors = [
            {"code": 0, "message": str(e.get("message", e)) if isinstance(e, dict) else str(e)}
            for e in data.get("errors") or []
        ]
        envelope = {"success": not errors, "errors": errors, "messages": [], "result": data["data"]}
        status = 400 if errors else 200
        return httpx.Response(
            status,
            content=json.dumps(envelope).encode(),
            headers={"content-type": "application/json"},
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def reporting_client(token: str, timeout: float) -> CloudflareClient:
    context = ssl.create_default_context(
        cafile=os.environ.get("SSL_CERT_FILE"), capath=os.environ.get("SSL_CERT_DIR")
    )
    transport = _GraphqlAsEnvelope(httpx.AsyncHTTPTransport(verify=context))
    try:
        return CloudflareClient(token, settings=client_settings(timeout), transport=transport)
    except ValueError as exc:
        raise CommandError(f"breeze-infra usage: {exc}", ExitCode.BAD_INPUT) from None


async def query_dataset(
    client: CloudflareClient,
    account_id: str,
    dataset: str,
    query: str,
    since: datetime,
    until: datetime,
) -> list[Group]:
    """Every group of one dataset in the window, validated: one query, paged by hour.

    Rows come ordered by hour; a full page may end inside an hour, so the next page starts at
    that hour again and the partial hour's rows of the earlier page are dropped.
    """
    rows: list[Group] = []
    start = timestamp(since)
    for _ in range(MAX_PAGES):
        variables = {
            "accountTag": account_id,
            "filter": {"datetimeHour_geq": start, "datetimeHour_lt": timestamp(until)},
            "limit": PAGE_LIMIT,
        }
        result = await client.post(
            "/graphql",
            {"query": query, "variables": variables},
            permission_hint="Account Analytics Read",
            idempotent=True,
        )
        page = parse_rows(dataset, _groups(result, dataset), first=len(rows))
        if len(page) < PAGE_LIMIT:
            return rows + page
        last = page[-1].dimensions.datetimeHour
        kept = [r for r in page if r.dimensions.datetimeHour != last]
        if last <= start:
            raise MalformedResponseError(
                f"{dataset}: a full page that ends at {last}, where it started: paging would "
                "not advance",
                method="POST",
                path="/graphql",
            )
        if not kept:
            raise MalformedResponseError(
                f"{dataset}: more than {PAGE_LIMIT} groups in the hour {last}; use a shorter --since",
                method="POST",
                path="/graphql",
            )
        rows += kept
        start = last
    raise MalformedResponseError(
        f"{dataset}: paging did not end after {MAX_PAGES} pages", method="POST", path="/graphql"
    )


def _groups(result: object, dataset: str) -> list[object]:
    try:
        (account,) = result["viewer"]["accounts"]  # type: ignore[index]
        groups = account[dataset]
    except (KeyError, TypeError, ValueError):
        raise MalformedResponseError(
            f"GraphQL answer has no {dataset} for the account", method="POST", path="/graphql"
        ) from None
    if not isinstance(groups, list):
        raise MalformedResponseError(f"{dataset} is not a list", method="POST", path="/graphql")
    return groups
