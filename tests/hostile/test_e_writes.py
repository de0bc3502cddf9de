"""Issue 20, E (and issue 9, 2): nothing is written outside the place asked for, nothing
half-written: a set of files is written whole or not at all, links are written through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliRun
from tests.hostile._harness import (
    CONSUMERS,
    OUT,
    STACK,
    Case,
    bare,
    c,
    consumer_outputs,
    manifest_json,
    run_case,
    stack_yaml,
)

WRITER = [  # 2. nothing written outside the folder asked for, nothing half-written
    c(
        "environment-absolute-path",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="consumers.alice.manifest.environment: '/etc/evil' cannot name a file",
        files={
            OUT: consumer_outputs({"alice": manifest_json("/etc/evil", "alice")}),
            "out/.keep": "",
        },
    ),
    c(
        "environment-dot-dot",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.alice.manifest.environment: '../../escape'",
        files={
            OUT: consumer_outputs({"alice": manifest_json("../../escape", "alice")}),
            "out/.keep": "",
        },
    ),
    c(
        "consumer-named-dot-dot",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers....manifest.consumer: '..' cannot name a file",
        files={OUT: consumer_outputs({"..": manifest_json("dev", "..")}), "out/.keep": ""},
    ),
    c(
        "a-manifest-naming-another-consumer",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.alice.manifest.consumer: names another consumer",
        files={OUT: consumer_outputs({"alice": manifest_json("dev", "bob")}), "out/.keep": ""},
    ),
    c(
        "consumer-with-a-separator",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="cannot name a file",
        files={
            OUT: consumer_outputs({"a/../../b": manifest_json("dev", "a/../../b")}),
            "out/.keep": "",
        },
    ),
    c(
        "environment-of-the-wrong-type",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.alice.manifest.environment: Input should be a valid string",
        files={OUT: consumer_outputs({"alice": manifest_json(["dev"], "alice")}), "out/.keep": ""},
    ),
    c(
        "two-consumers-one-file",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.c.manifest: would write dev-b-c.json, which "
        "outputs.json: consumers.b-c.manifest writes too; nothing was written",
        files={
            OUT: consumer_outputs(
                {"b-c": manifest_json("dev", "b-c"), "c": manifest_json("dev-b", "c")}
            ),
            "out/.keep": "",
        },
    ),
    c(
        "two-consumers-one-file-on-a-case-insensitive-disk",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="consumers.X.manifest: would write dev-X.json, which outputs.json: "
        "consumers.x.manifest writes too",
        files={
            OUT: consumer_outputs({"x": manifest_json("dev", "x"), "X": manifest_json("dev", "X")}),
            "out/.keep": "",
        },
    ),
    c(
        "one-target-is-a-folder-so-none-is-written",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="out/dev-bob.json: exists and is not a regular file; nothing was written",
        names="out/dev-bob.json",
        files={OUT: consumer_outputs(), "out/dev-bob.json/.keep": ""},
    ),
    c(
        "dev-full",
        "manifest",
        "--stack",
        "dev",
        "-o",
        "/dev/full",
        expect="/dev/full: cannot be written (No space left on device)",
        names="/dev/full",
    ),
    c(
        "outputs-file-is-a-folder",
        "manifest",
        "--from-outputs",
        "stacks",
        expect="stacks: is not a file",
        names="stacks",
    ),
]


TABLE = [pytest.param(case, id=f"2-writer-{case.id}") for case in WRITER]


@pytest.mark.parametrize("case", TABLE)
def test_hostile_input(case: Case, cli: CliRun, tmp_path: Path) -> None:
    run_case(case, cli, tmp_path)


def test_2_output_onto_a_symlink_writes_its_target_and_keeps_the_link(root: Path) -> None:
    (root / "real.json").write_text("old\n")
    (root / "link.json").symlink_to("real.json")
    result = bare("manifest", "--stack", "dev", "-o", "link.json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "link.json").is_symlink()
    assert json.loads((root / "real.json").read_text())["environment"] == "dev"


def test_2_output_to_dev_stdout_is_written_in_place(root: Path) -> None:
    result = bare("manifest", "--stack", "dev", "-o", "/dev/stdout", cwd=root)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["environment"] == "dev"


def test_2_a_symlink_loop_is_one_line(root: Path) -> None:
    (root / "a.json").symlink_to("b.json")
    (root / "b.json").symlink_to("a.json")
    result = bare("manifest", "--stack", "dev", "-o", "a.json", cwd=root)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "a.json: cannot be written (Too many levels of symbolic links)"
    ]


def test_2_a_symlink_in_the_output_folder_is_not_followed_out_of_it(
    root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("keep\n")
    (root / "out").mkdir()
    (root / "out" / "dev-alice.json").symlink_to(outside)
    (root / STACK).write_text(stack_yaml(CONSUMERS))
    result = bare("manifest", "--stack", "dev", "--all-consumers", "-o", "out", cwd=root)
    assert result.returncode == 2
    assert "out/dev-alice.json: exists and is not a regular file" in result.stderr
    assert outside.read_text() == "keep\n"
    assert sorted(p.name for p in (root / "out").iterdir()) == ["dev-alice.json"]


def test_2_a_complete_set_is_written_whole(root: Path) -> None:
    (root / STACK).write_text(stack_yaml(CONSUMERS))
    (root / "out").mkdir()
    result = bare("manifest", "--stack", "dev", "--all-consumers", "-o", "out", cwd=root)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (root / "out").iterdir()) == ["dev-alice.json", "dev-bob.json"]


def test_2_an_output_folder_that_cannot_be_made_is_one_line_and_leaves_nothing(
    root: Path,
) -> None:
    """Root can write anywhere, so the unwritable place is one under a regular file."""
    (root / STACK).write_text(stack_yaml(CONSUMERS))
    (root / "blocker").write_text("keep\n")
    result = bare("manifest", "--stack", "dev", "--all-consumers", "-o", "blocker/out", cwd=root)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("blocker/out")
    assert "Error" not in result.stderr
    assert (root / "blocker").read_text() == "keep\n"


def test_2_a_failed_rename_leaves_no_temporary_and_no_partial_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from breeze_infra import output

    folder = tmp_path / "out"
    folder.mkdir()
    real_replace = Path.replace
    calls: list[Path] = []

    def flaky(self: Path, target: Path) -> Path:
        calls.append(Path(target))
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", flaky)
    files = [output.Planned("a.json", "1", "a"), output.Planned("b.json", "2", "b")]
    with pytest.raises(output.WriteError, match=r"a.json: cannot be written \(No space left"):
        output.write_set(folder, files, private=False)
    assert list(folder.iterdir()) == []


def test_2_a_rename_failing_midway_puts_the_previous_set_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from breeze_infra import output

    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.json").write_text("old a")
    (folder / "b.json").write_text("old b")
    real_replace = Path.replace

    def flaky(self: Path, target: Path) -> Path:
        if Path(target).name == "b.json" and ".previous." not in self.name:
            raise OSError(5, "Input/output error")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", flaky)
    files = [output.Planned("a.json", "new a", "a"), output.Planned("b.json", "new b", "b")]
    with pytest.raises(
        output.WriteError, match=r"b\.json: cannot be written .*nothing was written"
    ):
        output.write_set(folder, files, private=False)
    assert {p.name: p.read_text() for p in folder.iterdir()} == {
        "a.json": "old a",
        "b.json": "old b",
    }


def test_the_repository_root_is_untouched_by_the_table() -> None:
    """The table runs in tmp folders: the repo's own stacks and manifests are never written."""
    assert not (ROOT / "out").exists()
