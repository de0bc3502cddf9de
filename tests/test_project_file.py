"""The Pulumi project as the CLI will see it: Pulumi.yaml, the entry file, the stack folder."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT, SUBPROCESS_BOUND

SCHEMA = ROOT / "tests" / "data" / "pulumi-project.schema.json"


def project() -> dict[str, object]:
    document = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_pulumi_yaml_validates_against_pulumis_project_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(project(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**project(), "runtime": {"name": "python", "toolchain": "uv"}}, schema)


def test_project_installs_this_package_with_uv_and_reads_stacks_from_stacks() -> None:
    document = project()
    assert document["name"] == "breeze-infra"
    assert document["runtime"] == {
        "name": "python",
        "options": {"toolchain": "uv", "virtualenv": ".venv"},
    }
    assert document["stackConfigDir"] == "stacks"


def test_pulumi_new_asks_for_the_account_and_the_default_models_pass_validation() -> None:
    """A template's answers land in the new stack as plain strings: the models default is the
    JSON text of a list, which the program reads as it reads `pulumi config set` values."""
    from breeze_infra.config import load_settings

    template = project()["template"]
    assert isinstance(template, dict)
    asked = template["config"]
    assert set(asked) == {"accountId", "models"}
    assert all(":" not in key for key in asked)  # unqualified: they follow a renamed project
    config = load_settings(
        {
            "acme-ai:accountId": "0123456789abcdef0123456789abcdef",
            "acme-ai:models": asked["models"]["default"],
        },
        namespace="acme-ai",
        source="Pulumi.dev.yaml",
        stack="dev",
    )
    assert [m.id for m in config.models] == ["@cf/meta/llama-3.1-8b-instruct"]


def test_entry_file_runs_as_a_script_without_shadowing_the_standard_library() -> None:
    """Pulumi's language host runs the project folder with runpy: run it the same way, under mocks."""
    script = textwrap.dedent(
        f"""
        import json, runpy, sys, asyncio
        import pulumi
        from pulumi.runtime.stack import run_pulumi_func
        from breeze_infra.sandbox.mocks import FakeCloudflare, RecordingMonitor, pulumi_config_values
        from breeze_infra.stacks import read_namespace
        fake = FakeCloudflare()
        monitor = RecordingMonitor(fake)
        loop = asyncio.new_event_loop(); asyncio.set_event_loop(loop)
        pulumi.runtime.set_mocks(fake, project="breeze-infra", stack="dev", monitor=monitor)
        pulumi.runtime.set_all_config(pulumi_config_values(read_namespace(__import__("pathlib").Path("stacks/Pulumi.dev.yaml"))))
        loop.run_until_complete(run_pulumi_func(lambda: runpy.run_path({str(ROOT)!r}, run_name="__main__")))
        from pathlib import Path
        print(json.dumps({{
            "types": sorted(r.type for r in monitor.registrations),
            "package_dir_on_path": any(Path(p or ".").resolve().name == "breeze_infra" for p in sys.path),
        }}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=SUBPROCESS_BOUND,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["types"] == [
        "breeze:index:WorkersAiToken",
        "cloudflare:index/accountToken:AccountToken",
        "cloudflare:index/accountToken:AccountToken",
    ]
    assert report["package_dir_on_path"] is False


def test_entry_file_is_thin() -> None:
    lines = [
        line
        for line in (ROOT / "__main__.py").read_text().splitlines()
        if line.strip() and not line.startswith(('"""', "#"))
    ]
    assert lines == ["from breeze_infra.program import main", "main()"]
