"""The emulator's HTTP vocabulary: recorded requests, answers in Cloudflare's envelope, faults.

Shared by every route family, so a new family (an AI Gateway, say) writes answers exactly as the
others do: ``ok(result)`` or ``error(status, code, message)``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from breeze_infra.messages import REDACTED

API_PREFIX = "/client/v4"
NAMESPACE = uuid.UUID("6f1c1d8e-0c3b-4c57-9d43-0b6a4e1c2f10")
JsonHeaders = tuple[tuple[str, str], ...]


def stable_hex(text: str) -> str:
    """An id that is the same in every run, so tests and docs can quote it."""
    return uuid.uuid5(NAMESPACE, text).hex


@dataclass(frozen=True)
class Fault:
    """One scripted answer, consumed by exactly one request.

    ``kind``: ``respond`` sends ``http_status``/``body``/``headers`` as given; ``stall`` waits
    ``seconds`` and then behaves like ``then`` (or answers normally); ``drop`` closes the socket
    without answering.
    """

    kind: Literal["respond", "stall", "drop"]
    http_status: int = 200
    body: bytes = b""
    headers: JsonHeaders = ()
    seconds: float = 0.0
    then: Fault | None = None

    @classmethod
    def status(
        cls,
        status: int,
        *,
        code: int | None = None,
        message: str | None = None,
        retry_after: float | str | None = None,
    ) -> Fault:
        """An error envelope; the code and message default to what Cloudflare sends for status."""
        default_code, default_message = DEFAULT_ERRORS.get(
            status, (10002, "An unknown error has occurred")
        )
        error = {
            "code": default_code if code is None else code,
            "message": default_message if message is None else message,
        }
        headers: JsonHeaders = (("Content-Type", "application/json"),)
        if retry_after is not None:
            headers += (("Retry-After", format_seconds(retry_after)),)
        return cls("respond", status, envelope_bytes(False, errors=[error]), headers)

    @classmethod
    def rate_limited(cls, retry_after: float | str | None = None) -> Fault:
        return cls.status(429, retry_after=retry_after)

    @classmethod
    def daily_allocation_exhausted(cls) -> Fault:
        return cls.status(
            429,
            code=3036,
            message="AiError: AiError: You have used up your daily free allocation of 10,000 "
            "neurons, please upgrade to Cloudflare's Workers Paid plan if you would like to "
            "continue usage.",
        )

    @classmethod
    def respond(
        cls,
        status: int,
        body: object,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Any JSON (or raw bytes/str) body, for shapes the emulator does not produce itself."""
        if isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode()
        else:
            raw = json.dumps(body).encode()
        pairs = tuple((headers or {"Content-Type": "application/json"}).items())
        return cls("respond", status, raw, pairs)

    @classmethod
    def malformed(
        cls,
        body: bytes | str = b"<html><body>502 Bad Gateway</body></html>",
        *,
        status: int = 200,
        content_type: str = "text/html",
    ) -> Fault:
        return cls.respond(status, body, headers={"Content-Type": content_type})

    @classmethod
    def stall(cls, seconds: float, then: Fault | None = None) -> Fault:
        return cls("stall", seconds=seconds, then=then)

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")


# 10001 (400) and 10002 (5xx) are emulator-invented defaults; pass code= to script a real one.
DEFAULT_ERRORS: dict[int, tuple[int, str]] = {
    400: (10001, "Bad request"),
    401: (10000, "Authentication error"),
    403: (10000, "Authentication error"),
    404: (7000, "No route for that URI"),
    429: (971, "Please wait and consider throttling your request speed"),
}


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the emulator saw it; headers are raw so tests can check the token was sent."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: JsonHeaders
    body: bytes
    at: float

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    @property
    def bearer(self) -> str | None:
        value = self.header("Authorization")
        if value is None or not value.startswith("Bearer "):
            return None
        return value[len("Bearer ") :]

    def redacted_headers(self) -> dict[str, str]:
        return {
            key: (f"Bearer {REDACTED}" if key.lower() == "authorization" else value)
            for key, value in self.headers
        }

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Answer:
    """What a route sends back: status, body and headers, as the handler writes them."""

    status: int
    body: bytes
    headers: JsonHeaders = (("Content-Type", "application/json"),)


def relative(path: str) -> str:
    return path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else path


def first(query: Mapping[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def format_seconds(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


def envelope_bytes(
    success: bool,
    *,
    result: object = None,
    errors: list[dict[str, Any]] | None = None,
    messages: list[dict[str, Any]] | None = None,
    result_info: dict[str, Any] | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "success": success,
        "errors": errors or [],
        "messages": messages or [],
        "result": result,
    }
    if result_info is not None:
        body["result_info"] = result_info
    # Compact, as the API answers: the provider stores a policy's ``resources`` as the raw text.
    return json.dumps(body, separators=(",", ":")).encode()


def ok(
    result: object,
    *,
    messages: list[dict[str, Any]] | None = None,
    result_info: dict[str, Any] | None = None,
) -> Answer:
    return Answer(
        200, envelope_bytes(True, result=result, messages=messages, result_info=result_info)
    )


def error(status: int, code: int, message: str) -> Answer:
    return Answer(status, envelope_bytes(False, errors=[{"code": code, "message": message}]))
