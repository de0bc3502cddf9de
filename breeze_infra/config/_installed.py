"""The backend SDKs a run needs and the install lacks: each reported once, at a key in the file.

A consumer without its own ``secrets`` gets the stack's entries as templates, so one backend can
stand behind many consumers; the SDK is one install, so it is one problem, named at the key its
author wrote (``secrets[0].backend``, or the consumer's own entry), never at a copy. Only the
consumers a command acts for count, and a revoked consumer gets no delivery, so it needs no SDK.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from breeze_infra import backends
from breeze_infra.config._rules import own_secrets

if TYPE_CHECKING:
    from breeze_infra.backends import Entry
    from breeze_infra.config._models import StackConfig
    from breeze_infra.project import Install


def missing_sdks(
    raw: Mapping[str, Any],
    config: StackConfig,
    install: Install | None,
    consumers: Collection[str | None] | None,
    namespace: str,
) -> list[tuple[str | None, str]]:
    """One ``(key, message)`` per SDK missing for ``consumers`` (None: every active one), in the
    order the file names them; ``raw`` is the config as written, before templates were filled."""
    keyed = (
        (f"{namespace}:{key}.backend", entry)
        for key, entry in _entries_in_use(raw, config, consumers)
    )
    return list(backends.missing_sdks(keyed, install))


def _entries_in_use(
    raw: Mapping[str, Any], config: StackConfig, consumers: Collection[str | None] | None
) -> Iterator[tuple[str, Entry]]:
    """Each entry a delivery of the chosen consumers writes, with the key that wrote it."""
    if config.consumers is None:
        if consumers is None or None in consumers:
            yield from _keyed("secrets", config.secrets)
        return
    written = raw.get("consumers")
    for index, consumer in enumerate(config.consumers):
        if consumer.revoked or (consumers is not None and consumer.name not in consumers):
            continue
        own = isinstance(written, list) and own_secrets(written[index])
        if own and consumer.secrets is not None:
            yield from _keyed(f"consumers[{index}].secrets", consumer.secrets)
        else:
            yield from _keyed("secrets", consumer.secrets or config.secrets)


def _keyed(key: str, entries: tuple[Entry, ...]) -> Iterator[tuple[str, Entry]]:
    for index, entry in enumerate(entries):
        yield f"{key}[{index}]", entry
