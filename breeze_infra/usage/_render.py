"""The report as text for a person, or as JSON for the weekly workflow's artifact.

Every name and time in a text row came from Cloudflare (analytics, the token listing) and goes
through ``messages.printable``; JSON escapes its strings itself and holds only finite numbers
(the rows are validated), so it is always valid JSON.
"""

from __future__ import annotations

import json
from typing import IO

from breeze_infra.messages import printable as p
from breeze_infra.usage._report import UsageReport


def render_text(report: UsageReport, out: IO[str]) -> None:
    out.write(f"usage of stack {p(report.stack)} from {report.since} to {report.until}\n")
    if not report.gateway_on:
        out.write("gateway: off (breeze-infra:gateway absent): no per-gateway figures\n")
    elif not report.gateways:
        out.write(f"gateway: no traffic from {report.since} to {report.until}\n")
    else:
        out.write(
            f"{'gateway':<32} {'model':<44} {'requests':>9} {'tokens in':>10} "
            f"{'tokens out':>10} {'errors':>7} {'429':>6} {'cost $':>9}\n"
        )
        for row in report.gateways:
            out.write(
                f"{p(row.gateway):<32} {p(row.model):<44} {row.requests:>9} {row.tokens_in:>10} "
                f"{row.tokens_out:>10} {row.errors:>7} {row.rate_limited:>6} {row.cost:>9.4f}\n"
            )
    if not report.neurons:
        out.write("Workers AI, whole account: no traffic in this period\n")
    else:
        out.write("Workers AI, whole account:\n")
    for neuron in report.neurons:
        out.write(
            f"  {p(neuron.model):<44} {neuron.requests:>9} requests {neuron.neurons:>12.1f} neurons\n"
        )
    for key in report.keys:
        who = p(key.consumer or report.stack)
        a, b = p(key.slot_a or "never"), p(key.slot_b or "never")
        out.write(f"keys of {who}: slot a last used {a}, slot b {b}\n")
    for stale in report.stale:
        out.write(
            f"stale: {p(stale.consumer)} (last used {p(stale.last_used or 'never')}): revoke with "
            f"`{stale.revoke}`\n"
        )
    out.write(f"{report.api_requests} API requests\n")


def render_json(report: UsageReport, out: IO[str]) -> None:
    out.write(json.dumps(report.to_json(), indent=2, sort_keys=False) + "\n")
