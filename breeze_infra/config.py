"""What a stack asks for: the ``breeze-infra:`` keys of one environment, validated in one place.

The same model and the same loader serve ``pulumi up`` (values from ``pulumi.Config``) and the
offline CLI (values read straight from ``stacks/Pulumi.<stack>.yaml``), so both reject the same
mistakes with the same words. Nothing here imports Pulumi: the CLI must stay fast.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from breeze_infra import backends
from breeze_infra.fields import Matches, display_text, look_alike, refuse_tokens
from breeze_infra.gateway import GatewaySettings, gateway_problem
from breeze_infra.messages import short

if TYPE_CHECKING:
    from breeze_infra.project import Install

NAMESPACE = "breeze-infra"
"""The default namespace: the project's name in this repository's Pulumi.yaml. A project
created with another name reads its own (``load_settings(namespace=...)``)."""
SECRET_VALUE_MESSAGE = (
    "is an encrypted (secure) value; breeze-infra settings are not secret, set it in plain text"
)

AccountId = Annotated[
    str,
    Matches(
        r"[0-9a-f]{32}",
        "a Cloudflare account id (32 lowercase hex characters, as in the dashboard URL)",
    ),
]
ModelId = Annotated[
    str,
    Matches(
        r"@(cf|hf)/[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*",
        "a Workers AI model id; expected @cf/<author>/<model> or @hf/<author>/<model>",
    ),
]
ConsumerName = Annotated[
    str,
    Matches(
        r"[a-z0-9][a-z0-9-]{0,39}",
        "a consumer name: lowercase letters, digits and '-', starting with a letter or digit, "
        "at most 40 characters",
    ),
]
CONTEXT_LIMIT = 10_000_000
"""The largest contextLength taken (tokens): above any model's, and far below 2**53, where JSON
numbers stop being exact and the deployed manifest would differ from the offline one."""
GENERATION_LIMIT = 999_999
"""The largest token.generation taken: it is part of every token's name."""
_SPELLINGS = {
    word: word.upper()
    for word in ("ai", "awq", "bf16", "fp8", "fp16", "gpt", "hf", "int8", "lora", "oss", "r1", "vl")
} | {"qwq": "QwQ"}
_SIZE = re.compile(r"\d+(\.\d+)?[bmk]", re.IGNORECASE)


