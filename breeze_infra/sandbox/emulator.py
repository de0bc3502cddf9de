"""A local Cloudflare API emulator for tests, benchmarks and the sandbox.

Cloudflare cannot be reached from CI, and mocking httpx would skip the parts that break in
practice (timeouts, dropped sockets, keep-alive reuse), so this is a real HTTP server on
127.0.0.1 speaking the v4 envelope and the error codes documented in
Cloudflare's reference notes. Tokens can be created, listed, read, updated and deleted on the
account and user paths, as the fake cloudflare provider plugin does for the real Pulumi engine;
``token_events`` keeps the order of those writes. Faults are scripted per path prefix and consumed one per
request, which lets a test describe an exact sequence such as "429, 503, then success".

Error codes marked "emulator-invented" below have no documented Cloudflare equivalent; the client
must not key on them.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, cast
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "API_PREFIX",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_TOKEN",
    "PERMISSION_GROUPS",
    "WORKERS_AI_READ_ID",
    "WORKERS_AI_WRITE_ID",
    "CloudflareEmulator",
    "Fault",
    "Model",
    "RecordedRequest",
    "TokenEvent",
    "TokenInfo",
    "default_catalog",
]

API_PREFIX = "/client/v4"
DEFAULT_ACCOUNT_ID = "8c2f4e6a1b3d5f7092a4c6e8b0d2f4a6"
DEFAULT_TOKEN = "cfat_emulatorDefaultToken0000000000000000000000"
WORKERS_AI_READ_ID = "a92d2450e05d4e7bb7d0a64968f83d11"
WORKERS_AI_WRITE_ID = "bacc64e0f6c34fc0883a1223f938a104"

TEXT_GENERATION = "Text Generation"
WORKERS_AI_PERMISSIONS = frozenset({"Workers AI Read", "Workers AI Write"})
TOKENS_READ_PERMISSIONS = frozenset({"Account API Tokens Read", "Account API Tokens Write"})
USER_TOKENS_PERMISSIONS = frozenset({"API Tokens Read", "API Tokens Write"})

_ACCOUNT_SCOPE = "com.cloudflare.api.account"
_USER_SCOPE = "com.cloudflare.api.user"
_NAMESPACE = uuid.UUID("6f1c1d8e-0c3b-4c57-9d43-0b6a4e1c2f10")

TokenStatus = Literal["active", "disabled", "expired"]
TokenKind = Literal["account", "user"]
JsonHeaders = tuple[tuple[str, str], ...]


def _stable_hex(text: str) -> str:
    return uuid.uuid5(_NAMESPACE, text).hex


PERMISSION_GROUPS: tuple[dict[str, Any], ...] = (
    {"id": WORKERS_AI_READ_ID, "name": "Workers AI Read", "scopes": [_ACCOUNT_SCOPE]},
    {"id": WORKERS_AI_WRITE_ID, "name": "Workers AI Write", "scopes": [_ACCOUNT_SCOPE]},
    {"id": _stable_hex("AI Gateway Read"), "name": "AI Gateway Read", "scopes": [_ACCOUNT_SCOPE]},
    {"id": _stable_hex("AI Gateway Edit"), "name": "AI Gateway Edit", "scopes": [_ACCOUNT_SCOPE]},
    {
        "id": _stable_hex("Workers Scripts Read"),
        "name": "Workers Scripts Read",
        "scopes": [_ACCOUNT_SCOPE],
    },
    {
        "id": _stable_hex("Account API Tokens Read"),
        "name": "Account API Tokens Read",
        "scopes": [_ACCOUNT_SCOPE],
    },
    {
        "id": _stable_hex("Account API Tokens Write"),
        "name": "Account API Tokens Write",
        "scopes": [_ACCOUNT_SCOPE],
    },
    {"id": _stable_hex("API Tokens Write"), "name": "API Tokens Write", "scopes": [_USER_SCOPE]},
    {
        "id": _stable_hex("Workers AI Read (user)"),
        "name": "Workers AI Read",
        "scopes": [_USER_SCOPE],
    },
)

_TASK_DESCRIPTIONS = {
    TEXT_GENERATION: "Family of generative text models, such as large language models (LLM), "
    "that can be adapted for a variety of natural language tasks.",
    "Text Embeddings": "Feature extraction models transform raw data into numerical features "
    "that can be processed while preserving the information in the original dataset.",
    "Summarization": "Summarization is the task of producing a shorter version of a document "
    "while preserving its important information.",
    "Translation": "Translation models convert a sequence of text from one language to another.",
    "Text-to-Image": "Generates images from input text.",
    "Automatic Speech Recognition": "Automatic speech recognition (ASR) models convert a speech "
    "signal, typically an audio input, to text.",
    "Text Classification": "Sentiment analysis or text classification is a common NLP task that "
    "classifies a text input into labels or classes.",
}

_TASK_INPUT = {
    "Text Embeddings": "text",
    "Summarization": "input_text",
    "Translation": "text",
    "Text-to-Image": "prompt",
    "Automatic Speech Recognition": "audio",
    "Text Classification": "text",
}


@dataclass
class TokenInfo:
    """What the emulator knows about one token. ``permissions=None`` grants every permission."""

    value: str
    id: str = ""
    status: TokenStatus = "active"
    kind: TokenKind = "account"
    expires_on: str | None = None
    not_before: str | None = None
    permissions: frozenset[str] | None = None
    record: dict[str, Any] | None = None
    """The API's view of a token minted through the emulator (name, policies, ...); else None."""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = _stable_hex("token:" + self.value)

    def __repr__(self) -> str:
        return f"TokenInfo(id={self.id!r}, status={self.status!r}, kind={self.kind!r})"


