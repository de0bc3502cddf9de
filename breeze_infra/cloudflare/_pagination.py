"""Following Cloudflare's ``result_info`` across pages.

Endpoints fill in different paging fields (``total_pages`` on some, only ``total_count`` or
nothing on others), so the end of a list is judged from whichever is there, most exact first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from breeze_infra.cloudflare._envelope import Envelope, ResultInfo
from breeze_infra.errors import MalformedResponseError


async def pages(
    fetch: Callable[[int], Awaitable[Envelope]],
    shown_path: str,
    per_page: int,
    max_pages: int,
) -> AsyncIterator[Any]:
    """Every item of ``fetch(1)``, ``fetch(2)``, ... until the last page; ``max_pages`` guards
    against an endpoint that keeps reporting more pages than it has."""
    page = 1
    seen = 0
    while True:
        envelope = await fetch(page)
        items = envelope.result
        if not isinstance(items, list):
            raise MalformedResponseError(
                f"unexpected response on GET {shown_path}: expected a list in `result` for page "
                f"{page}, got {type(items).__name__}",
                method="GET",
                path=shown_path,
                attempts=1,
            )
        for item in items:
            yield item
        seen += len(items)
        info = envelope.result_info or ResultInfo()
        if not items or is_last_page(info, page, seen, len(items), per_page):
            return
        page += 1
        if page > max_pages:
            raise MalformedResponseError(
                f"pagination of GET {shown_path} did not end after {max_pages} pages",
                method="GET",
                path=shown_path,
            )


def is_last_page(info: ResultInfo, page: int, seen: int, got: int, per_page: int) -> bool:
    if info.total_pages is not None:
        return (info.page or page) >= info.total_pages
    if info.total_count is not None:
        return seen >= info.total_count
    return got < (info.per_page or per_page)
