"""A provider plugin the real Pulumi engine launches and talks to over gRPC.

``python -m breeze_infra.sandbox.provider NAME VERSION`` serves the ResourceProvider protocol on
127.0.0.1 and prints its port as the first line of stdout, as every Pulumi plugin does. One
implementation serves every provider the program uses: ``cloudflare`` (tokens live in the Cloudflare
emulator, see ``cloudflare.py``) and the secrets backends, whose resources are stored as given
(inputs become outputs, secret inputs stay secret). A request that no fake models is answered with
UNIMPLEMENTED naming the method and the resource type or function, never with a silent success.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Mapping
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from breeze_infra.sandbox import values
from breeze_infra.sandbox.values import Change

__all__ = ["FakeProvider", "ResourceModel", "StoredResource", "main", "serve"]


class Unmodelled(Exception):
    """A request the fake does not model; answered as UNIMPLEMENTED with this message."""


class ResourceModel(Protocol):
    """How one resource type behaves. Properties are JSON data with secrets still wrapped."""

    @property
    def replace_keys(self) -> frozenset[str]:
        """Input keys whose change forces a replacement (the real provider's schema says which)."""
        ...

    def check(self, news: Mapping[str, Any]) -> list[tuple[str, str]]: ...

    def planned(self, news: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs as the provider plans them: with the schema's defaults filled in."""
        ...

    def create(self, inputs: Mapping[str, Any], preview: bool) -> tuple[str, dict[str, Any]]: ...

    def read(self, resource_id: str, state: Mapping[str, Any]) -> dict[str, Any] | None: ...

    def update(
        self, resource_id: str, olds: Mapping[str, Any], news: Mapping[str, Any], preview: bool
    ) -> dict[str, Any]: ...

    def delete(self, resource_id: str, state: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class StoredResource:
    """A backend's resource: its outputs are its inputs (secret inputs stay secret)."""

    type_token: str
    replace_keys: frozenset[str] = frozenset()

    def check(self, news: Mapping[str, Any]) -> list[tuple[str, str]]:
        return []

    def planned(self, news: Mapping[str, Any]) -> dict[str, Any]:
        return dict(news)

    def create(self, inputs: Mapping[str, Any], preview: bool) -> tuple[str, dict[str, Any]]:
        return ("" if preview else uuid.uuid4().hex), dict(inputs)

    def read(self, resource_id: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        return dict(state)

    def update(
        self, resource_id: str, olds: Mapping[str, Any], news: Mapping[str, Any], preview: bool
    ) -> dict[str, Any]:
        return dict(news)

    def delete(self, resource_id: str, state: Mapping[str, Any]) -> None:
        return None


Function = Callable[[Mapping[str, Any], Mapping[str, str]], dict[str, Any]]
"""An invoke: (revealed arguments, provider config) -> result."""


_KINDS = {
    ("add", False): provider_pb2.PropertyDiff.ADD,
    ("add", True): provider_pb2.PropertyDiff.ADD_REPLACE,
    ("delete", False): provider_pb2.PropertyDiff.DELETE,
    ("delete", True): provider_pb2.PropertyDiff.DELETE_REPLACE,
    ("update", False): provider_pb2.PropertyDiff.UPDATE,
    ("update", True): provider_pb2.PropertyDiff.UPDATE_REPLACE,
}


def _type_of(urn: str) -> str:
    """``urn:pulumi:stack::project::parent$type::name`` -> ``type``."""
    return urn.split("::")[2].split("$")[-1] if urn.count("::") >= 3 else urn


@dataclass
class FakeProvider(provider_pb2_grpc.ResourceProviderServicer):
    """The servicer: dispatches to a model per resource type and a function per invoke token.

    ``resources=None`` stores any type of this provider (a backend); otherwise a type missing from
    the map is unmodelled.
    """

    name: str
    version: str
    resources: Mapping[str, ResourceModel] | None = None
    functions: Mapping[str, Function] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for method in _UNMODELLED_METHODS:
            setattr(self, method, self._unmodelled_method(method))

    def _unmodelled_method(self, method: str) -> Callable[[Any, grpc.ServicerContext], NoReturn]:
        def refuse(request: Any, context: grpc.ServicerContext) -> NoReturn:
            what = getattr(request, "type", "") or _type_of(getattr(request, "urn", ""))
            self._abort(context, f"{method}{f' of {what}' if what else ''}")

        return refuse

    def _abort(self, context: grpc.ServicerContext, what: str) -> NoReturn:
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            f"the fake {self.name} provider of breeze-infra's sandbox does not model {what}",
        )
        raise AssertionError("context.abort returned")  # pragma: no cover

    def _model(self, type_token: str, method: str, context: grpc.ServicerContext) -> ResourceModel:
        if self.resources is None:
            return StoredResource(type_token)
        model = self.resources.get(type_token)
        if model is None:
            self._abort(context, f"{method} of {type_token}")
        return model

    def _fail(self, context: grpc.ServicerContext, error: Exception) -> NoReturn:
        if isinstance(error, Unmodelled):
            self._abort(context, str(error))
        context.abort(grpc.StatusCode.UNKNOWN, str(error))
        raise AssertionError("context.abort returned")  # pragma: no cover

    # Plugin and provider configuration

    def GetPluginInfo(
        self, request: empty_pb2.Empty, context: grpc.ServicerContext
    ) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=self.version)

    def CheckConfig(
        self, request: provider_pb2.CheckRequest, context: grpc.ServicerContext
    ) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(
        self, request: provider_pb2.DiffRequest, context: grpc.ServicerContext
    ) -> provider_pb2.DiffResponse:
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    def Configure(
        self, request: provider_pb2.ConfigureRequest, context: grpc.ServicerContext
    ) -> provider_pb2.ConfigureResponse:
        revealed = values.reveal(values.from_struct(request.args))
        self.config.clear()
        self.config.update({k: str(v) for k, v in revealed.items() if isinstance(v, (str, int))})
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, supportsPreview=True, acceptResources=True
        )

    def Cancel(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    # Resources

    def Check(
        self, request: provider_pb2.CheckRequest, context: grpc.ServicerContext
    ) -> provider_pb2.CheckResponse:
        model = self._model(request.type or _type_of(request.urn), "Check", context)
        news = values.from_struct(request.news)
        failures = [
            provider_pb2.CheckFailure(property=key, reason=reason)
            for key, reason in model.check(values.reveal(news))
        ]
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    def Diff(
        self, request: provider_pb2.DiffRequest, context: grpc.ServicerContext
    ) -> provider_pb2.DiffResponse:
        model = self._model(request.type or _type_of(request.urn), "Diff", context)
        news = model.planned(values.from_struct(request.news))
        # As a bridged Terraform provider plans: the program's inputs against the prior *state*
        # (what the last read or write stored), not against the inputs sent last time.
        olds = values.from_struct(request.olds)
        keys = set(news)
        if request.HasField("old_inputs"):
            keys |= set(values.from_struct(request.old_inputs))
        changes = values.changed_keys(olds, news, keys)
        return _diff_response(changes, model.replace_keys)

    def Create(
        self, request: provider_pb2.CreateRequest, context: grpc.ServicerContext
    ) -> provider_pb2.CreateResponse:
        model = self._model(request.type or _type_of(request.urn), "Create", context)
        try:
            resource_id, outputs = model.create(
                values.from_struct(request.properties), request.preview
            )
        except Exception as error:
            self._fail(context, error)
        return provider_pb2.CreateResponse(id=resource_id, properties=values.to_struct(outputs))

    def Read(
        self, request: provider_pb2.ReadRequest, context: grpc.ServicerContext
    ) -> provider_pb2.ReadResponse:
        model = self._model(request.type or _type_of(request.urn), "Read", context)
        try:
            state = model.read(request.id, values.from_struct(request.properties))
        except Exception as error:
            self._fail(context, error)
        if state is None:
            return provider_pb2.ReadResponse(id="")
        return provider_pb2.ReadResponse(
            id=request.id, properties=values.to_struct(state), inputs=request.inputs
        )

    def Update(
        self, request: provider_pb2.UpdateRequest, context: grpc.ServicerContext
    ) -> provider_pb2.UpdateResponse:
        model = self._model(request.type or _type_of(request.urn), "Update", context)
        try:
            outputs = model.update(
                request.id,
                values.from_struct(request.olds),
                values.from_struct(request.news),
                request.preview,
            )
        except Exception as error:
            self._fail(context, error)
        return provider_pb2.UpdateResponse(properties=values.to_struct(outputs))

    def Delete(
        self, request: provider_pb2.DeleteRequest, context: grpc.ServicerContext
    ) -> empty_pb2.Empty:
        model = self._model(request.type or _type_of(request.urn), "Delete", context)
        try:
            model.delete(request.id, values.from_struct(request.properties))
        except Exception as error:
            self._fail(context, error)
        return empty_pb2.Empty()

    # Functions

    def Invoke(
        self, request: provider_pb2.InvokeRequest, context: grpc.ServicerContext
    ) -> provider_pb2.InvokeResponse:
        function = self.functions.get(request.tok)
        if function is None:
            self._abort(context, f"Invoke of {request.tok}")
        try:
            result = function(values.reveal(values.from_struct(request.args)), self.config)
        except Exception as error:
            self._fail(context, error)
        response = provider_pb2.InvokeResponse()
        getattr(response, "return").CopyFrom(values.to_struct(result))  # a keyword as field name
        return response


_MODELLED = {
    "GetPluginInfo",
    "CheckConfig",
    "DiffConfig",
    "Configure",
    "Cancel",
    "Check",
    "Diff",
    "Create",
    "Read",
    "Update",
    "Delete",
    "Invoke",
}
_UNMODELLED_METHODS = sorted(
    name
    for name in vars(provider_pb2_grpc.ResourceProviderServicer)
    if name[:1].isupper() and name not in _MODELLED
)


def _diff_response(
    changes: Mapping[str, Change], replace_keys: frozenset[str]
) -> provider_pb2.DiffResponse:
    replaces = sorted(key for key in changes if key in replace_keys)
    detailed = {
        key: provider_pb2.PropertyDiff(kind=_KINDS[(kind, key in replace_keys)], inputDiff=True)
        for key, kind in changes.items()
    }
    return provider_pb2.DiffResponse(
        changes=(
            provider_pb2.DiffResponse.DIFF_SOME if changes else provider_pb2.DiffResponse.DIFF_NONE
        ),
        diffs=sorted(changes),
        replaces=replaces,
        detailedDiff=detailed,
        hasDetailedDiff=True,
        deleteBeforeReplace=False,
    )


def build(name: str, version: str) -> FakeProvider:
    """The fake for one plugin name: cloudflare's tokens, or a backend's store."""
    if name == "cloudflare":
        from breeze_infra.sandbox import cloudflare

        config: dict[str, str] = {}
        return FakeProvider(
            name, version, cloudflare.resources(config), cloudflare.FUNCTIONS, config
        )
    return FakeProvider(name, version)


def serve(provider: FakeProvider) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(provider, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: python -m breeze_infra.sandbox.provider NAME VERSION", file=sys.stderr)
        return 2
    server, port = serve(build(args[0], args[1]))
    print(port, flush=True)
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