@dataclass(frozen=True)
class Model:
    """One catalog entry; ``properties`` keeps insertion order and any JSON value."""

    name: str
    task: str
    description: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    requires_licence: bool = False

    @property
    def id(self) -> str:
        return str(uuid.uuid5(_NAMESPACE, "model:" + self.name))

    @property
    def experimental(self) -> bool:
        return self.properties.get("beta") == "true"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": 1,
            "name": self.name,
            "description": self.description,
            "task": {
                "id": str(uuid.uuid5(_NAMESPACE, "task:" + self.task)),
                "name": self.task,
                "description": _TASK_DESCRIPTIONS.get(self.task, ""),
            },
            "tags": list(self.tags),
            "properties": [{"property_id": k, "value": v} for k, v in self.properties.items()],
        }


def _price(input_per_m: float, output_per_m: float) -> list[dict[str, Any]]:
    return [
        {"unit": "per M input tokens", "price": input_per_m, "currency": "USD"},
        {"unit": "per M output tokens", "price": output_per_m, "currency": "USD"},
    ]


def default_catalog() -> list[Model]:
    """Sixteen models covering every shape the manifest code has to cope with.

    Values are plausible, not authoritative: context windows and prices were picked to exercise
    parsing (string numbers, list-valued price, an object-valued property, a past deprecation).
    """
    return [
        Model(
            "@cf/meta/llama-3.1-8b-instruct",
            TEXT_GENERATION,
            "The Meta Llama 3.1 collection of multilingual large language models.",
            {"context_window": "7968", "price": _price(0.282, 0.827)},
        ),
        Model(
            "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
            TEXT_GENERATION,
            "Llama 3.3 70B quantized to fp8 precision, optimized to be faster.",
            {"context_window": "24000", "function_calling": "true", "price": _price(0.293, 2.253)},
        ),
        Model(
            "@cf/openai/gpt-oss-120b",
            TEXT_GENERATION,
            "OpenAI's open-weight model for production, general purpose, high reasoning use.",
            {
                "context_window": "128000",
                "reasoning": "true",
                "function_calling": "true",
                "price": _price(0.35, 0.75),
            },
        ),
        Model(
            "@cf/openai/gpt-oss-20b",
            TEXT_GENERATION,
            "OpenAI's open-weight model for lower latency and local or specialized use.",
            {"context_window": "128000", "reasoning": "true", "price": _price(0.2, 0.3)},
        ),
        Model(
            "@cf/mistralai/mistral-small-3.1-24b-instruct",
            TEXT_GENERATION,
            "Mistral Small 3.1 adds vision understanding and a 128k context window.",
            {"context_window": "128000", "vision": "true", "function_calling": "true"},
        ),
        Model(
            "@cf/qwen/qwq-32b",
            TEXT_GENERATION,
            "QwQ is the reasoning model of the Qwen series.",
            {"context_window": "24000", "reasoning": "true", "lora": "true"},
        ),
        Model(
            "@hf/nousresearch/hermes-2-pro-mistral-7b",
            TEXT_GENERATION,
            "Hermes 2 Pro on Mistral 7B, trained for function calling and JSON mode.",
            {"context_window": "24000", "function_calling": "true", "beta": "true"},
        ),
        Model(
            "@cf/meta/llama-2-7b-chat-int8",
            TEXT_GENERATION,
            "Quantized (int8) generative text model with 7 billion parameters from Meta.",
            {"context_window": "8192", "planned_deprecation_date": "2025-10-01"},
        ),
        Model(
            "@cf/meta/llama-3.2-11b-vision-instruct",
            TEXT_GENERATION,
            "Llama 3.2-Vision, optimized for visual recognition and image reasoning.",
            {
                "context_window": "128000",
                "vision": "true",
                "terms": {
                    "name": "Llama 3.2 Community License",
                    "url": "https://github.com/meta-llama/llama-models/blob/main/models/"
                    "llama3_2/LICENSE",
                    "must_accept": True,
                },
            },
            requires_licence=True,
        ),
        Model(
            "@cf/baai/bge-large-en-v1.5",
            "Text Embeddings",
            "BAAI general embedding (large) model that transforms text into a vector.",
            {"max_input_tokens": "512", "output_dimensions": "1024"},
        ),
        Model(
            "@cf/baai/bge-m3",
            "Text Embeddings",
            "Multi-functional, multi-lingual, multi-granular embedding model.",
            {"max_input_tokens": "8192", "output_dimensions": "1024"},
        ),
        Model(
            "@cf/facebook/bart-large-cnn",
            "Summarization",
            "BART is a transformer encoder-decoder model fine-tuned on CNN Daily Mail.",
            {"beta": "true"},
        ),
        Model(
            "@cf/meta/m2m100-1.2b",
            "Translation",
            "Multilingual encoder-decoder model trained for many-to-many translation.",
            {"languages": "100"},
        ),
        Model(
            "@cf/black-forest-labs/flux-1-schnell",
            "Text-to-Image",
            "FLUX.1 [schnell] is a 12 billion parameter rectified flow transformer.",
            {"price": [{"unit": "per 512 by 512 tile", "price": 0.0000528, "currency": "USD"}]},
        ),
        Model(
            "@cf/openai/whisper",
            "Automatic Speech Recognition",
            "Whisper is a general-purpose speech recognition model.",
        ),
        Model(
            "@cf/huggingface/distilbert-sst-2-int8",
            "Text Classification",
            "Distilled BERT model fine-tuned on SST-2 for sentiment classification.",
        ),
    ]


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
        default_code, default_message = _DEFAULT_ERRORS.get(
            status, (10002, "An unknown error has occurred")
        )
        error = {
            "code": default_code if code is None else code,
            "message": default_message if message is None else message,
        }
        headers: JsonHeaders = (("Content-Type", "application/json"),)
        if retry_after is not None:
            headers += (("Retry-After", _format_seconds(retry_after)),)
        return cls("respond", status, _envelope_bytes(False, errors=[error]), headers)

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
_DEFAULT_ERRORS: dict[int, tuple[int, str]] = {
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
            key: ("Bearer [REDACTED]" if key.lower() == "authorization" else value)
            for key, value in self.headers
        }

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: JsonHeaders = (("Content-Type", "application/json"),)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256

    def __init__(self, emulator: CloudflareEmulator) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", emulator.requested_port), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        with self.connections_lock:
            self.connections.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            open_now = list(self.connections)
        for conn in open_now:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        emulator = cast(_Server, self.server).emulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        split = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=unquote(split.path),
            query=parse_qs(split.query),
            headers=tuple(self.headers.items()),
            body=body,
            at=time.monotonic(),
        )
        fault = emulator._record(request)
        if not emulator._pause(emulator.latency):
            self._drop()
            return
        while fault is not None and fault.kind == "stall":
            if not emulator._pause(fault.seconds):
                self._drop()
                return
            fault = fault.then
        if fault is not None and fault.kind == "drop":
            self._drop()
            return
        if fault is not None:
            answer = _Answer(fault.http_status, fault.body, fault.headers)
        else:
            answer = emulator._route(request)
        self._send(answer)

    def _send(self, answer: _Answer) -> None:
        try:
            self.send_response(answer.status)
            for key, value in answer.headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class CloudflareEmulator:
    """Real HTTP server on 127.0.0.1 answering like the parts of Cloudflare breeze-infra uses.

    Use as ``with CloudflareEmulator() as emu:`` and point the client at ``emu.base_url``.
    Every public method is safe to call from the test thread while requests are in flight.
    """

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        tokens: Iterable[TokenInfo] | None = None,
        models: Iterable[Model] | None = None,
        latency: float = 0.0,
        default_per_page: int = 100,
        port: int = 0,
    ) -> None:
        self.account_id = account_id
        self.requested_port = port
        """0 (the default) takes a free port."""
        self.default_per_page = default_per_page
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        initial = list(tokens) if tokens is not None else [TokenInfo(DEFAULT_TOKEN)]
        self._tokens: dict[str, TokenInfo] = {t.value: t for t in initial}
        catalog = list(models) if models is not None else default_catalog()
        self._models: dict[str, Model] = {m.name: m for m in catalog}
        self._accepted_licences: set[str] = set()
        self._latency = latency
        self._faults: dict[str, list[Fault]] = {}
        self._requests: list[RecordedRequest] = []
        self._path_counts: Counter[str] = Counter()
        self._inference_counts: Counter[str] = Counter()
        self._events: list[TokenEvent] = []
        self._minted: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        from breeze_infra.sandbox.gateway_routes import GatewayRoutes

        self.gateways = GatewayRoutes(self)

    def __repr__(self) -> str:
        return f"CloudflareEmulator(base_url={self._base_url_or_none()!r})"

    def __enter__(self) -> CloudflareEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="cloudflare-emulator",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Shut down promptly even while requests stall: stalls wait on an event set here."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("emulator is not running")
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin + API_PREFIX

    def _base_url_or_none(self) -> str | None:
        return self.base_url if self._server is not None else None

    @property
    def latency(self) -> float:
        with self._lock:
            return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        with self._lock:
            self._latency = max(0.0, seconds)

    def add_token(
        self,
        value: str,
        *,
        status: TokenStatus = "active",
        kind: TokenKind = "account",
        expires_on: str | None = None,
        not_before: str | None = None,
        permissions: Iterable[str] | None = None,
        token_id: str = "",
    ) -> TokenInfo:
        info = TokenInfo(
            value=value,
            id=token_id,
            status=status,
            kind=kind,
            expires_on=expires_on,
            not_before=not_before,
            permissions=frozenset(permissions) if permissions is not None else None,
        )
        with self._lock:
            self._tokens[value] = info
        return info

    def set_token_status(self, value: str, status: TokenStatus) -> None:
        with self._lock:
            self._tokens[value] = replace(self._tokens[value], status=status)

    def remove_token(self, value: str) -> None:
        with self._lock:
            self._tokens.pop(value, None)

    def add_model(self, model: Model) -> None:
        with self._lock:
            self._models[model.name] = model

    def remove_model(self, name: str) -> None:
        with self._lock:
            self._models.pop(name, None)

    @property
    def models(self) -> list[Model]:
        with self._lock:
            return list(self._models.values())

    def accept_licence(self, model: str) -> None:
        with self._lock:
            self._accepted_licences.add(model)

    def inject(self, path_prefix: str | None, faults: Iterable[Fault]) -> None:
        """Queue faults for requests whose path (relative to /client/v4) starts with the prefix.

        ``None`` or ``""`` queues them for any path. The longest matching prefix with faults left
        wins; a request with no fault queued is answered normally.
        """
        key = path_prefix or ""
        with self._lock:
            self._faults.setdefault(key, []).extend(faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending_faults(self, path_prefix: str | None = None) -> int:
        with self._lock:
            if path_prefix is None:
                return sum(len(q) for q in self._faults.values())
            return len(self._faults.get(path_prefix, []))

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if _relative(r.path).startswith(path_prefix)]

    def count(self, path: str) -> int:
        """Requests received for exactly this path (relative to /client/v4, no query)."""
        with self._lock:
            return self._path_counts[path]

    @property
    def path_counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self._path_counts)

    @property
    def total_requests(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def inference_counts(self) -> Counter[str]:
        """Chat completions answered successfully, per model name."""
        with self._lock:
            return Counter(self._inference_counts)

    def bearer_tokens(self) -> list[str | None]:
        return [r.bearer for r in self.requests]

    @property
    def token_events(self) -> list[TokenEvent]:
        """Token writes through the API (create, update, delete), in the order they happened."""
        with self._lock:
            return list(self._events)

    def minted_values(self) -> list[str]:
        """Every secret the API minted, deleted tokens' included (to look for leaks)."""
        with self._lock:
            return list(self._minted)

    def minted_tokens(self) -> list[TokenInfo]:
        """Tokens created through the API and not deleted, oldest first."""
        with self._lock:
            return [t for t in self._tokens.values() if t.record is not None]

    def reset_log(self) -> None:
        with self._lock:
            self._requests.clear()
            self._path_counts.clear()
            self._inference_counts.clear()

    def _record(self, request: RecordedRequest) -> Fault | None:
        relative = _relative(request.path)
        with self._lock:
            self._requests.append(request)
            self._path_counts[relative] += 1
            matching = [
                key for key, queue in self._faults.items() if queue and relative.startswith(key)
            ]
            if not matching:
                return None
            return self._faults[max(matching, key=len)].pop(0)

    def _pause(self, seconds: float) -> bool:
        """Sleep unless the emulator stops first; False means it is stopping."""
        if seconds > 0:
            self._stopping.wait(seconds)
        return not self._stopping.is_set()

    def _route(self, request: RecordedRequest) -> _Answer:
        through_gateway = self.gateways.route(request)
        if through_gateway is not None:
            return through_gateway
        if not request.path.startswith(API_PREFIX + "/"):
            return _error(404, 7000, "No route for that URI")
        relative = _relative(request.path)
        parts = [p for p in relative.split("/") if p]
        method = request.method
        bearer = request.bearer
        if bearer is None:
            return _error(401, 10000, "Authentication error")
        with self._lock:
            token = self._tokens.get(bearer)
        if parts == ["user", "tokens", "verify"] and method == "GET":
            return self._verify(token, "user")
        if parts[:2] == ["user", "tokens"]:
            denied = self._authorise(token, parts[1:], user=True)
            if denied is not None:
                return denied
            if parts[2:] == ["permission_groups"] and method == "GET":
                return self._permission_groups(request)
            return self._tokens_api(request, "user", parts[2:])
        if len(parts) < 2 or parts[0] != "accounts":
            return _error(404, 7000, "No route for that URI")
        if parts[1] != self.account_id:
            return _error(
                400,
                7003,
                f"Could not route to {request.path}, perhaps your object identifier is invalid?",
            )
        rest = parts[2:]
        if rest == ["tokens", "verify"] and method == "GET":
            return self._verify(token, "account")
        denied = self._authorise(token, rest)
        if denied is not None:
            return denied
        if rest == ["tokens", "permission_groups"] and method == "GET":
            return self._permission_groups(request)
        if rest[:1] == ["tokens"]:
            return self._tokens_api(request, "account", rest[1:])
        if rest == ["ai", "models", "search"] and method == "GET":
            return self._search_models(request)
        if rest == ["ai", "v1", "chat", "completions"] and method == "POST":
            return self._chat_completion(request)
        if rest[:2] == ["ai", "run"] and len(rest) > 2 and method == "POST":
            return self._run(request, "/".join(rest[2:]))
        return _error(404, 7000, "No route for that URI")

    def _verify(self, token: TokenInfo | None, kind: TokenKind) -> _Answer:
        if token is None or token.kind != kind:
            return _error(401, 1000, "Invalid API Token")
        result: dict[str, Any] = {"id": token.id, "status": token.status}
        if token.expires_on is not None:
            result["expires_on"] = token.expires_on
        if token.not_before is not None:
            result["not_before"] = token.not_before
        note = {"code": 10000, "message": "This API Token is valid and active", "type": None}
        if token.status != "active":
            note = {"code": 10000, "message": f"This API Token is {token.status}", "type": None}
        return _ok(result, messages=[note])

    def _authorise(
        self, token: TokenInfo | None, rest: list[str], *, user: bool = False
    ) -> _Answer | None:
        if token is None:
            return _error(401, 10000, "Authentication error")
        if token.status != "active":
            return _error(403, 9109, "Invalid access token")
        if user:
            needed = USER_TOKENS_PERMISSIONS
        elif rest[:1] == ["tokens"]:
            needed = TOKENS_READ_PERMISSIONS
        else:
            needed = WORKERS_AI_PERMISSIONS
        if token.permissions is not None and not (token.permissions & needed):
            return _error(403, 10000, "Authentication error")
        return None

    def _permission_groups(self, request: RecordedRequest) -> _Answer:
        # The API documents the name filter as URL-encoded text, and decodes it once more.
        raw_name = _first(request.query, "name")
        name = None if raw_name is None else unquote(raw_name)
        scope = _first(request.query, "scope")
        groups = [
            g
            for g in PERMISSION_GROUPS
            if (name is None or g["name"] == name) and (scope is None or scope in g["scopes"])
        ]
        info = {"page": 1, "per_page": len(groups), "count": len(groups)}
        return _ok(groups, result_info={**info, "total_count": len(groups)})

    def _tokens_api(self, request: RecordedRequest, kind: TokenKind, rest: list[str]) -> _Answer:
        """``/accounts/<id>/tokens[/<token_id>]`` and ``/user/tokens[/<token_id>]``."""
        method = request.method
        if not rest:
            if method == "GET":
                with self._lock:
                    found = [_public(t) for t in self._tokens.values() if _owned(t, kind)]
                info = {"page": 1, "per_page": len(found), "count": len(found)}
                return _ok(found, result_info={**info, "total_count": len(found)})
            if method == "POST":
                return self._create_token(request, kind)
            return _error(405, 10405, "Method not allowed")  # emulator-invented
        if len(rest) != 1:
            return _error(404, 7000, "No route for that URI")
        with self._lock:
            found_token = next(
                (t for t in self._tokens.values() if t.id == rest[0] and _owned(t, kind)), None
            )
        if found_token is None:
            return _error(404, 1003, "Token not found")  # emulator-invented code
        if method == "GET":
            return _ok(_public(found_token))
        if method == "DELETE":
            with self._lock:
                self._tokens.pop(found_token.value, None)
                self._events.append(TokenEvent("delete", found_token.id, _name(found_token)))
            return _ok({"id": found_token.id})
        if method == "PUT":
            return self._update_token(request, found_token)
        return _error(405, 10405, "Method not allowed")  # emulator-invented

    def _create_token(self, request: RecordedRequest, kind: TokenKind) -> _Answer:
        body, problem = _token_body(request)
        if problem is not None:
            return problem
        prefix = "cfat_" if kind == "account" else "cfut_"
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        value = prefix + "".join(secrets.choice(alphabet) for _ in range(43))
        now = _now()
        record = {**body, "issued_on": now, "modified_on": now, "status": "active"}
        info = TokenInfo(
            value=value,
            id=uuid.uuid4().hex,
            kind=kind,
            expires_on=body.get("expires_on"),
            not_before=body.get("not_before"),
            permissions=_granted(body),
            record=record,
        )
        with self._lock:
            self._tokens[value] = info
            self._minted.append(value)
            self._events.append(TokenEvent("create", info.id, _name(info)))
        return _ok({**_public(info), "value": value})

    def _update_token(self, request: RecordedRequest, token: TokenInfo) -> _Answer:
        body, problem = _token_body(request)
        if problem is not None:
            return problem
        status = body.pop("status", None) or (token.record or {}).get("status", "active")
        record = {**body, "issued_on": (token.record or {}).get("issued_on", _now())}
        record.update(modified_on=_now(), status=status)
        updated = replace(
            token,
            status=status,
            expires_on=body.get("expires_on"),
            not_before=body.get("not_before"),
            permissions=_granted(body),
            record=record,
        )
        with self._lock:
            self._tokens[token.value] = updated
            self._events.append(TokenEvent("update", token.id, _name(updated)))
        return _ok(_public(updated))

    def _search_models(self, request: RecordedRequest) -> _Answer:
        try:
            page = int(_first(request.query, "page") or 1)
            per_page = int(_first(request.query, "per_page") or self.default_per_page)
        except ValueError:
            page = per_page = 0
        if page < 1 or per_page < 1:
            return _error(400, 1001, "page and per_page must be positive integers")  # invented
        task = _first(request.query, "task")
        search = (_first(request.query, "search") or "").lower()
        author = _first(request.query, "author")
        hide_experimental = _first(request.query, "hide_experimental") == "true"
        selected = [
            m
            for m in self.models
            if (task is None or m.task.lower() == task.lower())
            and (not search or search in m.name.lower() or search in m.description.lower())
            and (author is None or m.name.split("/")[1:2] == [author])
            and not (hide_experimental and m.experimental)
        ]
        chunk = selected[(page - 1) * per_page : page * per_page]
        info = {"page": page, "per_page": per_page, "count": len(chunk)}
        return _ok([m.to_json() for m in chunk], result_info={**info, "total_count": len(selected)})

    def _model_for_inference(self, name: object) -> Model | _Answer:
        if not isinstance(name, str) or not name:
            return _error(400, 5006, "Error: required properties at '/' are 'model'")
        with self._lock:
            model = self._models.get(name)
            accepted = name in self._accepted_licences
        if model is None:
            return _error(400, 5007, f"No such model {name} or task")
        if model.requires_licence and not accepted:
            return _error(
                403,
                5016,
                "Prior to using this model, you must submit the prompt 'agree' to accept the "
                "model's license and acceptable use policy.",
            )
        return model

    def _chat_completion(self, request: RecordedRequest) -> _Answer:
        try:
            payload = request.json()
        except ValueError:
            return _error(400, 5006, "Error: could not parse the request body as JSON")
        if not isinstance(payload, dict):
            return _error(400, 5006, "Error: type at '/' must be object")
        found = self._model_for_inference(payload.get("model"))
        if isinstance(found, _Answer):
            return found
        if found.task != TEXT_GENERATION:
            wanted = _TASK_INPUT.get(found.task, "text")
            return _error(
                400,
                5006,
                f"Error: oneOf at '/' not met, 0 matches: required properties at '/' are "
                f"'{wanted}'",
            )
        messages = payload.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, 5006, "Error: required properties at '/' are 'messages'")
        max_tokens = payload.get("max_tokens", 256)
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            return _error(400, 5006, "Error: minimum at '/max_tokens' not met")
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages if m) + 5
        with self._lock:
            self._inference_counts[found.name] += 1
        body = {
            "id": "chatcmpl-" + uuid.uuid4().hex,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": found.name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "ok"},
                    "logprobs": None,
                    "finish_reason": "length" if max_tokens <= 1 else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": 1,
                "total_tokens": prompt_tokens + 1,
            },
        }
        return _Answer(200, json.dumps(body).encode())

    def _run(self, request: RecordedRequest, name: str) -> _Answer:
        """Native endpoint, emulated only for licence acceptance and text generation."""
        try:
            payload = request.json()
        except ValueError:
            payload = None
        with self._lock:
            model = self._models.get(name)
        if model is None:
            return _error(400, 5007, f"No such model {name} or task")
        if (
            model.requires_licence
            and isinstance(payload, dict)
            and payload.get("prompt") == "agree"
        ):
            self.accept_licence(name)
            return _ok({"response": "Thank you for agreeing to the license."})
        found = self._model_for_inference(name)
        if isinstance(found, _Answer):
            return found
        if found.task != TEXT_GENERATION:
            return _error(400, 5006, f"Error: the emulator does not run {found.task} models")
        return _ok({"response": "ok", "usage": {"prompt_tokens": 5, "completion_tokens": 1}})


