"""``breeze-infra doctor``: can GPT Breeze use this environment's deployed key right now?

It checks what a user would otherwise find out the hard way, one line each: the key is an active
token and when it stops working, the account routes, and each model answers a one-token chat
completion. Checks run concurrently (at most ``MAX_CONCURRENT`` requests in flight) and the whole
command ends within its budget, so a stalled model is reported, not waited on. The key is only
ever handed to the client, which keeps it out of every message and log record.

Private modules, one job each, behind this one ``__all__``:

- ``_targets``: what to check, from the stack file and its outputs, and with which key
- ``_report``: a check's verdict (``Check``) and how it is printed
- ``_judging``: the verdict on a token's verify answer
- ``_checks``: one consumer's checks, run concurrently under one deadline
- ``_fleet``: many consumers under one request limiter, reported in order
"""

from __future__ import annotations

from breeze_infra.doctor._checks import MAX_CONCURRENT, run_checks
from breeze_infra.doctor._fleet import CONSUMERS_AT_ONCE, Consumer, run_doctor, run_fleet
from breeze_infra.doctor._judging import judge_token
from breeze_infra.doctor._report import Check, format_check
from breeze_infra.doctor._report import check_names as check_names
from breeze_infra.doctor._targets import Target, api_key, key_owner, target_from
from breeze_infra.endpoints import KEY_ENV

__all__ = [
    "CONSUMERS_AT_ONCE",
    "KEY_ENV",
    "MAX_CONCURRENT",
    "Check",
    "Consumer",
    "Target",
    "api_key",
    "format_check",
    "judge_token",
    "key_owner",
    "run_checks",
    "run_doctor",
    "run_fleet",
    "target_from",
]
