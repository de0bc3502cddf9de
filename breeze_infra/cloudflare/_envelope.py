"""What comes back from Cloudflare, parsed: the v4 envelope, OpenAI-shaped completions, failures.

Every answer is turned into one of three values: an :class:`Envelope`, a :class:`ChatCompletion`,
or an :class:`HttpFailure` that the rules in ``_classify`` word for a person. Parsing never raises
on a hostile body (a proxy's HTML page, a JSON list, a token echoed back): the shape is checked
field by field, and every piece of text is passed through :class:`Secret` before it is kept.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from breeze_infra.errors import ApiMessage, as_int
from breeze_infra.messages import REDACTED_REPR, HeldToken, safe_line

if TYPE_CHECKING:
    import httpx

EXCERPT_CHARS: Final = 200
_MESSAGE_CHARS: Final = 300


@dataclass(frozen=True)
class ResultInfo:
    """Paging data of a list answer; Cloudflare fills in only some of the fields per endpoint."""

    page: int | None = None
    per_page: int | None = None
    count: int | None = None
    total_count: int | None = None
    total_pages: int | None = None


@dataclass(frozen=True)
class Envelope:
    """A successful v4 answer, kept whole for callers that need ``messages`` or ``result_info``."""

    result: Any
    messages: tuple[ApiMessage, ...] = ()
    result_info: ResultInfo | None = None


@dataclass(frozen=True)
class ChatCompletion:
    """The parts of an OpenAI-shaped chat completion that a liveness check looks at."""

    id: str
    model: str
    content: str | None
    finish_reason: str | None
    usage: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpFailure:
    """An HTTP answer that is not a success: Cloudflare's codes, or why the body made no sense."""

    status: int
    errors: tuple[ApiMessage, ...]
    retry_after: float | None
    content_type: str
    malformed: str | None = None
    excerpt: str = ""

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(e.code for e in self.errors)


class Secret:
    """Holds the token so that neither repr() nor vars() of the client can print it."""

    __slots__ = ("_echoes", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        self._echoes = HeldToken(value)

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """Text that came from Cloudflare (or the network), fit to quote in one printed line:
        this token replaced (in any case, in base64, or any long part of it), any other token
        masked, control characters escaped."""
        return safe_line(self._echoes.redact(text))

    def __repr__(self) -> str:
        return REDACTED_REPR

    __str__ = __repr__


def parse_response(
    response: httpx.Response, secret: Secret, *, openai: bool
) -> Envelope | ChatCompletion | HttpFailure:
    """One answer as a value. ``openai`` is for the OpenAI-compatible endpoints, which answer
    OpenAI-shaped JSON on success but (usually) the v4 envelope on failure, so both are read."""
    status = response.status_code
    content_type = response.headers.get("content-type", "unknown")
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    try:
        data: object = response.json()
    except ValueError:
        return _malformed(response, secret, content_type, retry_after, "the body is not JSON")
    ok = 200 <= status < 300
    if isinstance(data, dict) and isinstance(data.get("success"), bool):
        errors = _api_messages(data.get("errors"), secret)
        if data["success"] and ok:
            if openai:
                return _chat_completion(data.get("result"), response, secret, content_type)
            return Envelope(
                result=data.get("result"),
                messages=_api_messages(data.get("messages"), secret),
                result_info=_result_info(data.get("result_info")),
            )
        return HttpFailure(status, errors, retry_after, content_type)
    if openai and isinstance(data, dict):
        if ok and "choices" in data:
            return _chat_completion(data, response, secret, content_type)
        error = data.get("error")
        if not ok and isinstance(error, dict | str):
            return HttpFailure(status, _openai_error(error, secret), retry_after, content_type)
    what = "an OpenAI chat completion" if openai else "a Cloudflare v4 envelope"
    return _malformed(response, secret, content_type, retry_after, f"the JSON is not {what}")


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds from now, as a number or an HTTP date; None when unusable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _chat_completion(
    data: object, response: httpx.Response, secret: Secret, content_type: str
) -> ChatCompletion | HttpFailure:
    if not isinstance(data, dict):
        return _malformed(response, secret, content_type, None, "no chat completion in `result`")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return _malformed(response, secret, content_type, None, "the completion has no choices")
    first = choices[0]
    message = first.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    finish = first.get("finish_reason")
    usage = data.get("usage")
    return ChatCompletion(
        id=str(data.get("id", "")),
        model=str(data.get("model", "")),
        content=content if isinstance(content, str) else None,
        finish_reason=finish if isinstance(finish, str) else None,
        usage=usage if isinstance(usage, dict) else {},
        raw=data,
    )


def _malformed(
    response: httpx.Response,
    secret: Secret,
    content_type: str,
    retry_after: float | None,
    reason: str,
) -> HttpFailure:
    text = response.content[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    excerpt = secret.redact(text)[:EXCERPT_CHARS]
    return HttpFailure(
        response.status_code, (), retry_after, content_type, malformed=reason, excerpt=excerpt
    )


def _api_messages(raw: object, secret: Secret) -> tuple[ApiMessage, ...]:
    if not isinstance(raw, list):
        return ()
    out: list[ApiMessage] = []
    for item in raw:
        if isinstance(item, dict):
            text = item.get("message", "")
            out.append(
                ApiMessage(
                    code=as_int(item.get("code")) or 0,
                    message=secret.redact(str(text))[:_MESSAGE_CHARS],
                )
            )
        elif isinstance(item, str):
            out.append(ApiMessage(0, secret.redact(item)[:_MESSAGE_CHARS]))
    return tuple(out)


def _openai_error(error: object, secret: Secret) -> tuple[ApiMessage, ...]:
    if isinstance(error, str):
        return (ApiMessage(0, secret.redact(error)[:_MESSAGE_CHARS]),)
    if isinstance(error, dict):
        text = secret.redact(str(error.get("message", "")))[:_MESSAGE_CHARS]
        return (ApiMessage(as_int(error.get("code")) or 0, text),)
    return ()


def _result_info(raw: object) -> ResultInfo | None:
    if not isinstance(raw, dict):
        return None
    return ResultInfo(
        page=as_int(raw.get("page")),
        per_page=as_int(raw.get("per_page")),
        count=as_int(raw.get("count")),
        total_count=as_int(raw.get("total_count")),
        total_pages=as_int(raw.get("total_pages")),
    )
