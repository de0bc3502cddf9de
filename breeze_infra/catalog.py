"""The Workers AI model catalog, and what it says about the models a stack offers.

A manifest naming a model the account cannot run, or one that does not answer
``/chat/completions``, fails in front of a GPT Breeze user, far from the pipeline that wrote it.
The catalog is fetched once per run (one paged listing, however many models a stack names) and
every judgement about it is a pure function of (models, catalog, now), so it is tested without a
network. The client is only a parameter here: importing this module loads no httpx.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

from breeze_infra.config import NAMESPACE, ModelSpec, StackConfig
from breeze_infra.endpoints import account_path
from breeze_infra.errors import MalformedResponseError, as_int
from breeze_infra.messages import safe_line
from breeze_infra.permissions import PERMISSION_GROUPS

if TYPE_CHECKING:
    from breeze_infra.cloudflare import CloudflareClient

__all__ = [
    "CATALOG_PERMISSION",
    "PER_PAGE",
    "TEXT_GENERATION",
    "Catalog",
    "CatalogFormatError",
    "CatalogModel",
    "Finding",
    "check_models",
    "context_lengths",
    "fetch_catalog",
    "parse_catalog",
    "parse_model",
    "with_context_lengths",
]

TEXT_GENERATION: Final = "Text Generation"
CATALOG_PERMISSION: Final = PERMISSION_GROUPS["read"]
PER_PAGE: Final = 100
"""Large enough that today's catalog (under 100 models) is one request, small enough for any proxy."""

_INT_PROPERTIES: Final = frozenset({"context_window", "max_input_tokens"})
_DATE_PROPERTIES: Final = frozenset({"planned_deprecation_date"})

PropertyValue = int | date | str | float | bool | list[Any] | dict[str, Any] | None
"""A property's value: JSON as Cloudflare sent it, except known numbers and dates, parsed."""


class CatalogFormatError(ValueError):
    """A catalog item lacks what every model has (a name); the API changed or a proxy answered."""


@dataclass(frozen=True)
class CatalogModel:
    """One model as the catalog describes it; ``name`` is the id GPT Breeze and the API use."""

    name: str
    task: str
    description: str = ""
    properties: Mapping[str, PropertyValue] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def serves_chat(self) -> bool:
        return self.task == TEXT_GENERATION

    @property
    def context_window(self) -> int | None:
        """Tokens the model accepts; ``max_input_tokens`` stands in where no window is listed."""
        for key in ("context_window", "max_input_tokens"):
            value = self.properties.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        return None

    @property
    def deprecation_date(self) -> date | None:
        value = self.properties.get("planned_deprecation_date")
        return value if isinstance(value, date) else None


@dataclass(frozen=True)
class Catalog:
    """Every model one account can run, by name."""

    account_id: str
    models: Mapping[str, CatalogModel]

    def __len__(self) -> int:
        return len(self.models)

    def get(self, name: str) -> CatalogModel | None:
        return self.models.get(name)

    def chat_models(self) -> list[str]:
        return sorted(name for name, model in self.models.items() if model.serves_chat)


@dataclass(frozen=True)
class Finding:
    """One thing the catalog says about one configured model, pointing at the key to change."""

    severity: Literal["error", "warning"]
    index: int
    model: str
    key: Literal["id", "contextLength"]
    message: str

    @property
    def key_path(self) -> str:
        return f"{NAMESPACE}:models[{self.index}].{self.key}"

    def line(self, source: str) -> str:
        """``stacks/Pulumi.prod.yaml: breeze-infra:models[2].id: ...``, warnings prefixed."""
        text = safe_line(f"{source}: {self.key_path}: {self.message}")  # quotes the catalog
        return f"warning: {text}" if self.severity == "warning" else text


def parse_model(item: object) -> CatalogModel:
    """One item of ``/ai/models/search``; unknown fields are ignored, a missing name is not."""
    if not isinstance(item, dict):
        raise CatalogFormatError(f"catalog item is {type(item).__name__}, not an object")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise CatalogFormatError("catalog item has no `name` (the model id)")
    task = item.get("task")
    task_name = task.get("name") if isinstance(task, dict) else task
    description = item.get("description")
    properties: dict[str, PropertyValue] = {}
    raw_properties = item.get("properties")
    for entry in raw_properties if isinstance(raw_properties, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("property_id"), str):
            key = entry["property_id"]
            properties[key] = _property_value(key, entry.get("value"))
    return CatalogModel(
        name=name,
        task=task_name if isinstance(task_name, str) else "",
        description=description if isinstance(description, str) else "",
        properties=MappingProxyType(properties),
    )


