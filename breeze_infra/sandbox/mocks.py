"""A simulated Cloudflare for running the real program offline (``breeze-infra synth`` and tests).

``FakeCloudflare`` answers the Pulumi mocks the way Cloudflare's API would: permission groups with
decoys, tokens that come back with a ``cfat_`` secret, and rejections for malformed policies, so a
program that passes here is shaped right for the real API. ``synthesize`` runs the program under it
and records every registration with its resource options.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.stack import run_pulumi_func

from breeze_infra.config import NAMESPACE
from breeze_infra.gateway import AI_GATEWAY_TYPE as AI_GATEWAY
from breeze_infra.permissions import ACCOUNT_TOKEN, USER_TOKEN
from breeze_infra.sandbox.refusals import (
    PERMISSION_GROUPS,
    CloudflareRejected,
    check_gateway_inputs,
    check_token_inputs,
)
from breeze_infra.sandbox.values import SECRET_SIG, SIG
from breeze_infra.stack_outputs import SECRET_MARKER
from breeze_infra.stacks import settings_of

ACCOUNT_GROUPS = (
    "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList"
)
USER_GROUPS = "cloudflare:index/getApiTokenPermissionGroupsList:getApiTokenPermissionGroupsList"
SECRET = SECRET_MARKER


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def unwrap_secrets(value: Any) -> tuple[Any, bool]:
    """A mock input with its secret wrappers removed, and whether any part was secret."""
    if isinstance(value, dict):
        if value.get(SIG) == SECRET_SIG:
            inner, _ = unwrap_secrets(value.get("value"))
            return inner, True
        pairs = {k: unwrap_secrets(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [unwrap_secrets(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def redact(value: Any) -> Any:
    """Every secret part of a mock input shown as ``[secret]``."""
    if isinstance(value, dict):
        if value.get(SIG) == SECRET_SIG:
            return SECRET
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class FakeCloudflare(pulumi.runtime.Mocks):
    """Pulumi mocks that behave like Cloudflare's token API."""

    def __init__(self) -> None:
        self.lookups: list[tuple[str, dict[str, Any]]] = []
        self.issued: dict[str, str] = {}
        self.created: list[str] = []
        self.gateways: set[str] = set()

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token not in (ACCOUNT_GROUPS, USER_GROUPS):
            raise CloudflareRejected(f"the simulated Cloudflare has no data source {args.token}")
        self.lookups.append((args.token, dict(args.args)))
        # The argument goes on the wire as is (url.Values encodes it) and is decoded once.
        wanted = str(args.args.get("name") or "").lower()
        results = [
            {**group, "category": "Workers", "isSelectable": True}
            for group in PERMISSION_GROUPS
            if wanted in group["name"].lower()
        ]
        return {"results": results}, []

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        inputs, _ = unwrap_secrets(args.inputs)
        self.created.append(args.name)
        if args.typ in (ACCOUNT_TOKEN, USER_TOKEN):
            check_token_inputs(inputs)
            token_id = _digest(args.typ, args.name, str(inputs.get("name")))[:32]
            prefix = "cfat_" if args.typ == ACCOUNT_TOKEN else "cfut_"
            value = prefix + _digest("value", token_id)[:40]
            self.issued[args.name] = value
            return token_id, {**args.inputs, "value": value, "status": "active"}
        if args.typ == AI_GATEWAY:
            check_gateway_inputs(inputs, self.gateways)
            self.gateways.add(str(inputs["aiGatewayId"]))
            return str(inputs["aiGatewayId"]), {**args.inputs, "createdAt": "2026-01-01T00:00:00Z"}
        return f"{args.name}-id", dict(args.inputs)


@dataclass(frozen=True)
class Registration:
    """One resource as the engine would receive it: inputs (secrets wrapped) and options."""

    urn: str
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]
    replace_on_changes: tuple[str, ...]
    ignore_changes: tuple[str, ...]
    delete_before_replace: bool


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, plus a record of each registration's resource options.

    The SDK's monitor gives every worker thread it runs in an event loop and never closes them;
    left to the garbage collector at interpreter exit, closing them fails noisily. This monitor
    makes those loops itself and ``close_thread_loops`` closes them once the program is done.
    """

    def __init__(self, mocks: FakeCloudflare) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self._thread_loops: list[asyncio.AbstractEventLoop] = []

    def _ensure_thread_loop(self) -> None:
        if threading.current_thread() is threading.main_thread():
            return
        try:
            asyncio.get_event_loop()
        except RuntimeError:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._thread_loops.append(loop)

    def close_thread_loops(self) -> None:
        for loop in self._thread_loops:
            loop.close()
        self._thread_loops.clear()

    def Invoke(self, request: Any) -> Any:
        self._ensure_thread_loop()
        return super().Invoke(request)  # type: ignore[no-untyped-call]

    def RegisterResource(self, request: Any) -> Any:
        self._ensure_thread_loop()
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            inputs = pulumi.runtime.rpc.deserialize_properties(request.object, keep_unknowns=True)
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    inputs=dict(inputs),
                    replace_on_changes=tuple(request.replaceOnChanges),
                    ignore_changes=tuple(request.ignoreChanges),
                    delete_before_replace=request.deleteBeforeReplace,
                )
            )
        return response


@dataclass
class SynthResult:
    stack: str
    now: datetime
    registrations: list[Registration]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    lookups: list[tuple[str, dict[str, Any]]]
    issued: dict[str, str] = field(repr=False)
    warnings: list[str] = field(default_factory=list)

    def in_tree_order(self) -> list[Registration]:
        """Parents before their children, siblings by name: stable however threads interleave."""
        by_urn = {r.urn: r for r in self.registrations}

        def path(r: Registration) -> tuple[str, ...]:
            parent = by_urn.get(r.parent)
            return (*path(parent), r.name) if parent else (r.name,)

        return sorted(self.registrations, key=path)

    def for_consumer(self, consumer: str) -> SynthResult:
        """Only what belongs to one consumer: its components' subtrees and its outputs."""
        from breeze_infra.consumers import component_names

        roots = set(component_names(consumer))
        by_urn = {r.urn: r for r in self.registrations}

        def root(r: Registration) -> str:
            parent = by_urn.get(r.parent)
            return root(parent) if parent else r.name

        outputs = {
            "baseUrl": self.outputs.get("baseUrl"),
            "consumers": {consumer: self.outputs.get("consumers", {}).get(consumer)},
            "apiKeys": {consumer: self.outputs.get("apiKeys", {}).get(consumer)},
        }
        return replace(
            self,
            registrations=[r for r in self.registrations if root(r) in roots],
            outputs=outputs,
        )

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    @property
    def tokens(self) -> list[Registration]:
        """The Cloudflare tokens, account- or user-owned: what rotation and scoping are about."""
        return [r for r in self.registrations if r.type in (ACCOUNT_TOKEN, USER_TOKEN)]

    @property
    def gateways(self) -> list[Registration]:
        """The AI Gateways the stack registers."""
        return self.of_type(AI_GATEWAY)

    @property
    def components(self) -> list[Registration]:
        """breeze-infra's own components, whose type tokens the URNs of everything else hold."""
        return [r for r in self.registrations if r.type.startswith("breeze:")]

    @property
    def secret_writes(self) -> list[Registration]:
        """The backend resources that hold a base URL or a key: children of a delivery."""
        from breeze_infra.resources.delivery import TYPE_DELIVERY

        deliveries = {r.urn for r in self.of_type(TYPE_DELIVERY)}
        return [r for r in self.registrations if r.parent in deliveries]

    def redacted_outputs(self) -> dict[str, Any]:
        return {k: SECRET if k in self.secret_outputs else v for k, v in self.outputs.items()}


