"""The breeze-infra guard-rails policy pack: the one place that constructs the ``PolicyPack``.

Pulumi runs this file as a script with this folder first on ``sys.path`` (``python -m
pulumi.policy``); constructing the pack starts the analyzer server and never returns, so the rules
live in the ``breeze_guardrails`` package beside it.
"""

from pulumi_policy import PolicyPack

from breeze_guardrails.markers import keep_secret_markers
from breeze_guardrails.pack import build_policies

keep_secret_markers()

PolicyPack(name="breeze-infra-guardrails", policies=build_policies())