def parse_catalog(account_id: str, items: Iterable[object]) -> Catalog:
    models: dict[str, CatalogModel] = {}
    for model in map(parse_model, items):
        models.setdefault(model.name, model)
    return Catalog(account_id, MappingProxyType(models))


async def fetch_catalog(
    client: CloudflareClient, account_id: str, *, per_page: int = PER_PAGE
) -> Catalog:
    """The account's whole catalog in one paged listing (one request per page, not per model)."""
    path = f"{account_path(account_id)}/ai/models/search"
    items = await client.get_all_pages(path, per_page=per_page, permission_hint=CATALOG_PERMISSION)
    try:
        return parse_catalog(account_id, items)
    except CatalogFormatError as exc:
        raise MalformedResponseError(
            f"unexpected catalog on GET {path}: {exc}", method="GET", path=path, attempts=1
        ) from None


def check_models(
    models: Sequence[ModelSpec], catalog: Catalog, now: datetime
) -> tuple[Finding, ...]:
    """Errors for models GPT Breeze cannot use; warnings for ones it soon cannot, or misdescribes.

    ``now`` is injected so a run replayed with BREEZE_NOW judges deprecations as it did then.
    """
    today = now.astimezone(UTC).date()
    findings: list[Finding] = []
    for index, spec in enumerate(models):
        model = catalog.get(spec.id)
        if model is None:
            findings.append(Finding("error", index, spec.id, "id", _unknown(spec.id, catalog)))
            continue
        if not model.serves_chat:
            findings.append(
                Finding(
                    "error",
                    index,
                    spec.id,
                    "id",
                    f"`{spec.id}` is {_task_phrase(model.task)}; GPT Breeze calls "
                    "/chat/completions, which it does not serve",
                )
            )
            continue
        retired = model.deprecation_date
        if retired is not None and retired <= today:
            findings.append(
                Finding(
                    "warning",
                    index,
                    spec.id,
                    "id",
                    f"`{spec.id}` was due for deprecation on {retired.isoformat()}; Cloudflare "
                    "may stop serving it at any time, so move its users to another model",
                )
            )
        window = model.context_window
        if spec.context_length is not None and window is not None and spec.context_length > window:
            findings.append(
                Finding(
                    "warning",
                    index,
                    spec.id,
                    "contextLength",
                    f"{spec.context_length} is more than the {window}-token context window the "
                    f"catalog lists for `{spec.id}`; GPT Breeze would send prompts it rejects",
                )
            )
    return tuple(findings)


def context_lengths(models: Sequence[ModelSpec], catalog: Catalog) -> dict[int, int]:
    """By model index: the catalog's context window, for chat models whose config sets none."""
    found: dict[int, int] = {}
    for index, spec in enumerate(models):
        model = catalog.get(spec.id)
        if spec.context_length is None and model is not None and model.serves_chat:
            window = model.context_window
            if window is not None:
                found[index] = window
    return found


def with_context_lengths(config: StackConfig, lengths: Mapping[int, int]) -> StackConfig:
    """The config as if its file had set the given context lengths; what it sets itself wins."""
    models = [
        spec.model_copy(update={"context_length": lengths[index]})
        if index in lengths and spec.context_length is None
        else spec
        for index, spec in enumerate(config.models)
    ]
    return config.model_copy(update={"models": models})


def _property_value(key: str, value: object) -> PropertyValue:
    if key in _INT_PROPERTIES:
        number = as_int(value)
        if number is not None:
            return number
    if key in _DATE_PROPERTIES and isinstance(value, str):
        parsed = _as_date(value)
        if parsed is not None:
            return parsed
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def _as_date(text: str) -> date | None:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _task_phrase(task: str) -> str:
    if not task:
        return "a model of no listed task"
    article = "an" if task[:1].lower() in "aeiou" else "a"
    return f"{article} {task} model"


def _unknown(model_id: str, catalog: Catalog) -> str:
    message = (
        f"`{model_id}` is not in the Workers AI catalog of account {catalog.account_id}; "
        "the id is the catalog's `name`, e.g. @cf/meta/llama-3.1-8b-instruct"
    )
    close = difflib.get_close_matches(model_id, catalog.chat_models(), n=1, cutoff=0.75)
    return message + (f" (did you mean `{close[0]}`?)" if close else "")
