"""The GitHub Actions workflows: valid for GitHub, and holding the promises the README makes.

actionlint and the GitHub workflow JSON Schema (check-jsonschema's built-in copy) run offline: a
proxy that refuses every connection is set for them, so a tool that reached for the network fails.
The rest reads the YAML: permissions, environments, order, schedule against the stacks' rotation
windows, secrets that never reach a log or a file, and CLI invocations today's CLI accepts.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from breeze_infra.cli.parser import build_parser
from breeze_infra.config import TokenSettings
from breeze_infra.rotation import EPOCH
from breeze_infra.stacks import list_stacks, load_stack
from tests.conftest import ROOT, STACKS, SUBPROCESS_BOUND

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
REUSABLE = "./.github/workflows/pulumi-up.yml"
UP_WORKFLOWS = ("deploy.yml", "rotate.yml", "pulumi-up.yml")
OFFLINE = {
    **os.environ,
    **{k: "http://127.0.0.1:9" for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")},
    "NO_PROXY": "",
    "no_proxy": "",
}
PINNED = re.compile(r"[^@\s]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})")


def tool(name: str) -> str:
    """A console script installed beside this interpreter (the test extra provides both tools)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is not installed beside {sys.executable}: pip install -e '.[test]'"
    return found


def load(name: str) -> dict[str, Any]:
    """A workflow as GitHub reads it; BaseLoader keeps the key 'on' from becoming True."""
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 (builds no objects)
    return document


def all_workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load(path.name) for path in FILES}


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, job, step


def scripts() -> Iterator[tuple[str, str]]:
    for name, workflow in all_workflows().items():
        for _, _, step in steps(workflow):
            if "run" in step:
                yield name, step["run"]


def commands(script: str) -> Iterator[str]:
    """Logical lines of a run script: continuations joined, comments dropped."""
    for raw in script.replace("\\\n", " ").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line


def test_the_expected_workflows_exist() -> None:
    assert {p.name for p in FILES} == {
        "pull-request.yml",
        "deploy.yml",
        "rotate.yml",
        "pulumi-up.yml",
        "usage.yml",
        "remind.yml",
    }


# --- linters -----------------------------------------------------------------------------------


