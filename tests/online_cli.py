"""Harness for the commands that talk to Cloudflare: the CLI as a subprocess, the emulator in-process.

Every run points CLOUDFLARE_BASE_URL at the emulator and blanks the credentials a developer's
shell may hold, so nothing can reach the real Cloudflare and every token in play is one a test
chose.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from breeze_infra.sandbox.emulator import CloudflareEmulator
from tests.conftest import ROOT, SUBPROCESS_BOUND

NOW = "2026-11-25T09:30:00Z"
BOOTSTRAP = "cfat_bootstrapTokenForTests00000000000000000000"
KEY = "cfat_deployedKeyForTests000000000000000000000000"
CHAT = ("@cf/meta/llama-3.1-8b-instruct", "@cf/openai/gpt-oss-20b", "@cf/qwen/qwq-32b")
WRONG_ACCOUNT = "ffffffffffffffffffffffffffffffff"


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def out_lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.splitlines()


def stack_text(
    models: Sequence[str | Mapping[str, object]],
    *,
    account_id: str,
    owner: str = "account",
    rotation_days: int = 30,
) -> str:
    entries = [{"id": m} if isinstance(m, str) else dict(m) for m in models]
    lines = [
        "config:",
        f"  breeze-infra:accountId: {account_id}",
        "  breeze-infra:token:",
        f"    owner: {owner}",
        f"    rotationDays: {rotation_days}",
        "  breeze-infra:models:",
    ]
    for entry in entries:
        lines.append(f"    - {json.dumps(entry)}")
    return "\n".join(lines) + "\n"


class OnlineCli:
    """``breeze-infra`` against one emulator and one folder of stack files."""

    def __init__(self, emulator: CloudflareEmulator, stacks_dir: Path) -> None:
        self.emu = emulator
        self.stacks_dir = stacks_dir

    def stack(
        self,
        name: str,
        models: Sequence[str | Mapping[str, object]] = CHAT,
        *,
        account_id: str | None = None,
        owner: str = "account",
        rotation_days: int = 30,
    ) -> Path:
        path = self.stacks_dir / f"Pulumi.{name}.yaml"
        path.write_text(
            stack_text(
                models,
                account_id=account_id or self.emu.account_id,
                owner=owner,
                rotation_days=rotation_days,
            ),
            encoding="utf-8",
        )
        return path

    def env(self, **overrides: str) -> dict[str, str]:
        return {
            **os.environ,
            "BREEZE_NOW": NOW,
            "CLOUDFLARE_BASE_URL": self.emu.base_url,
            "CLOUDFLARE_API_TOKEN": BOOTSTRAP,
            "BREEZE_API_KEY": "",
            **overrides,
        }

    def __call__(self, *args: str, input: str | None = None, **env: str) -> Run:
        result = subprocess.run(
            [sys.executable, "-m", "breeze_infra", "--stacks-dir", str(self.stacks_dir), *args],
            cwd=ROOT,
            env=self.env(**env),
            input=input,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_BOUND,
            check=False,
        )
        return Run(result.returncode, result.stdout, result.stderr)

    def catalog_requests(self) -> int:
        return self.emu.count(f"/accounts/{self.emu.account_id}/ai/models/search")

    def relative(self, path: Path) -> str:
        return os.path.relpath(path, ROOT)
