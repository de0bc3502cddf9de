"""A team of four against the emulator, three days before alice's previous key stops.

alice still uses only the previous key (must switch), bob switched, carol never used either key
(idle), dave has no token in this window (not deployed).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from breeze_infra.rotation import parse_time, plan_rotation, timestamp, token_name
from breeze_infra.sandbox.emulator import DEFAULT_ACCOUNT_ID, CloudflareEmulator, TokenInfo
from tests.online_cli import BOOTSTRAP, OnlineCli

ROTATION_DAYS = 30
PLAN = plan_rotation(parse_time("2026-11-25T09:30:00Z"), ROTATION_DAYS)
NOW = PLAN.current.starts_on + timedelta(days=27, hours=1)
"""Three days (rounded up) before the previous key stops."""
SWITCH_BY = timestamp(PLAN.previous.expires_on)
ALICE_KEY = "cfat_alicePreviousKeyKnownValue000000000000000"
STACK = f"""config:
  breeze-infra:accountId: {DEFAULT_ACCOUNT_ID}
  breeze-infra:models: [{{id: "@cf/meta/llama-3.1-8b-instruct"}}]
  breeze-infra:secrets:
    - backend: vault
      mount: secret
      path: breeze/{{stack}}/{{consumer}}
  breeze-infra:consumers:
    - name: alice
      contact: {{slack: U012AB3CDE, email: alice@example.com}}
    - name: bob
      contact: {{github: bob-example}}
    - name: carol
    - name: dave
"""


def _token(consumer: str, which: str, used: str | None, value: str = "") -> TokenInfo:
    slot = PLAN.current if which == "current" else PLAN.previous
    record = {
        "name": token_name("dev", slot, 0, consumer),
        "issued_on": timestamp(slot.starts_on + timedelta(hours=2)),
        "expires_on": timestamp(slot.expires_on),
        "status": "active",
        **({"last_used_on": used} if used else {}),
    }
    return TokenInfo(value or f"cfat_{consumer}{which}".ljust(48, "0"), record=record)


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    recently = timestamp(NOW - timedelta(hours=5))
    return [
        TokenInfo(BOOTSTRAP),
        _token("alice", "current", None),
        _token("alice", "previous", recently, ALICE_KEY),
        _token("bob", "current", recently),
        _token("bob", "previous", timestamp(NOW - timedelta(days=20))),
        _token("carol", "current", None),
        _token("carol", "previous", None),
        _token("dave", "previous", timestamp(NOW - timedelta(days=40))),
    ]


@pytest.fixture
def team(emu: CloudflareEmulator, stacks_dir: Path) -> OnlineCli:
    (stacks_dir / "Pulumi.dev.yaml").write_text(STACK, encoding="utf-8")
    return OnlineCli(emu, stacks_dir)


class Webhook:
    """A local incoming webhook: records each JSON body, answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        import http.server
        import json
        import threading

        self.status = status
        self.bodies: list[dict[str, object]] = []
        webhook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                webhook.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(webhook.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/secretpart"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()