def actionlint(*files: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # External shellcheck/pyflakes are machine-dependent; the workflow rules are not.
    return subprocess.run(
        [tool("actionlint"), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, files)],
        cwd=cwd,
        env=OFFLINE,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def schema_check(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        env=OFFLINE,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


BROKEN = """\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    needs: missing
    steps:
      - run: echo "${{ github.nope }}"
      - uses: actions/checkout
        withh: {}
"""


def test_actionlint_accepts_every_workflow() -> None:
    done = actionlint(*FILES)
    assert (done.returncode, done.stdout) == (0, ""), done.stdout + done.stderr


def test_the_workflow_schema_accepts_every_workflow_offline() -> None:
    done = schema_check(*FILES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_both_linters_reject_a_broken_workflow(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    broken = folder / "broken.yml"
    broken.write_text(BROKEN, encoding="utf-8")
    assert actionlint(broken, cwd=tmp_path).returncode != 0
    assert schema_check(broken).returncode != 0


# --- permissions and secrets -------------------------------------------------------------------


def test_every_workflow_defaults_to_read_only_contents() -> None:
    for name, workflow in all_workflows().items():
        assert workflow.get("permissions") == {"contents": "read"}, name


def test_jobs_grant_nothing_beyond_read_except_the_preview_comment() -> None:
    for name, workflow in all_workflows().items():
        for job_id, job in workflow["jobs"].items():
            granted = job.get("permissions", workflow["permissions"])
            assert isinstance(granted, dict), (name, job_id)
            assert "id-token" not in granted, (name, job_id)
            writes = {scope for scope, level in granted.items() if level == "write"}
            comments = any(
                s.get("uses", "").startswith("pulumi/actions@")
                and s.get("with", {}).get("comment-on-pr") == "true"
                for s in job.get("steps", [])
            )
            assert writes == ({"pull-requests"} if comments else set()), (name, job_id)


def test_secrets_reach_steps_only_through_env_and_the_action_token() -> None:
    for name, workflow in all_workflows().items():
        for job_id, _, step in steps(workflow):
            for key, value in step.get("with", {}).items():
                if "secrets." in value:
                    assert (key, value) == ("github-token", "${{ secrets.GITHUB_TOKEN }}"), (
                        name,
                        job_id,
                    )
            assert "secrets." not in step.get("run", ""), (name, job_id)
        for job_id, job in workflow["jobs"].items():
            assert "secrets." not in str(job.get("env", {})), (name, job_id)


def secret_variables() -> set[str]:
    """Environment variables any workflow binds to a secret, and the key's own variable."""
    names = {"BREEZE_API_KEY"}
    for workflow in all_workflows().values():
        for _, job, step in steps(workflow):
            for scope in (job.get("env", {}), step.get("env", {})):
                names |= {k for k, v in scope.items() if "secrets." in v}
    return names


def test_no_script_prints_a_secret_or_traces_commands() -> None:
    variables = secret_variables()
    assert {"PULUMI_ACCESS_TOKEN", "CLOUDFLARE_API_TOKEN"} <= variables
    for name, script in scripts():
        for line in commands(script):
            assert not re.search(r"\bset\s+-\w*x|\bbash\s+-\w*x", line), (name, line)
            for segment in re.split(r"&&|\|\||[;|]", line):
                words = segment.split()
                if words and words[0] in {"echo", "printf", "cat"}:
                    assert not any(v in segment for v in variables), (name, line)
                if "GITHUB_OUTPUT" in segment or "GITHUB_ENV" in segment:
                    assert not any(v in segment for v in variables), (name, line)


def test_the_key_only_travels_through_a_pipe_into_breeze_infra() -> None:
    seen = 0
    for name, script in scripts():
        for line in commands(script):
            if "--show-secrets" not in line:
                continue
            seen += 1
            _, _, consumer = line.partition("|")
            assert consumer.strip().startswith("breeze-infra "), (name, line)
            assert not re.search(r">|\btee\b|\bcat\b", line), (name, line)
            assert "--from-outputs -" in consumer, (name, line)
    assert seen == 2


def test_the_manifest_export_never_includes_the_key() -> None:
    for name, script in scripts():
        assert "--include-secret" not in script, name


@pytest.mark.parametrize("name", UP_WORKFLOWS)
def test_workflows_that_deploy_never_fake_the_clock(name: str) -> None:
    assert "BREEZE_NOW" not in (WORKFLOWS / name).read_text(encoding="utf-8")


# --- what runs where ---------------------------------------------------------------------------


def pulumi_steps(workflow: dict[str, Any], command: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (job_id, step)
        for job_id, _, step in steps(workflow)
        if step.get("uses", "").startswith("pulumi/actions@")
        and step.get("with", {}).get("command") == command
    ]


def test_every_third_party_action_is_pinned_to_an_exact_version() -> None:
    for name, workflow in all_workflows().items():
        for job_id, _, step in steps(workflow):
            uses = step.get("uses")
            if uses:
                assert PINNED.fullmatch(uses), (name, job_id, uses)
        for job_id, job in workflow["jobs"].items():
            if "uses" in job:
                assert job["uses"] == REUSABLE, (name, job_id)


def test_previews_and_updates_run_the_policy_pack_and_previews_comment() -> None:
    workflows = all_workflows()
    [(_, preview)] = pulumi_steps(workflows["pull-request.yml"], "preview")
    [(_, up)] = pulumi_steps(workflows["pulumi-up.yml"], "up")
    for step in (preview, up):
        assert step["with"]["policyPacks"] == "policy"
    assert preview["with"]["comment-on-pr"] == "true"
    for name, workflow in workflows.items():
        if name != "pulumi-up.yml":
            assert pulumi_steps(workflow, "up") == [], name


PACK_INSTALL = "uv sync --locked --project policy"


def test_every_job_that_runs_the_pack_first_installs_it_from_its_own_lock() -> None:
    """policy/ is its own uv project: its venv comes from policy/uv.lock, never from the repo."""
    seen = 0
    for name, workflow in all_workflows().items():
        for job_id, job in workflow["jobs"].items():
            job_steps = job.get("steps", [])
            runs = [i for i, s in enumerate(job_steps) if s.get("with", {}).get("policyPacks")]
            if not runs:
                continue
            seen += 1
            installs = [
                i for i, s in enumerate(job_steps) if PACK_INSTALL in commands(s.get("run", ""))
            ]
            assert installs and installs[0] < runs[0], (name, job_id)
    assert seen == 2
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        assert "requirements.txt" not in text, path.name
        assert "policy/venv" not in text, path.name


def test_one_pulumi_up_per_stack_at_a_time_across_deploy_and_rotate() -> None:
    job = load("pulumi-up.yml")["jobs"]["up"]
    assert job["concurrency"] == {
        "group": "pulumi-up-${{ inputs.stack }}",
        "cancel-in-progress": "false",
    }
    for name in ("deploy.yml", "rotate.yml"):
        workflow = load(name)
        assert "concurrency" not in workflow, name
        assert all(j.get("uses") == REUSABLE for j in workflow["jobs"].values()), name


def deploy_jobs() -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = load("deploy.yml")["jobs"]
    return {job["with"]["stack"]: job for job in jobs.values()}


def test_deploy_goes_dev_then_staging_then_prod() -> None:
    jobs = deploy_jobs()
    ids = {job["with"]["stack"]: job_id for job_id, job in load("deploy.yml")["jobs"].items()}
    assert "needs" not in jobs["dev"]
    assert jobs["staging"]["needs"] == ids["dev"]
    assert jobs["prod"]["needs"] == ids["staging"]


def test_prod_deploys_behind_the_production_environment_and_rotation_never_waits_on_it() -> None:
    assert deploy_jobs()["prod"]["with"]["environment"] == "production"
    assert load("pulumi-up.yml")["jobs"]["up"]["environment"] == {
        "name": "${{ inputs.environment }}"
    }
    rotations = load("rotate.yml")["jobs"]["rotate"]["strategy"]["matrix"]["include"]
    assert "production" not in {r["environment"] for r in rotations}
    assert load("rotate.yml")["jobs"]["rotate"]["with"]["source"] == "last-deployed"
    assert "source" not in str(load("deploy.yml"))


def test_every_stack_file_is_synthesized_previewed_deployed_and_rotated() -> None:
    stacks = list_stacks(STACKS)
    pr = load("pull-request.yml")["jobs"]
    assert sorted(pr["synth"]["strategy"]["matrix"]["stack"]) == stacks
    assert sorted(pr["preview"]["strategy"]["matrix"]["stack"]) == stacks
    assert sorted(deploy_jobs()) == stacks
    rotations = load("rotate.yml")["jobs"]["rotate"]["strategy"]["matrix"]["include"]
    assert sorted(r["stack"] for r in rotations) == stacks


def test_pull_requests_lint_type_check_test_validate_and_synth() -> None:
    lines = [line for name, s in scripts() if name == "pull-request.yml" for line in commands(s)]
    for expected in (
        "ruff check . && ruff format --check .",
        "mypy",
        "python -m pytest -q",
        "breeze-infra validate --all",
        'breeze-infra synth --stack "$STACK"',
    ):
        assert expected in lines


def breeze_invocations() -> Iterator[list[str]]:
    for _, script in scripts():
        for line in commands(script):
            for segment in line.split("|"):
                if segment.strip().startswith("breeze-infra "):
                    yield shlex.split(segment.replace("$STACK", "dev"))[1:]


def parses(argv: list[str]) -> bool:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            build_parser().parse_args(argv)
        except SystemExit as exit_:
            return exit_.code == 0
    return True


def test_every_breeze_infra_invocation_is_accepted_by_the_cli() -> None:
    invocations = list(breeze_invocations())
    assert {argv[0] for argv in invocations} == {
        "validate",
        "synth",
        "manifest",
        "card",
        "doctor",
        "usage",
        "rotation",
        "remind",
    }
    for argv in invocations:
        assert parses(argv), argv


# --- schedule ----------------------------------------------------------------------------------


def cron_values(field: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in field.split(","):
        body, _, step = part.partition("/")
        if body == "*":
            start, stop = low, high
        elif "-" in body:
            start, stop = (int(x) for x in body.split("-"))
        else:
            start = stop = int(body)
            if step:
                stop = high
        values.update(range(start, stop + 1, int(step or 1)))
    return values


def cron_runs(expression: str, start: datetime, days: int) -> list[datetime]:
    minute, hour, dom, month, dow = expression.split()
    minutes, hours = cron_values(minute, 0, 59), cron_values(hour, 0, 23)
    doms, months = cron_values(dom, 1, 31), cron_values(month, 1, 12)
    dows = {d % 7 for d in cron_values(dow, 0, 7)}
    runs = []
    for offset in range(days * 24 * 60):
        moment = start + timedelta(minutes=offset)
        day_ok = (moment.day in doms, moment.isoweekday() % 7 in dows)
        restricted = (dom != "*", dow != "*")
        matches_day = (day_ok[0] or day_ok[1]) if all(restricted) else (day_ok[0] and day_ok[1])
        if (
            moment.minute in minutes
            and moment.hour in hours
            and moment.month in months
            and matches_day
        ):
            runs.append(moment)
    return runs


def shortest_windows() -> list[int]:
    """The example stacks' shortest rotation window, and the shortest the config accepts."""
    example = min(
        load_stack(STACKS / f"Pulumi.{s}.yaml").token.rotation_days for s in list_stacks(STACKS)
    )
    floor = next(
        m.ge for m in TokenSettings.model_fields["rotation_days"].metadata if hasattr(m, "ge")
    )
    return [example, floor]


def test_the_cron_parser_reads_what_github_reads() -> None:
    start = datetime(2026, 11, 23, tzinfo=EPOCH.tzinfo)  # a Monday
    assert len(cron_runs("17 3,15 * * *", start, 2)) == 4
    assert [r.hour for r in cron_runs("0 */6 * * 1", start, 7)] == [0, 6, 12, 18]
    # Restricting both day fields means either: December 1-7, or a Sunday (December 6 is both).
    assert len(cron_runs("30 1 1-7 * 0", start, 31)) == 7 + 3


def test_rotation_runs_at_least_twice_in_every_rotation_window() -> None:
    workflow = load("rotate.yml")
    assert "workflow_dispatch" in workflow["on"]
    schedule = [entry["cron"] for entry in workflow["on"]["schedule"]]
    start = datetime(2026, 11, 1, tzinfo=EPOCH.tzinfo)
    runs = sorted(run for expression in schedule for run in cron_runs(expression, start, 30))
    example, floor = shortest_windows()
    assert example == 7
    for days in (example, floor):
        length = timedelta(days=days)
        first = (start - EPOCH) // length + 1
        for window in range(first, first + int(timedelta(days=28) / length)):
            opens = EPOCH + window * length
            inside = [r for r in runs if opens <= r < opens + length]
            assert len(inside) >= 2, (days, opens)


def test_every_install_in_ci_is_the_locked_one() -> None:
    """A deploy runs exactly the reviewed lock: no job resolves dependencies afresh."""
    syncs = [
        line.strip()
        for _, script in scripts()
        for line in script.splitlines()
        if line.strip().startswith("uv sync")
    ]
    assert syncs
    assert all("--locked" in line for line in syncs), syncs
    assert not any("--extra" in line or "--all-extras" in line for line in syncs)
    assert not any("pip install" in script for _, script in scripts())


def test_the_checks_run_on_every_supported_python() -> None:
    checks = load("pull-request.yml")["jobs"]["checks"]
    assert checks["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13", "3.14"]
    assert any(s.get("run") == "uv lock --check" for s in checks["steps"])


def test_dependency_updates_arrive_as_reviewed_lock_changes() -> None:
    config = ROOT / ".github" / "dependabot.yml"
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(config)],
        env=OFFLINE,
        capture_output=True,
        text=True,
        check=False,
        timeout=SUBPROCESS_BOUND,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    updates = yaml.safe_load(config.read_text(encoding="utf-8"))["updates"]
    assert {(u["package-ecosystem"], u["directory"]) for u in updates} == {
        ("uv", "/"),
        ("uv", "/policy"),
        ("github-actions", "/"),
    }
