"""breeze-infra's guard-rails: the rules of the ``breeze-infra-guardrails`` policy pack.

``rules`` holds the rules and the pulumi-policy objects that run them; ``facts`` holds what they
know of the breeze-infra program (token types, Workers AI groups, token-like patterns, the clock),
as the pack's own copy. Importing either builds nothing and serves nothing: only the pack's entry
file, ``policy/__main__.py``, constructs the ``PolicyPack``. The package needs pulumi-policy and
nothing of breeze-infra, so ``policy/`` installs and runs on its own.
"""
