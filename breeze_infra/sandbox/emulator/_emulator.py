"""The emulator as tests and the sandbox hold it: start, stop, script faults, read the log.

Every public method is safe to call from the test thread while requests are in flight: the
routes share :class:`~breeze_infra.sandbox.emulator._state.State` under its lock, and the request
log and fault queues here are kept under the same lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from types import TracebackType

from breeze_infra.sandbox.emulator._catalog import Model, default_catalog
from breeze_infra.sandbox.emulator._router import route
from breeze_infra.sandbox.emulator._server import Server
from breeze_infra.sandbox.emulator._state import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_TOKEN,
    State,
    TokenEvent,
    TokenInfo,
    TokenKind,
    TokenStatus,
)
from breeze_infra.sandbox.emulator._wire import (
    API_PREFIX,
    Answer,
    Fault,
    RecordedRequest,
    relative,
)


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
        any_account: bool = False,
        on_token_write: Callable[[CloudflareEmulator], None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.requested_port = port
        """0 (the default) takes a free port."""
        self._on_token_write = on_token_write
        """Called after each token write through the API, before its answer is sent (the
        sandbox saves its tokens there, so a token Pulumi recorded is never lost to a kill)."""
        initial = list(tokens) if tokens is not None else [TokenInfo(DEFAULT_TOKEN)]
        catalog = list(models) if models is not None else default_catalog()
        self._state = State(
            account_id=account_id,
            default_per_page=default_per_page,
            tokens={t.value: t for t in initial},
            models={m.name: m for m in catalog},
            any_account=any_account,
        )
        if clock is not None:
            self._state.clock = clock
        self._lock = self._state.lock
        self._stopping = threading.Event()
        self._latency = latency
        self._faults: dict[str, list[Fault]] = {}
        self._requests: list[RecordedRequest] = []
        self._path_counts: Counter[str] = Counter()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        from breeze_infra.sandbox.emulator._gateway import GatewayRoutes

        self.gateways = GatewayRoutes(self)
        """AI Gateway: its own family, with its own host path and the GraphQL analytics."""

    def __repr__(self) -> str:
        return f"CloudflareEmulator(base_url={self._base_url_or_none()!r})"

    @property
    def state(self) -> State:
        """What the route families share, under its lock."""
        return self._state

    @property
    def account_id(self) -> str:
        return self._state.account_id

    @property
    def default_per_page(self) -> int:
        """The catalog's page size when a request names none, as Cloudflare's default."""
        return self._state.default_per_page

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
        self._server = Server(self)
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

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        """Move the emulator's notion of now (issued_on, last_used_on, and which tokens have
        expired or are not yet valid), e.g. along with BREEZE_NOW; the wall clock by default."""
        with self._lock:
            self._state.clock = clock

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
            self._state.tokens[value] = info
        return info

    def set_token_status(self, value: str, status: TokenStatus) -> None:
        with self._lock:
            self._state.tokens[value] = replace(self._state.tokens[value], status=status)

    def remove_token(self, value: str) -> None:
        with self._lock:
            self._state.tokens.pop(value, None)

    def add_model(self, model: Model) -> None:
        with self._lock:
            self._state.models[model.name] = model

    def remove_model(self, name: str) -> None:
        with self._lock:
            self._state.models.pop(name, None)

    @property
    def models(self) -> list[Model]:
        with self._lock:
            return list(self._state.models.values())

    def accept_licence(self, model: str) -> None:
        with self._lock:
            self._state.accepted_licences.add(model)

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
        return [r for r in self.requests if relative(r.path).startswith(path_prefix)]

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
            return Counter(self._state.inference_counts)

    def bearer_tokens(self) -> list[str | None]:
        return [r.bearer for r in self.requests]

    @property
    def token_events(self) -> list[TokenEvent]:
        """Token writes through the API (create, update, delete), in the order they happened."""
        with self._lock:
            return list(self._state.events)

    def minted_values(self) -> list[str]:
        """Every secret the API minted, deleted tokens' included (to look for leaks)."""
        with self._lock:
            return list(self._state.minted)

    def minted_tokens(self) -> list[TokenInfo]:
        """Tokens created through the API and not deleted, oldest first."""
        with self._lock:
            return [t for t in self._state.tokens.values() if t.record is not None]

    def reset_log(self) -> None:
        with self._lock:
            self._requests.clear()
            self._path_counts.clear()
            self._state.inference_counts.clear()

    def _record(self, request: RecordedRequest) -> Fault | None:
        path = relative(request.path)
        with self._lock:
            self._requests.append(request)
            self._path_counts[path] += 1
            matching = [
                key for key, queue in self._faults.items() if queue and path.startswith(key)
            ]
            if not matching:
                return None
            return self._faults[max(matching, key=len)].pop(0)

    def _pause(self, seconds: float) -> bool:
        """Sleep unless the emulator stops first; False means it is stopping."""
        if seconds > 0:
            self._stopping.wait(seconds)
        return not self._stopping.is_set()

    def serve(self, request: RecordedRequest) -> Answer | None:
        """The answer to one request, after its latency and scripted fault; None to drop the
        connection unanswered (a ``drop`` fault, or the emulator stopping mid-stall)."""
        fault = self._record(request)
        if not self._pause(self.latency):
            return None
        while fault is not None and fault.kind == "stall":
            if not self._pause(fault.seconds):
                return None
            fault = fault.then
        if fault is not None and fault.kind == "drop":
            return None
        if fault is not None:
            return Answer(fault.http_status, fault.body, fault.headers)
        with self._lock:
            writes = len(self._state.events)
        answer = self.gateways.route(request) or route(self._state, request)
        if self._on_token_write is not None:
            with self._lock:
                written = len(self._state.events) != writes
            if written:
                self._on_token_write(self)
        return answer