class ConfigError(Exception):
    """Every problem of one stack's config at once, each as ``<source>: <key>: <message>``."""

    def __init__(self, source: str, problems: list[tuple[str | None, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem; a token pasted into the wrong key is not quoted back."""
        return [
            short(f"{self.source}: {key}: {message}" if key else f"{self.source}: {message}", 400)
            for key, message in self.problems
        ]


class UncheckedConfig(ConfigError):
    """Only keys that the stack's ESC environments may provide are missing: nothing is known to
    be wrong, but the config could not be checked whole."""


class _Settings(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        frozen=True,
        use_attribute_docstrings=False,
        coerce_numbers_to_str=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_tokens(cls, value: Any) -> Any:
        return refuse_tokens(value)


def _canonical_cidrs(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        if "%" in value:
            raise ValueError(
                f"'{value}' is a scoped IPv6 address (%zone), which only means something on one "
                "machine; give the network without the zone"
            )
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"'{value}' is not an IPv4 or IPv6 CIDR ({exc})") from None
        if network.prefixlen == 0:
            raise ValueError(
                f"'{value}' is every {'IPv4' if network.version == 4 else 'IPv6'} address: an "
                "allow-list that allows everything is none (leave the key out), a deny-list that "
                "denies everything leaves the token usable from nowhere"
            )
        canonical = str(network)
        if canonical in seen:
            raise ValueError(f"'{value}' is listed twice")
        seen[canonical] = value
    return tuple(seen)


def unusable_cidrs(allowed: Collection[str], denied: Collection[str]) -> str | None:
    """An allowed network that a denied one wholly covers (the token is usable from nowhere in
    it), said as a problem; None when every allowed network is usable."""
    both = sorted(set(allowed) & set(denied))
    if both:
        return f"{', '.join(both)} is both allowed and denied"
    for text in allowed:
        network = ipaddress.ip_network(text)
        for other in denied:
            outer = ipaddress.ip_network(other)
            if network.version == outer.version and network.subnet_of(outer):  # type: ignore[arg-type]
                return f"allowed {text} lies wholly inside denied {other}: usable from nowhere"
    return None


def _cidr_input(value: Any) -> Any:
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return _canonical_cidrs(list(value))
    return value


class TokenSettings(_Settings):
    """How the Workers AI token is owned, scoped and rotated."""

    owner: Literal["account", "user"] = Field(
        "account",
        description="'account': an account-owned token (cloudflare.AccountToken), which survives "
        "people leaving; 'user': a token owned by the bootstrap token's user (cloudflare.ApiToken).",
    )
    permissions: tuple[Literal["read", "write"], ...] = Field(
        ("read",),
        min_length=1,
        description="Workers AI permission groups to grant: 'read' (run models, enough for "
        "inference) and/or 'write' (also edit Workers AI assets).",
    )
    rotation_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Length of a rotation window in days. A token lives two windows, so a cached "
        "key keeps working for one window after it is replaced.",
    )
    allowed_cidrs: tuple[str, ...] = Field(
        (), description="Only these IPv4/IPv6 networks may use the token (request_ip.in)."
    )
    denied_cidrs: tuple[str, ...] = Field(
        (), description="These IPv4/IPv6 networks may never use the token (request_ip.not_in)."
    )
    generation: int = Field(
        0,
        ge=0,
        le=GENERATION_LIMIT,
        description="Bump to replace the current token at once (e.g. after a leak).",
    )

    @field_validator("permissions")
    @classmethod
    def _unique_permissions(
        cls, value: tuple[Literal["read", "write"], ...]
    ) -> tuple[Literal["read", "write"], ...]:
        if len(set(value)) != len(value):
            raise ValueError("each permission may be listed once")
        return tuple(sorted(value))

    @field_validator("allowed_cidrs", "denied_cidrs", mode="before")
    @classmethod
    def _cidrs(cls, value: Any) -> Any:
        return _cidr_input(value)

    @model_validator(mode="after")
    def _disjoint(self) -> TokenSettings:
        problem = unusable_cidrs(self.allowed_cidrs, self.denied_cidrs)
        if problem:
            raise ValueError(problem)
        return self


class ModelSpec(_Settings):
    """One Workers AI model offered to GPT Breeze users."""

    id: ModelId = Field(
        description="Workers AI model id, '@cf/<author>/<model>' or '@hf/<author>/<model>'.",
        examples=["@cf/meta/llama-3.1-8b-instruct"],
    )
    display_name: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Name shown in GPT Breeze; derived from the id when absent.",
    )
    context_length: int | None = Field(
        None, ge=1, le=CONTEXT_LIMIT, description="Context window in tokens, when known."
    )

    @field_validator("display_name")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        return None if value is None else display_text(value)

    @property
    def label(self) -> str:
        return self.display_name or display_name_from_id(self.id)


class Consumer(_Settings):
    """One person, team or app: its own rotating token, secret writes and manifest."""

    name: ConsumerName = Field(
        description="Slug naming the consumer: lowercase letters, digits and '-', at most 40.",
        examples=["alice", "support-team"],
    )
    models: tuple[str, ...] | None = Field(
        None, min_length=1, description="Ids of the stack's models this consumer gets; default all."
    )
    allowed_cidrs: tuple[str, ...] | None = Field(
        None, description="Replaces token.allowedCidrs for this consumer's token."
    )
    denied_cidrs: tuple[str, ...] | None = Field(
        None, description="Replaces token.deniedCidrs for this consumer's token."
    )
    secrets: backends.SecretsEntries | None = Field(
        None,
        min_length=1,
        description="Replaces the stack's secrets entries for this consumer. String fields may "
        "use {consumer} and {stack}.",
    )
    revoked: bool = Field(
        False, description="Delete this consumer's tokens and secret writes at the next pulumi up."
    )

    @field_validator("allowed_cidrs", "denied_cidrs", mode="before")
    @classmethod
    def _cidrs(cls, value: Any) -> Any:
        return _cidr_input(value)


class StackConfig(_Settings):
    """The ``breeze-infra:`` keys of one stack (one environment)."""

    model_config = ConfigDict(
        title="breeze-infra stack configuration",
        json_schema_extra={
            "description": "Keys under the 'breeze-infra:' namespace of a Pulumi stack file "
            "(stacks/Pulumi.<stack>.yaml), without the namespace prefix."
        },
    )

    account_id: AccountId = Field(
        description="Cloudflare account id: 32 lowercase hexadecimal characters.",
        examples=["0123456789abcdef0123456789abcdef"],
    )
    token: TokenSettings = Field(
        default_factory=TokenSettings,
        description="The Workers AI token's owner, scope and rotation.",
    )
    models: list[ModelSpec] = Field(
        min_length=1,
        description="Text-generation models to offer in GPT Breeze, in the order shown.",
    )
    credential_name: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="The credential's label in GPT Breeze; default 'Cloudflare Workers AI "
        "(<stack>)'.",
    )
    secrets: backends.SecretsEntries = Field(
        (backends.PulumiStackEntry(),),
        min_length=1,
        description="Where the base URL and the key are written, one entry per backend; the "
        "first entry's reference is the manifest's apiKeyRef. Default: the stack's outputs.",
    )

    consumers: tuple[Consumer, ...] | None = Field(
        None,
        description="One token, key and manifest per consumer. Absent: one implicit consumer "
        "whose resources and outputs keep their single-token names.",
    )
    gateway: GatewaySettings | None = Field(
        None,
        description="Route traffic through an AI Gateway ({} for the defaults); absent: off.",
    )

    @field_validator("credential_name")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        return None if value is None else display_text(value)

    @model_validator(mode="before")
    @classmethod
    def _fill_placeholders(cls, data: Any, info: ValidationInfo) -> Any:
        """Secrets entries are templates: each consumer gets them with its name filled in."""
        stack = (info.context or {}).get("stack")
        if not isinstance(data, dict) or not isinstance(stack, str):
            return data
        data = dict(data)
        templates = data.get("secrets")
        if isinstance(templates, list):
            data["secrets"] = _fill(templates, stack, IMPLICIT_CONSUMER)
        consumers = data.get("consumers")
        if isinstance(consumers, list):
            data["consumers"] = [_consumer_with_secrets(raw, templates, stack) for raw in consumers]
        return data

    @model_validator(mode="after")
    def _unique_models(self) -> StackConfig:
        ids: set[str] = set()
        labels: dict[str, str] = {}
        for index, model in enumerate(self.models):
            if model.id in ids:
                raise _KeyedError(f"models[{index}].id", f"'{model.id}' is listed twice")
            earlier = labels.get(look_alike(model.label))
            if earlier is not None:
                alike = (
                    ""
                    if earlier == model.label
                    else f" ('{earlier}': names differing only in case or look-alike characters "
                    "count as one)"
                )
                raise _KeyedError(
                    f"models[{index}].displayName",
                    f"display name '{model.label}' is already used by another model{alike}",
                )
            ids.add(model.id)
            labels[look_alike(model.label)] = model.label
        return self

    @model_validator(mode="after")
    def _consumers_fit(self, info: ValidationInfo) -> StackConfig:
        if self.consumers is None:
            stack = (info.context or {}).get("stack")
            if isinstance(stack, str):
                longest = token_name_length(stack, None, self.token.generation)
                if longest > TOKEN_NAME_LIMIT:
                    raise _KeyedError(
                        "token",
                        f"token names for stack '{stack}' would reach {longest} characters; "
                        f"Cloudflare allows {TOKEN_NAME_LIMIT}: use a shorter stack name",
                    )
            return self
        model_ids = {model.id for model in self.models}
        names: set[str] = set()
        writers: dict[tuple[str, tuple[str | None, ...]], str] = {}
        for index, consumer in enumerate(self.consumers):
            key = f"consumers[{index}]"
            if consumer.name in names:
                raise _KeyedError(f"{key}.name", f"'{consumer.name}' is listed twice")
            names.add(consumer.name)
            for position, model_id in enumerate(consumer.models or ()):
                if model_id not in model_ids:
                    raise _KeyedError(
                        f"{key}.models[{position}]",
                        f"'{model_id}' is not one of this stack's models",
                    )
            stack = (info.context or {}).get("stack")
            if isinstance(stack, str):
                longest = token_name_length(stack, consumer.name, self.token.generation)
                if longest > TOKEN_NAME_LIMIT:
                    raise _KeyedError(
                        f"{key}.name",
                        f"token names for '{consumer.name}' would reach {longest} characters; "
                        f"Cloudflare allows {TOKEN_NAME_LIMIT}",
                    )
            allowed = (
                self.token.allowed_cidrs
                if consumer.allowed_cidrs is None
                else consumer.allowed_cidrs
            )
            denied = (
                self.token.denied_cidrs if consumer.denied_cidrs is None else consumer.denied_cidrs
            )
            problem = unusable_cidrs(allowed, denied)
            if problem:
                raise _KeyedError(key, f"{problem} for its token")
            if consumer.revoked:
                continue
            for position, entry in enumerate(consumer.secrets or ()):
                where = (entry.backend, entry.location)
                if entry.target and where in writers:
                    raise _KeyedError(
                        f"{key}.secrets[{position}]",
                        f"writes to the same {entry.backend} target '{entry.target}' as "
                        f"consumer '{writers[where]}'; put {{consumer}} in it",
                    )
                writers[where] = consumer.name
        needed, quota = token_demand(self)
        if needed > quota:
            raise _KeyedError(
                "consumers",
                f"{needed // 2} active consumers need {needed} tokens (two slots each); "
                f"Cloudflare allows {quota} {self.token.owner} tokens",
            )
        return self

    @model_validator(mode="after")
    def _gateway_fits(self) -> StackConfig:
        active = (
            None if self.consumers is None else [c.name for c in self.consumers if not c.revoked]
        )
        problem = self.gateway and gateway_problem(self.gateway, active)
        if problem:
            raise _KeyedError(f"gateway.{problem[0]}", problem[1])
        return self

    _project: str = PrivateAttr(NAMESPACE)

    @model_validator(mode="after")
    def _remember_project(self, info: ValidationInfo) -> StackConfig:
        """The Pulumi project the stack belongs to: ``pulumi-stack://`` references name it."""
        project = (info.context or {}).get("project")
        if isinstance(project, str):
            self._project = project
        return self

    @property
    def project(self) -> str:
        return self._project

    def credential_label(self, stack: str) -> str:
        return self.credential_name or f"Cloudflare Workers AI ({stack})"


class _KeyedError(ValueError):
    """A cross-field problem that still points at one key, relative to where it was raised."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


IMPLICIT_CONSUMER = "default"
"""What ``{consumer}`` means in a stack without consumers."""
TOKEN_NAME_LIMIT = 120
TOKEN_QUOTA = {"account": 500, "user": 50}
"""Cloudflare's token quotas: per account for account tokens, per user for user tokens."""


def _fill(value: Any, stack: str, consumer: str) -> Any:
    if isinstance(value, str):
        return value.replace("{stack}", stack).replace("{consumer}", consumer)
    if isinstance(value, list):
        return [_fill(item, stack, consumer) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, stack, consumer) for key, item in value.items()}
    return value


def _consumer_with_secrets(raw: Any, templates: Any, stack: str) -> Any:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        return raw
    own = raw.get("secrets", templates)
    if own is None:
        return raw
    return {**raw, "secrets": _fill(own, stack, raw["name"])}


def token_name_length(stack: str, consumer: str | None, generation: int) -> int:
    """The longest name a slot's token can get (window numbers given seven digits)."""
    owner = f"{stack}/{consumer}" if consumer else stack
    return len(f"breeze-infra {owner} slot-a w9999999 g{generation}")


def token_demand(config: StackConfig) -> tuple[int, int]:
    """Tokens the stack keeps alive, and the quota they count against."""
    active = 1 if config.consumers is None else sum(not c.revoked for c in config.consumers)
    return 2 * active, TOKEN_QUOTA[config.token.owner]


def config_warnings(config: StackConfig) -> list[tuple[str, str]]:
    """Problems that do not stop a deployment but should not surprise anyone."""
    needed, quota = token_demand(config)
    if needed == 0:
        return [
            (
                f"{config.project}:consumers",
                "no active consumer: pulumi up deletes every token and secret write of this stack",
            )
        ]
    if needed > 0.8 * quota:
        return [
            (
                f"{config.project}:consumers",
                f"{needed} tokens use {needed * 100 // quota}% of Cloudflare's quota of {quota} "
                f"{config.token.owner} tokens (other tokens count too)",
            )
        ]
    return []


def display_name_from_id(model_id: str) -> str:
    """'@cf/meta/llama-3.1-8b-instruct' reads as 'Llama 3.1 8B Instruct' in a menu."""
    words = []
    for part in model_id.rsplit("/", 1)[-1].replace("_", "-").split("-"):
        if not part:
            continue
        if _SIZE.fullmatch(part):
            words.append(part.upper())
        elif part.lower() in _SPELLINGS:
            words.append(_SPELLINGS[part.lower()])
        else:
            words.append(part[:1].upper() + part[1:])
    return " ".join(words)


STRUCTURED_KEYS = frozenset(
    field.alias or name
    for name, field in StackConfig.model_fields.items()
    if name not in {"account_id", "credential_name"}
)
"""Keys whose value is an object or a list: Pulumi hands those to programs as JSON text."""


def parse_config(
    raw: Mapping[str, Any],
    source: str,
    stack: str | None = None,
    *,
    namespace: str = NAMESPACE,
    install: Install | None = None,
) -> StackConfig:
    """Validate the namespace's keys (without the ``<namespace>:`` prefix) or raise ConfigError.

    ``stack`` fills the ``{stack}`` and ``{consumer}`` placeholders of secrets entries and bounds
    token names; without it placeholders stay as written. ``install`` says which backend SDKs
    Pulumi's install provides; without it, those importable here count.
    """
    context = {"stack": stack, "project": namespace, "install": install}
    try:
        return StackConfig.model_validate(dict(raw), context=context)
    except ValidationError as exc:
        raise ConfigError(source, _problems(exc, namespace)) from None


def _problems(exc: ValidationError, namespace: str) -> list[tuple[str | None, str]]:
    errors = exc.errors()
    return [_problem(e, namespace) for e in errors if not _echo(e, errors)]


PATH_HINT = "not a key; did you mean `pulumi config set --path '{key}' VALUE`?"


def namespace_values(
    settings: Mapping[str, str], namespace: str, secret: Collection[str] = ()
) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
    """The namespace's keys, prefix removed, from config as the engine hands it to a program
    (``<ns>:<key>`` to text, objects and lists as JSON text), decoded; and the problems that
    no model can report: secret values and keys written as paths."""
    values: dict[str, str] = {}
    problems: list[tuple[str | None, str]] = []
    for full_key in sorted(settings):
        ns, _, key = full_key.partition(":")
        key = key.removeprefix("config:")
        if ns != namespace:
            continue
        shown = f"{namespace}:{key}"
        if full_key in secret:
            problems.append((shown, SECRET_VALUE_MESSAGE))
        elif re.search(r"[.\[]", key):
            problems.append((shown, PATH_HINT.format(key=shown)))
        else:
            values[key] = settings[full_key]
    return decode_pulumi_values(values), problems


def load_settings(
    settings: Mapping[str, str],
    *,
    namespace: str,
    source: str,
    stack: str,
    secret: Collection[str] = (),
    install: Install | None = None,
    environments: Collection[str] = (),
) -> StackConfig:
    """The one reader of a stack's config, for ``pulumi up`` and the offline CLI alike.

    ``environments`` are the ESC environments a stack file imports (offline only: the engine
    resolves them): a required key the file lacks may come from one of them, and is reported
    as unchecked (``UncheckedConfig``) rather than missing.
    """
    values, problems = namespace_values(settings, namespace, secret)
    try:
        config = parse_config(values, source, stack, namespace=namespace, install=install)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if not problems:
        return config
    if environments:
        missing = [p for p in problems if p[1] == MISSING and p[0] and "." not in p[0]]
        if len(missing) == len(problems):
            imports = ", ".join(f"'{e}'" for e in environments)
            raise UncheckedConfig(
                source,
                [
                    (
                        key,
                        f"not checked: may come from the ESC environment(s) {imports}; "
                        "check the resolved config with `--config-json`",
                    )
                    for key, _ in missing
                ],
            )
    raise ConfigError(source, problems)


MISSING = "required key is missing"


def _echo(error: Any, errors: list[Any]) -> bool:
    """A tuple whose items failed also reports itself as too short: the item errors say it all."""
    loc = tuple(error["loc"])
    return error["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in errors
    )


_SELF_EXPLAINED = frozenset(
    {
        "model_type",
        "dict_type",
        "entry_type",
        "backend_missing",
        "backend_unknown",
        "duplicate_target",
    }
)
"""Error kinds whose message already says what was given."""


def _problem(error: Any, namespace: str) -> tuple[str | None, str]:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    message: str = error["msg"]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, _KeyedError):
        if not loc:
            return f"{namespace}:{cause.key}", str(cause)
        separator = "" if cause.key.startswith("[") else "."
        return key_path(loc, namespace) + separator + cause.key, str(cause)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key (a typo?)"
    elif kind == "missing":
        message = MISSING
    elif kind == "too_short":
        message = f"must list at least {error['ctx']['min_length']} item(s)"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    elif "input" in error and kind not in _SELF_EXPLAINED:
        message = f"{message} (got {short(json.dumps(error['input'], default=str))})"
    return key_path(loc, namespace), message


def key_path(loc: tuple[str | int, ...], namespace: str = NAMESPACE) -> str:
    """('models', 2, 'id') -> 'breeze-infra:models[2].id', as a user would write it."""
    text = namespace + ":"
    for index, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += part if index == 0 else f".{part}"
    return text.rstrip(":") if not loc else text


def decode_pulumi_values(values: Mapping[str, str]) -> dict[str, Any]:
    """Turn Pulumi's config strings back into the values the stack file holds.

    Pulumi passes objects and lists to programs as JSON text and scalars as plain text.
    """
    decoded: dict[str, Any] = {}
    for key, value in values.items():
        if key in STRUCTURED_KEYS and isinstance(value, str):
            try:
                decoded[key] = json.loads(value)
            except json.JSONDecodeError:
                decoded[key] = value
        else:
            decoded[key] = value
    return decoded
