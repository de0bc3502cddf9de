"""Where the client connects and how long it may take: the API root, the time budget, TLS.

breeze-infra runs in CI, where a check that hangs is worse than one that fails, so every limit is
here in one frozen value, and the root URL is refused early (before a token is sent) when it is
malformed or would carry the token over plain http to another machine.
"""

from __future__ import annotations

import functools
import math
import re
import ssl
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import httpx

from breeze_infra.endpoints import BASE_URL_ENV, api_root, workers_ai_base_url
from breeze_infra.messages import short

_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "::1", "localhost"})
_HOST: Final = re.compile(r"[A-Za-z0-9._:-]+")


def inference_base_url(account_id: str, root: str | None = None) -> str:
    """The OpenAI-compatible base URL for an account under ``root`` (default: the env's API root).

    Same function as the manifest's, but defaulting to CLOUDFLARE_BASE_URL so that checks reach
    whatever server the client itself talks to.
    """
    return workers_ai_base_url(account_id, root if root is not None else api_root())


@dataclass(frozen=True)
class ClientSettings:
    """Time and retry budget of one client.

    The defaults suit CI: four attempts and a 60 s ceiling per call, because a check that cannot
    finish within a minute is more useful reported than waited on. ``deadline`` bounds one logical
    call (all of its attempts and waits), not the lifetime of the client.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 10.0
    deadline: float = 60.0
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not (math.isfinite(self.base_delay) and self.base_delay >= 0):
            raise ValueError("base_delay must be a finite number >= 0")
        positive = {
            "max_delay": self.max_delay,
            "deadline": self.deadline,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            "write_timeout": self.write_timeout,
            "pool_timeout": self.pool_timeout,
        }
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0")

    def timeout(self, remaining: float | None = None) -> httpx.Timeout:
        """Return per-attempt timeouts, shrunk so that one attempt cannot outlive the deadline."""
        cap = math.inf if remaining is None else max(remaining, 0.001)
        return httpx.Timeout(
            connect=min(self.connect_timeout, cap),
            read=min(self.read_timeout, cap),
            write=min(self.write_timeout, cap),
            pool=min(self.pool_timeout, cap),
        )


def checked_root(base_url: str | None, *, allow_http: bool) -> tuple[str, str]:
    """The API root without its trailing slash, and its host, or ValueError saying what to fix.

    Checked here rather than left to httpx, which would fail mid-request with a message that
    quotes the URL unmasked, or not at all (a port out of range).
    """
    root = (base_url if base_url is not None else api_root()).rstrip("/")
    try:
        parts = urlsplit(root)  # an unclosed '[' raises here
        valid = (
            parts.scheme in ("http", "https")
            and _HOST.fullmatch(parts.hostname or "") is not None
            and root.isascii()
        )
        _ = parts.port  # a port that is not a number in 0-65535 raises here, not in httpx
    except ValueError:
        valid = False
    if not valid:
        what = "Cloudflare API root" if base_url is not None else BASE_URL_ENV
        raise ValueError(f"{what} must be an http(s) URL, got '{short(root)}'")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS and not allow_http:
        raise ValueError(
            f"refusing to send the API token over plain http to {parts.hostname}; "
            "use https or pass allow_http=True"
        )
    return root, parts.hostname or ""


@functools.lru_cache(maxsize=4)
def ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's default verifying context, built once per process (and CA setting) rather than per
    client: building one costs about 20 ms, and ``doctor --all-consumers`` opens a client per key.
    The arguments are the variables httpx reads, so a changed setting gets its own context."""
    return httpx.create_ssl_context()


def checked_token(token: str) -> str:
    """The token stripped, or ValueError before it could break a request half-way."""
    token = token.strip()
    if not token:
        raise ValueError("Cloudflare API token is empty")
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        raise ValueError("Cloudflare API token contains whitespace or control characters")
    if not token.isascii():
        # HTTP headers are ASCII: httpx would fail with UnicodeEncodeError mid-request.
        raise ValueError(
            "Cloudflare API token holds non-ASCII characters (curly quotes from a paste?)"
        )
    return token


def normalised_path(path: str) -> str:
    if "://" in path:
        raise ValueError("pass a path relative to the API root, not a full URL")
    return path if path.startswith("/") else "/" + path