def pulumi_config_values(values: Mapping[str, Any], project: str = NAMESPACE) -> dict[str, str]:
    """A stack file's values as Pulumi hands them to a program: JSON text for objects and lists."""
    return settings_of(values, project)


def synthesize(
    stack: str,
    values: Mapping[str, Any],
    now: datetime,
    fake: FakeCloudflare | None = None,
    secret_keys: Sequence[str] = (),
    project: str = NAMESPACE,
    settings: Mapping[str, str] | None = None,
) -> SynthResult:
    """Run the real program for ``stack`` of ``project`` against the fake Cloudflare, on a fresh
    event loop. ``settings``, when given, is the engine's config map itself (full keys to text)
    and replaces ``values``."""
    from breeze_infra.program import build

    fake = fake or FakeCloudflare()
    engine_log = _EngineLog()
    outputs: dict[str, Any] = {}
    secrets: set[str] = set()

    async def program() -> None:
        await resolve_outputs(build(now), outputs, secrets)

    config, secret = _config(values, secret_keys, project, settings)
    monitor = run_mocked(
        program,
        fake,
        project=project,
        stack=stack,
        config=config,
        secret_keys=secret,
        logger=engine_log.logger,
    )
    return SynthResult(
        stack,
        now,
        monitor.registrations,
        outputs,
        frozenset(secrets),
        fake.lookups,
        fake.issued,
        engine_log.warnings,
    )


def run_mocked(
    body: Callable[[], Awaitable[None]],
    fake: FakeCloudflare,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Sequence[str] = (),
    logger: logging.Logger | None = None,
) -> RecordingMonitor:
    """``body`` run by the Pulumi mocks against ``fake``, on a fresh event loop, with the engine's
    config map set for it and everything reset after; the monitor holds what was registered."""
    monitor = RecordingMonitor(fake)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # When a registration fails, every output waiting on it fails too; the run raises the first
    # failure, and the echoes in unawaited futures are not printed again at garbage collection.
    loop.set_exception_handler(lambda _loop, _context: None)
    try:
        pulumi.runtime.reset_options()
        pulumi.runtime.set_mocks(
            fake, project=project, stack=stack, preview=False, monitor=monitor, logger=logger
        )
        pulumi.runtime.set_all_config(dict(config), list(secret_keys))
        loop.run_until_complete(run_pulumi_func(body))
    finally:
        pulumi.runtime.set_all_config({}, [])
        pulumi.runtime.reset_options()
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        monitor.close_thread_loops()
    return monitor


async def resolve_outputs(
    values: Mapping[str, Any], outputs: dict[str, Any], secrets: set[str]
) -> None:
    """Stack outputs as ``pulumi stack output`` shows them: resolved, secret ones named."""
    for name, value in values.items():
        output = pulumi.Output.from_input(value)
        outputs[name] = await output.future()
        if await output.is_secret():
            secrets.add(name)


def _config(
    values: Mapping[str, Any],
    secret_keys: Sequence[str],
    project: str,
    settings: Mapping[str, str] | None,
) -> tuple[dict[str, str], list[str]]:
    """The engine's config map and its secret keys, from ``settings`` as given or from ``values``."""
    if settings is not None:
        return dict(settings), list(secret_keys)
    return pulumi_config_values(values, project), [f"{project}:{key}" for key in secret_keys]


class _EngineLog(logging.Handler):
    """What the program logs through the engine: warnings are kept for the report; errors are
    not printed, since the exception that ends the run says the same in one line."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []
        self.logger = logging.getLogger(f"breeze_infra.sandbox.mocks.engine.{id(self)}")
        self.logger.propagate = False
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.warnings.append(record.getMessage())
