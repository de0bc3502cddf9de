"""``breeze-infra rotation`` and ``remind``: who still uses which key, and a nudge for people.

One public surface over private modules, each named for its job:

- ``_verdicts``: each consumer's two slots from the one token listing, and their verdict;
- ``_render``: the rotation report as text and JSON;
- ``_messages``: who is due a reminder today, each person's message and the summary;
- ``_webhook``: delivery to an incoming webhook (timeouts, bounded retries, one-line errors);
- ``_command``: the two commands with typed values.
"""

from breeze_infra.reminders._command import read_report, run_remind, run_rotation
from breeze_infra.reminders._messages import due, personal, summary
from breeze_infra.reminders._verdicts import (
    ConsumerRotation,
    RotationReport,
    SlotState,
    collect_rotation,
    judge,
)
from breeze_infra.reminders._webhook import Delivery, DeliveryError, deliver, webhook_problem

__all__ = [
    "ConsumerRotation",
    "Delivery",
    "DeliveryError",
    "RotationReport",
    "SlotState",
    "collect_rotation",
    "deliver",
    "due",
    "judge",
    "personal",
    "read_report",
    "run_remind",
    "run_rotation",
    "summary",
    "webhook_problem",
]
