"""breeze-infra: scoped, rotating Cloudflare Workers AI tokens and GPT Breeze manifests.

The public surface is ``__all__``: the components a Pulumi program of its own builds on
(``docs/component.md``). They load lazily, so ``import breeze_infra`` stays cheap: the offline
commands must never pay for Pulumi or a provider SDK.

The package is laid out by layer, imports pointing only down (``docs/layout.md`` is the map):
pure ground (``errors``, ``exits``, ``fields``, ``rotation``, ``permissions``: what a token may
do, ``yamlfile``, ``stacks``...), ``config`` (what a stack asks for), the domain (``consumers``:
who gets a token, ``manifest``: what GPT Breeze reads, ``gateway``, ``backends``: where the key
is written), ``resources`` (the Pulumi components), ``program``, the talkers to Cloudflare
(``cloudflare``, ``catalog``, ``online``, ``doctor``, ``usage``), ``sandbox`` (every stand-in for
Cloudflare: the mocks, the fake providers, the emulator) and ``cli``. Provider SDKs are imported
only by ``resources``, ``program``, ``sandbox.mocks`` and each backend's ``write``: they are slow
to load, and the offline commands never need them. The guard-rails are not here: the policy pack
in ``policy/`` owns its rules and is installed on its own.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from breeze_infra.endpoints import workers_ai_base_url
    from breeze_infra.resources.args import ArgsError
    from breeze_infra.resources.delivery import SecretsDelivery, SecretsDeliveryArgs
    from breeze_infra.resources.token import WorkersAiToken, WorkersAiTokenArgs

__version__ = "0.2.0"

_EXPORTS = {
    "ArgsError": "breeze_infra.resources.args",
    "SecretsDelivery": "breeze_infra.resources.delivery",
    "SecretsDeliveryArgs": "breeze_infra.resources.delivery",
    "WorkersAiToken": "breeze_infra.resources.token",
    "WorkersAiTokenArgs": "breeze_infra.resources.token",
    "workers_ai_base_url": "breeze_infra.endpoints",
}
__all__ = [
    "ArgsError",
    "SecretsDelivery",
    "SecretsDeliveryArgs",
    "WorkersAiToken",
    "WorkersAiTokenArgs",
    "workers_ai_base_url",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
