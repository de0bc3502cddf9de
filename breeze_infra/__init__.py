"""breeze-infra: scoped, rotating Cloudflare Workers AI tokens and GPT Breeze manifests.

The public surface is ``__all__``: the components a Pulumi program of its own builds on
(``docs/component.md``). They load lazily, so ``import breeze_infra`` stays cheap: the offline
commands must never pay for Pulumi or a provider SDK.

The package is laid out by job: ``config`` (what a stack asks for), ``consumers`` (who gets a
token), ``rotation`` (which token each slot holds, and until when), ``policy`` (what a token may
do), ``manifest`` (what GPT Breeze reads), ``backends`` (where the key is written), ``token`` and
``program`` (the Pulumi resources), ``simulate`` (a fake Cloudflare for offline runs), ``client``,
``catalog``, ``online`` and ``doctor`` (talking to Cloudflare) and ``cli``. Provider SDKs are
imported only by ``token``, ``program``, ``simulate`` and each backend's ``write``: they are slow
to load, and the offline commands never need them. The guard-rails are not here: the policy pack
in ``policy/`` owns its rules and is installed on its own.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from breeze_infra.backends.delivery import SecretsDelivery, SecretsDeliveryArgs
    from breeze_infra.endpoints import workers_ai_base_url
    from breeze_infra.token import ArgsError, WorkersAiToken, WorkersAiTokenArgs

__version__ = "0.2.0"

_EXPORTS = {
    "ArgsError": "breeze_infra.token",
    "SecretsDelivery": "breeze_infra.backends.delivery",
    "SecretsDeliveryArgs": "breeze_infra.backends.delivery",
    "WorkersAiToken": "breeze_infra.token",
    "WorkersAiTokenArgs": "breeze_infra.token",
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
