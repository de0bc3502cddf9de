"""``breeze-infra manifest``: from a stack file or deployed outputs, written whole, never a key unasked."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import BAD_STACK, TEAM_STACK, single_error_lines
from tests.conftest import ROOT, CliRun, write_stack


def test_manifest_renders_offline_and_matches_what_the_program_exports(cli: CliRun) -> None:
    offline = cli("manifest", "--stack", "prod")
    synth = cli("synth", "--stack", "prod", "--json")
    assert offline.returncode == 0, offline.stderr
    assert synth.returncode == 0, synth.stderr
    assert json.loads(offline.stdout) == json.loads(synth.stdout)["outputs"]["manifest"]


def test_manifest_path_never_loads_pulumi_or_httpx() -> None:
    probe = (
        "import sys; from breeze_infra.cli import main; code = main(['manifest', '--stack', 'dev',"
        " '-o', '/dev/null']); loaded = sorted(m for m in sys.modules"
        " if m.startswith(('pulumi', 'httpx'))); print(code, loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0 []"


def test_manifest_writes_a_file_whole(cli: CliRun, tmp_path: Path) -> None:
    target = tmp_path / "dev.json"
    result = cli("manifest", "--stack", "dev", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text())["environment"] == "dev"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["dev.json"]


def test_bad_input_leaves_nothing_half_written(
    cli: CliRun, stacks_dir: Path, tmp_path: Path
) -> None:
    write_stack(stacks_dir, "bad", BAD_STACK)
    target = tmp_path / "out.json"
    single_error_lines(
        cli("--stacks-dir", str(stacks_dir), "manifest", "--stack", "bad", "-o", str(target))
    )
    assert not target.exists()


def test_manifest_from_outputs_never_carries_the_key_unasked(
    cli: CliRun, outputs_json: tuple[Path, str]
) -> None:
    path, known = outputs_json
    result = cli("manifest", "--from-outputs", "-", input=path.read_text())
    assert result.returncode == 0, result.stderr
    assert known not in result.stdout + result.stderr
    assert json.loads(result.stdout)["environment"] == "dev"


def test_include_secret_writes_a_private_file_and_warns(
    cli: CliRun, outputs_json: tuple[Path, str], tmp_path: Path
) -> None:
    path, known = outputs_json
    target = tmp_path / "with-key.json"
    result = cli("manifest", "--from-outputs", str(path), "--include-secret", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["credentials"][0]["apiKey"] == known
    assert "warning: this manifest holds the API key in plain text" in result.stderr
    assert known not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--stack", "dev", "--include-secret"],
            "breeze-infra manifest: --include-secret needs --from-outputs",
        ),
        ([], "breeze-infra manifest: give --stack NAME or --from-outputs FILE"),
        (
            ["--from-outputs", "missing.json"],
            "missing.json: cannot be read (No such file or directory)",
        ),
    ],
)
def test_manifest_misuse_is_one_line(cli: CliRun, args: list[str], expected: str) -> None:
    assert single_error_lines(cli("manifest", *args)) == [expected]


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        (
            "{not json",
            "stdin: not valid JSON (Expecting property name enclosed in double quotes at line 1)",
        ),
        (
            '{"baseUrl": "x"}',
            "stdin: manifest: missing; expected the JSON of `pulumi stack output --json --show-secrets` from a breeze-infra stack",
        ),
    ],
)
def test_unusable_outputs_are_named(cli: CliRun, outputs: str, expected: str) -> None:
    assert single_error_lines(cli("manifest", "--from-outputs", "-", input=outputs)) == [expected]


def test_include_secret_refuses_redacted_outputs(
    cli: CliRun, outputs_json: tuple[Path, str]
) -> None:
    path, _ = outputs_json
    redacted = {**json.loads(path.read_text()), "apiKey": "[secret]"}
    lines = single_error_lines(
        cli("manifest", "--from-outputs", "-", "--include-secret", input=json.dumps(redacted))
    )
    assert lines == [
        "stdin: apiKey: missing or redacted; export the outputs with `pulumi stack output --json "
        "--show-secrets` from a stack with a pulumi-stack secrets entry"
    ]


def test_a_stack_with_consumers_needs_one_named(cli: CliRun, stacks_dir: Path) -> None:
    write_stack(stacks_dir, "team", TEAM_STACK)
    base = ("--stacks-dir", str(stacks_dir), "manifest", "--stack", "team")
    assert single_error_lines(cli(*base)) == [
        "this stack has consumers (alice, bob): name one with --consumer NAME or use --all-consumers"
    ]
    assert single_error_lines(cli(*base, "--consumer", "carol")) == [
        "no active consumer 'carol' (active: alice, bob)"
    ]
    bob = json.loads(cli(*base, "--consumer", "bob").stdout)
    assert bob["consumer"] == "bob"
    assert [m["modelId"] for m in bob["models"]] == ["@cf/openai/gpt-oss-20b"]


def test_all_consumers_writes_one_file_each(cli: CliRun, stacks_dir: Path, tmp_path: Path) -> None:
    write_stack(stacks_dir, "team", TEAM_STACK)
    out = tmp_path / "manifests"
    out.mkdir()
    result = cli(
        "--stacks-dir",
        str(stacks_dir),
        "manifest",
        "--stack",
        "team",
        "--all-consumers",
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["team-alice.json", "team-bob.json"]
    single = cli("manifest", "--stack", "dev", "--all-consumers", "-o", str(out))
    assert single.returncode == 0, single.stderr
    assert (out / "dev.json").is_file()


def test_consumer_keys_come_from_the_apikeys_output(
    cli: CliRun, stacks_dir: Path, tmp_path: Path
) -> None:
    write_stack(stacks_dir, "team", TEAM_STACK)
    synth = json.loads(
        cli("--stacks-dir", str(stacks_dir), "synth", "--stack", "team", "--json").stdout
    )
    outputs = {
        **synth["outputs"],
        "apiKeys": {"alice": "cfat_" + "A" * 40, "bob": "cfat_" + "B" * 40},
    }
    out = tmp_path / "bob.json"
    result = cli(
        "manifest",
        "--from-outputs",
        "-",
        "--consumer",
        "bob",
        "--include-secret",
        "-o",
        str(out),
        input=json.dumps(outputs),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["credentials"][0]["apiKey"] == "cfat_" + "B" * 40
    assert "cfat_" not in result.stdout + result.stderr
    only_alice = {**outputs, "apiKeys": {"alice": "cfat_" + "A" * 40}}
    lines = single_error_lines(
        cli(
            "manifest",
            "--from-outputs",
            "-",
            "--consumer",
            "bob",
            "--include-secret",
            input=json.dumps(only_alice),
        )
    )
    assert lines == [
        "stdin: apiKeys.bob: missing or redacted; export the outputs with `pulumi stack output "
        "--json --show-secrets` from a stack with a pulumi-stack secrets entry"
    ]


def test_a_key_inside_the_deployed_manifest_is_dropped_unless_asked(
    cli: CliRun, outputs_json: tuple[Path, str]
) -> None:
    path, known = outputs_json
    outputs = json.loads(path.read_text())
    outputs["manifest"]["credentials"][0]["apiKey"] = known
    result = cli("manifest", "--from-outputs", "-", input=json.dumps(outputs))
    assert result.returncode == 0, result.stderr
    assert known not in result.stdout + result.stderr


def test_manifest_checks_outputs_against_the_stack_named(
    cli: CliRun, outputs_json: tuple[Path, str]
) -> None:
    path, _ = outputs_json
    same = cli("manifest", "--stack", "dev", "--from-outputs", "-", input=path.read_text())
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout)["environment"] == "dev"
    assert single_error_lines(cli("manifest", "--stack", "prod", "--from-outputs", str(path))) == [
        f"{path}: manifest.environment: these are the outputs of stack 'dev', not of stack "
        "'prod' (--stack); export them with `pulumi stack output --json --show-secrets` "
        "--stack prod"
    ]


def test_files_that_are_not_utf8_are_named(cli: CliRun, tmp_path: Path, stacks_dir: Path) -> None:
    binary = tmp_path / "outputs.json"
    binary.write_bytes(b"\xff\xfe")
    assert single_error_lines(cli("manifest", "--from-outputs", str(binary))) == [
        f"{binary}: is not UTF-8 text (byte 0)"
    ]
    (stacks_dir / "Pulumi.bin.yaml").write_bytes(b"config: \xff\n")
    (line,) = single_error_lines(cli("--stacks-dir", str(stacks_dir), "validate"))
    assert line.endswith("Pulumi.bin.yaml: is not UTF-8 text (byte 8)")


def test_writing_to_a_pipe_keeps_the_pipe(cli: CliRun, tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "manifest.pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = cli("manifest", "--stack", "dev", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert json.loads(received[0])["environment"] == "dev"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_makes_missing_folders(cli: CliRun, tmp_path: Path) -> None:
    target = tmp_path / "out" / "nested" / "dev.json"
    result = cli("manifest", "--stack", "dev", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text())["environment"] == "dev"


def test_output_to_a_folder_names_the_file_after_the_stack(
    cli: CliRun, stacks_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    assert cli("manifest", "--stack", "dev", "-o", str(folder)).returncode == 0
    write_stack(stacks_dir, "team", TEAM_STACK)
    bob = cli(
        "manifest",
        "--stack",
        "team",
        "--consumer",
        "bob",
        "-o",
        str(folder),
        "--stacks-dir",
        str(stacks_dir),
    )
    assert bob.returncode == 0, bob.stderr
    fresh = cli("manifest", "--stack", "prod", "-o", f"{tmp_path / 'new'}/")
    assert fresh.returncode == 0, fresh.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["dev.json", "team-bob.json"]
    assert json.loads((tmp_path / "new" / "prod.json").read_text())["environment"] == "prod"


def test_all_consumers_makes_its_folder(cli: CliRun, stacks_dir: Path, tmp_path: Path) -> None:
    write_stack(stacks_dir, "team", TEAM_STACK)
    folder = tmp_path / "newdir"
    result = cli(
        "manifest",
        "--stack",
        "team",
        "--all-consumers",
        "-o",
        str(folder),
        "--stacks-dir",
        str(stacks_dir),
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["team-alice.json", "team-bob.json"]


def test_a_folder_that_cannot_be_made_is_one_line_without_an_exception_name(
    cli: CliRun, tmp_path: Path
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("keep\n")
    (line,) = single_error_lines(cli("manifest", "--stack", "dev", "-o", str(blocker / "x.json")))
    (deeper,) = single_error_lines(
        cli("manifest", "--stack", "dev", "-o", str(blocker / "sub" / "x.json"))
    )
    assert deeper.startswith(f"{blocker / 'sub'}: cannot be created for -o ")
    assert deeper.endswith("(Not a directory)")
    assert line == f"{blocker}: is a file, not a folder (-o {blocker / 'x.json'})"
    assert "Error" not in line
    assert blocker.read_text() == "keep\n"


def test_online_reads_the_stack_file_not_outputs(
    cli: CliRun, outputs_json: tuple[Path, str]
) -> None:
    path, _ = outputs_json
    lines = single_error_lines(
        cli("manifest", "--stack", "dev", "--from-outputs", str(path), "--online")
    )
    assert lines == [
        "breeze-infra manifest: --online reads the stack file; it does not go with --from-outputs"
    ]


def test_pulumi_stack_checks_piped_outputs_too(cli: CliRun, outputs_json: tuple[Path, str]) -> None:
    path, _ = outputs_json
    result = cli(
        "manifest", "--from-outputs", "-", input=path.read_text(), env={"PULUMI_STACK": "prod"}
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "using stack prod (from PULUMI_STACK)",
        "stdin: manifest.environment: these are the outputs of stack 'dev', not of stack 'prod' "
        "(--stack); export them with `pulumi stack output --json --show-secrets` --stack prod",
    ]


def test_consumer_outputs_of_another_stack_are_refused(
    cli: CliRun, stacks_dir: Path, tmp_path: Path
) -> None:
    write_stack(stacks_dir, "team", TEAM_STACK)
    synth = json.loads(
        cli("--stacks-dir", str(stacks_dir), "synth", "--stack", "team", "--json").stdout
    )
    lines = single_error_lines(
        cli(
            "manifest",
            "--stack",
            "dev",
            "--from-outputs",
            "-",
            "--all-consumers",
            "-o",
            str(tmp_path / "out"),
            input=json.dumps(synth["outputs"]),
        )
    )
    assert lines[0].startswith(
        "stdin: consumers.alice.manifest.environment: these are the outputs of stack 'team', "
        "not of stack 'dev'"
    )
    assert not (tmp_path / "out").exists()


def test_include_secret_writes_the_key_without_its_stray_blanks(
    cli: CliRun, outputs_json: tuple[Path, str], tmp_path: Path
) -> None:
    """Issue 20, I: a key exported with a trailing newline or spaces is written stripped."""
    path, known = outputs_json
    document = json.loads(path.read_text())
    document["apiKey"] = f"  {known}\n"
    padded = tmp_path / "padded.json"
    padded.write_text(json.dumps(document))
    target = tmp_path / "with-key.json"
    result = cli("manifest", "--from-outputs", str(padded), "--include-secret", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text())["credentials"][0]["apiKey"] == known
