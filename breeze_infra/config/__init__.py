"""What a stack asks for: the ``breeze-infra:`` keys of one environment, validated in one place.

The same models and the same reader serve ``pulumi up`` and the offline CLI, so both reject the
same mistakes with the same words. Nothing here imports Pulumi: the CLI must stay fast.

The modules behind this one, by job::

    _base      the settings base model, value types and limits
    _cidrs     network lists of a token's request_ip condition
    _gateway   GatewaySettings: breeze-infra:gateway's keys, defaults and cross-field rules
    _models    TokenSettings, ModelSpec, Consumer, StackConfig: keys, defaults, own checks
    _rules     checks that span several keys, one function each, run in STACK_RULES order
    _installed the backend SDKs the consumers acted for need and the install lacks, once each
    _loading   engine config map -> StackConfig, or ConfigError with every problem
    _errors    ConfigError (every problem at once), UncheckedConfig (ESC may fill the gap)
"""

from breeze_infra.config._base import (
    CONTEXT_LIMIT,
    GENERATION_LIMIT,
    NAMESPACE,
    AccountId,
    ConsumerName,
    ModelId,
    display_name_from_id,
)
from breeze_infra.config._cidrs import unusable_cidrs
from breeze_infra.config._errors import ConfigError, UncheckedConfig
from breeze_infra.config._gateway import GATEWAY_LIMITS, GatewaySettings, gateway_problem
from breeze_infra.config._loading import (
    MISSING,
    PATH_HINT,
    SECRET_VALUE_MESSAGE,
    STRUCTURED_KEYS,
    decode_pulumi_values,
    is_echo,
    key_path,
    load_settings,
    namespace_values,
    parse_config,
)
from breeze_infra.config._models import (
    Consumer,
    Contact,
    ModelSpec,
    StackConfig,
    TokenSettings,
)
from breeze_infra.config._rules import (
    IMPLICIT_CONSUMER,
    STACK_RULES,
    TOKEN_NAME_LIMIT,
    TOKEN_QUOTA,
    config_warnings,
    consumer_cidrs,
    placeholder_account,
    token_demand,
    token_name_length,
)

__all__ = [
    "CONTEXT_LIMIT",
    "GATEWAY_LIMITS",
    "GENERATION_LIMIT",
    "IMPLICIT_CONSUMER",
    "MISSING",
    "NAMESPACE",
    "PATH_HINT",
    "SECRET_VALUE_MESSAGE",
    "STACK_RULES",
    "STRUCTURED_KEYS",
    "TOKEN_NAME_LIMIT",
    "TOKEN_QUOTA",
    "AccountId",
    "ConfigError",
    "Consumer",
    "ConsumerName",
    "Contact",
    "GatewaySettings",
    "ModelId",
    "ModelSpec",
    "StackConfig",
    "TokenSettings",
    "UncheckedConfig",
    "config_warnings",
    "consumer_cidrs",
    "decode_pulumi_values",
    "display_name_from_id",
    "gateway_problem",
    "is_echo",
    "key_path",
    "load_settings",
    "namespace_values",
    "parse_config",
    "placeholder_account",
    "token_demand",
    "token_name_length",
    "unusable_cidrs",
]
