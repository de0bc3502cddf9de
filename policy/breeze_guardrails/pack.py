"""The pack's policies: each rule of ``rules`` adapted to pulumi-policy, with its name, level and
configuration schema. ``policy/__main__.py`` builds the pack from ``build_policies``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from breeze_guardrails.facts import current_time
from breeze_guardrails.rules import (
    DEFAULT_ALLOWED_GROUP_IDS,
    DEFAULT_MAX_LIFETIME_DAYS,
    EXPIRY,
    LEAST_PRIVILEGE,
    NO_PLAINTEXT_KEY,
    NO_PLAINTEXT_KEY_IN_STACK,
    PROD_GATEWAY,
    PROD_IP_ALLOW_LIST,
    allowed_group_ids,
    least_privilege,
    max_lifetime_days,
    plaintext_keys,
    prod_gateway,
    prod_ip_allow_list,
    stack_of,
    token_expiry,
)


def build_policies(
    *,
    clock: Callable[[], datetime] = current_time,
    stack_name: Callable[[], str] = pulumi.get_stack,
) -> list[Policy]:
    """The pack's policies. ``clock`` and ``stack_name`` are seams for tests and replays.

    One declarative list, long only because each policy carries its own configuration schema.
    """
    checks = _Checks(clock, stack_name)

    return [
        ResourceValidationPolicy(
            name=LEAST_PRIVILEGE,
            description="Cloudflare tokens grant only Workers AI, on exactly one account.",
            validate=checks.least_privilege,
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(
                properties={
                    "allowedPermissionGroupIds": {
                        "type": "array",
                        "items": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                        "minItems": 1,
                        "default": sorted(DEFAULT_ALLOWED_GROUP_IDS),
                    }
                }
            ),
        ),
        ResourceValidationPolicy(
            name=EXPIRY,
            description="Cloudflare tokens expire, and no later than maxTokenLifetimeDays from now.",
            validate=checks.expiry,
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(
                properties={
                    "maxTokenLifetimeDays": {
                        "type": "integer",
                        "minimum": 1,
                        "default": DEFAULT_MAX_LIFETIME_DAYS,
                    }
                }
            ),
        ),
        ResourceValidationPolicy(
            name=PROD_IP_ALLOW_LIST,
            description="Tokens of stacks named prod* are restricted to allow-listed IP ranges.",
            validate=checks.prod_ip,
            enforcement_level=EnforcementLevel.ADVISORY,
        ),
        ResourceValidationPolicy(
            name=NO_PLAINTEXT_KEY,
            description="No resource input holds a Cloudflare token outside a secret.",
            validate=checks.plaintext,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        StackValidationPolicy(
            name=NO_PLAINTEXT_KEY_IN_STACK,
            description="No resource output or stack output holds a Cloudflare token outside a "
            "secret.",
            validate=checks.stack_plaintext,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
        StackValidationPolicy(
            name=PROD_GATEWAY,
            description="Stacks named prod* send their tokens' traffic through an AI Gateway "
            "with a rate limit.",
            validate=checks.prod_gateway,
            enforcement_level=EnforcementLevel.ADVISORY,
        ),
    ]


@dataclass(frozen=True)
class _Checks:
    """The rules adapted to pulumi-policy's callbacks, with the seams tests and replays set."""

    clock: Callable[[], datetime]
    stack_name: Callable[[], str]

    def least_privilege(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        try:
            allowed = allowed_group_ids(args.get_config())
        except ValueError as exc:
            report(str(exc), None)
            return
        _report_all(least_privilege(args.resource_type, args.props, allowed), report)

    def expiry(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        try:
            days = max_lifetime_days(args.get_config())
        except ValueError as exc:
            report(str(exc), None)
            return
        _report_all(token_expiry(args.resource_type, args.props, self.clock(), days), report)

    def prod_ip(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        stack = stack_of(args.urn, self.stack_name)
        _report_all(prod_ip_allow_list(args.resource_type, args.props, stack), report)

    def plaintext(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        secret = list(args.opts.additional_secret_outputs) if args.opts else []
        _report_all(plaintext_keys(args.resource_type, args.props, secret), report)

    def stack_plaintext(self, args: StackValidationArgs, report: ReportViolation) -> None:
        for resource in args.resources:
            secret = list(resource.opts.additional_secret_outputs) if resource.opts else []
            problems = plaintext_keys(resource.resource_type, resource.props, secret)
            _report_all(problems, report, resource.urn)

    def prod_gateway(self, args: StackValidationArgs, report: ReportViolation) -> None:
        if not args.resources:
            return
        stack = stack_of(args.resources[0].urn, self.stack_name)
        listed = [(r.resource_type, r.props) for r in args.resources]
        _report_all(prod_gateway(stack, listed), report)


def _report_all(problems: Sequence[str], report: ReportViolation, urn: str | None = None) -> None:
    for problem in problems:
        report(problem, urn)