@dataclass(frozen=True)
class TokenEvent:
    """One token write through the API: ``action`` is create, update or delete."""

    action: Literal["create", "update", "delete"]
    token_id: str
    name: str


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
_GROUPS_BY_ID = {str(g["id"]): str(g["name"]) for g in PERMISSION_GROUPS}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _owned(token: TokenInfo, kind: TokenKind) -> bool:
    return token.record is not None and token.kind == kind


def _name(token: TokenInfo) -> str:
    return str((token.record or {}).get("name", ""))


def _public(token: TokenInfo) -> dict[str, Any]:
    """A token as list and get answer: never its secret."""
    return {"id": token.id, **(token.record or {})}


def _granted(body: Mapping[str, Any]) -> frozenset[str]:
    """The permission names an allow policy grants (what the emulator authorises calls on)."""
    names: set[str] = set()
    for item in body.get("policies", []):
        if item.get("effect") == "allow":
            names.update(_GROUPS_BY_ID[g["id"]] for g in item["permission_groups"])
    return frozenset(names)


def _token_body(request: RecordedRequest) -> tuple[dict[str, Any], _Answer | None]:
    """A create or update body checked as the API checks it; the error answers as Cloudflare's."""
    try:
        body = request.json()
    except ValueError:
        return {}, _error(400, 9207, "Request body is not valid JSON")
    if not isinstance(body, dict):
        return {}, _error(400, 9207, "Request body must be an object")
    name = body.get("name")
    if not isinstance(name, str) or not name or len(name) > 120:
        return {}, _error(400, 1007, "name: must be 1 to 120 characters")  # code invented
    policies = body.get("policies")
    if not isinstance(policies, list) or not policies:
        return {}, _error(400, 1008, "policies: at least one policy is required")  # invented
    for item in policies:
        problem = _policy_problem(item)
        if problem is not None:
            return {}, _error(400, 1009, f"policies: {problem}")  # code invented
    for key in ("expires_on", "not_before"):
        value = body.get(key)
        if value is not None and not (isinstance(value, str) and _TIMESTAMP.fullmatch(value)):
            return {}, _error(400, 1010, f"{key}: not a YYYY-MM-DDTHH:MM:SSZ time")  # invented
    return body, None


def _policy_problem(item: object) -> str | None:
    if not isinstance(item, dict):
        return "a policy must be an object"
    if item.get("effect") not in ("allow", "deny"):
        return "effect must be allow or deny"
    groups = item.get("permission_groups")
    if not isinstance(groups, list) or not groups:
        return "permission_groups must list at least one group"
    for group in groups:
        if not isinstance(group, dict) or group.get("id") not in _GROUPS_BY_ID:
            return f"unknown permission group {group!r}"
    resources = item.get("resources")
    if not isinstance(resources, dict) or not resources:
        return "resources must be a non-empty object"
    return None


def _relative(path: str) -> str:
    return path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else path


def _first(query: Mapping[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def _format_seconds(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


def _envelope_bytes(
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
    return json.dumps(body).encode()


def _ok(
    result: object,
    *,
    messages: list[dict[str, Any]] | None = None,
    result_info: dict[str, Any] | None = None,
) -> _Answer:
    return _Answer(
        200, _envelope_bytes(True, result=result, messages=messages, result_info=result_info)
    )


def _error(status: int, code: int, message: str) -> _Answer:
    return _Answer(status, _envelope_bytes(False, errors=[{"code": code, "message": message}]))
