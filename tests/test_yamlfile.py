"""Stack files are YAML as Pulumi's engine (Go's yaml.v3) reads it, and a hostile file is bounded."""

from __future__ import annotations

import pytest

from breeze_infra import yamlfile


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("yes", "yes"),  # YAML 1.1 booleans are text for yaml.v3
        ("on", "on"),
        ("True", True),
        ("FALSE", False),
        ("~", None),
        ("", None),
        ("0x1E", 30),
        ("0o17", 15),
        ("0123", 83),  # a leading zero means octal, as Go's ParseInt(s, 0, 64) reads it
        ("089", 89.0),  # not octal, so a float
        ("1_000", 1000),
        ("-0b101", -5),
        ("+7", 7),
        ("1e3", 1000),
        (".5", 0.5),
        ("11111111111111111111111111111111", 1.1111111111111112e31),
        ("18446744073709551615", 18446744073709551615),  # fits uint64
        # dates come back from the engine's round trip as Go's text for a time
        ("2026-11-25 09:00:00", "2026-11-25 09:00:00 +0000 UTC"),
        ("2026-01-01", "2026-01-01 00:00:00 +0000 UTC"),
        ("2026-01-01T10:00:00+02:00", "2026-01-01 10:00:00 +0200 +0200"),
        ("2026-01-01T10:00:00", "2026-01-01T10:00:00"),  # 'T' without a zone: not a time
        ("10.0", 10),  # written back as 10, read back as an integer
        ("!!binary aGVsbG8=", "hello"),
        ("!local bar", "bar"),
        ("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"),
        ('"42"', "42"),  # quoted scalars are always text
        ("'0x1E'", "0x1E"),
        ("1.2.3", "1.2.3"),
        # Beyond float64, Go's ParseFloat fails and yaml.v3 keeps the text (issue 20, F: a
        # whole number of 5,001 digits made Python's int() raise, "unexpected failure").
        ("1e400", "1e400"),
        ("-1e400", "-1e400"),
        (".5e400", ".5e400"),
        ("1" + "0" * 5000, "1" + "0" * 5000),
        ("0x" + "f" * 5000, "0x" + "f" * 5000),
        # leading zeros are not digits of the value: Go's ParseInt reads any number of them
        ("0x" + "0" * 70 + "1", 1),
        ("0" * 70 + "17", 15),
        ("0x" + "0" * 5000 + "1", 1),
    ],
)
def test_a_plain_scalar_gets_the_type_yaml_v3_gives_it(written: str, read: object) -> None:
    assert yamlfile.load(f"key: {written}\n") == {"key": read}


def test_merge_keys_work_and_explicit_keys_win() -> None:
    text = "base: &b {owner: user, rotationDays: 7}\ntoken: {<<: *b, rotationDays: 14}\n"
    assert yamlfile.load(text)["token"] == {"owner": "user", "rotationDays": 14}


def test_a_key_written_twice_is_an_error_naming_both_lines() -> None:
    with pytest.raises(yamlfile.YamlError, match=r"key 'a' is written twice \(lines 1 and 3\)"):
        yamlfile.load("a: 1\nb: 2\na: 3\n")


def test_non_text_mapping_keys_become_their_text() -> None:
    assert yamlfile.load("1: a\ntrue: b\n") == {"1": "a", "true": "b"}


BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_alias_expansion_is_refused_before_anything_is_built() -> None:
    with pytest.raises(yamlfile.YamlError, match="expands to more than 100000 values"):
        yamlfile.load(BILLION_LAUGHS)
    assert len(BILLION_LAUGHS) < 700


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 50_000, "nested too deeply"),
        ("a: " + "x" * (yamlfile.MAX_BYTES + 1), "is larger than 256 KiB"),
        ("a: [\n", "not valid YAML"),
        ("a: *missing\n", "not valid YAML"),
    ],
)
def test_broken_or_oversized_yaml_is_one_short_line(text: str, message: str) -> None:
    with pytest.raises(yamlfile.YamlError) as caught:
        yamlfile.load(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 200
