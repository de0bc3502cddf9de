"""YAML read the way Pulumi's engine reads it (Go's yaml.v3), with limits a hostile file can't pass.

The offline CLI must give the same verdict as ``pulumi up``, so a plain scalar gets the type
yaml.v3 gives it, not PyYAML's YAML 1.1 reading: ``yes`` and ``on`` stay text, ``0x1E`` and
``0o17`` are numbers, ``0123`` is octal, an over-long run of digits is a float; merge keys work
and a key written twice is an error, as in yaml.v3. Quoted scalars are always text. The engine
also decodes the file, writes it back and decodes it again, so what survives that round trip is
what the program sees: a whole float becomes an integer (``1e3`` is 1000) and a date becomes Go's
text for a time (``2026-01-01 00:00:00 +0000 UTC``). Unknown tags are read as untagged values.

Aliases can make a 650-byte file expand to gigabytes, so the composed document is measured,
aliases counted once per use, before anything is built from it.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import yaml

from breeze_infra.messages import short

MAX_BYTES = 256 * 1024
"""A stack file is a few kilobytes; 256 KiB holds 500 consumers with every option."""
MAX_NODES = 100_000
"""Values after alias expansion: 500 consumers with every option stay far below."""

_GO_NUMBER_TAG = "tag:breeze-infra,2026:go-number"
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
}
_INT64 = (-(1 << 63), (1 << 63) - 1)
_DIGITS = {
    2: set("01"),
    8: set("01234567"),
    10: set("0123456789"),
    16: set("0123456789abcdefABCDEF"),
}
_UINT64_MAX = (1 << 64) - 1


class YamlError(ValueError):
    """The file is not YAML a stack file can be; the message says where, without quoting it."""


class _GoConstructor(yaml.constructor.SafeConstructor):
    """What both loaders share: mappings built as yaml.v3 builds them."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = _key_text(self.construct_object(key_node, deep=True))
            if key in seen:
                raise YamlError(
                    f"key '{short(key)}' is written twice (lines {seen[key]} and "
                    f"{key_node.start_mark.line + 1})"
                )
            seen[key] = key_node.start_mark.line + 1
        self.flatten_mapping(node)  # merged pairs first, so the explicit ones override them
        return {
            _key_text(self.construct_object(key_node, deep=True)): self.construct_object(
                value_node, deep=deep
            )
            for key_node, value_node in node.value
        }


class _GoLoader(_GoConstructor, yaml.SafeLoader):
    """Pure Python, for text that nests deeply: libyaml's composer overflows the C stack there,
    where Python's raises RecursionError."""


class _GoFastLoader(_GoConstructor, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's parser, for the usual file: a 256 KiB one loads in a fraction of a second."""


def _construct_go_number(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    return go_scalar(str(loader.construct_scalar(node)))


def _construct_null(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> None:
    return None


def _construct_binary(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    text = str(loader.construct_scalar(node))
    try:
        return base64.b64decode("".join(text.split()), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        raise YamlError(
            f"!!binary value at line {node.start_mark.line + 1} is not base64"
        ) from None


def _construct_set(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, None]:
    return dict.fromkeys(loader.construct_mapping(node))


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    return _go_time_text(text) or text


def _construct_untagged(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """A local or unknown tag (``!foo bar``): yaml.v3 reads the value as if untagged."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    assert isinstance(node, yaml.ScalarNode)
    return loader.construct_scalar(node)


for _loader in (_GoLoader, _GoFastLoader):
    _loader.yaml_implicit_resolvers = {}
    for _tag, _pattern, _first in (
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
        ("tag:yaml.org,2002:merge", r"^<<$", ["<"]),
        (_GO_NUMBER_TAG, r"^[-+.0-9]", list("-+.0123456789")),
    ):
        _loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)
    _loader.add_constructor(_GO_NUMBER_TAG, _construct_go_number)
    _loader.add_constructor("tag:yaml.org,2002:null", _construct_null)
    _loader.add_constructor("tag:yaml.org,2002:binary", _construct_binary)
    _loader.add_constructor("tag:yaml.org,2002:set", _construct_set)
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    _loader.add_constructor(None, _construct_untagged)

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d{1,9})?(Z|[-+]\d{2}:\d{2})?)?"
)


def _go_time_text(text: str) -> str | None:
    """A timestamp as yaml.v3 decodes it (``time.Parse`` of its allowed formats), printed as
    Go's ``time.Time.String()``; None when it is not one."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, separator, hour, minute, second, fraction, zone = match.groups()
    if separator and (zone is None) == (separator in "Tt"):
        return None  # 'T' takes a zone, a space none: Go's formats allow nothing else
    offset = timedelta(0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None
    digits = (fraction or "").rstrip("0").rstrip(".")
    numeric = moment.strftime("%z")
    name = "UTC" if offset == timedelta(0) else numeric
    return f"{moment:%Y-%m-%d %H:%M:%S}{digits} {numeric} {name}"


def go_scalar(text: str) -> Any:
    """A plain scalar that starts like a number, typed as yaml.v3 types it and as it reads back
    after the engine writes it out again."""
    when = _go_time_text(text) if text[:4].isdigit() and text[4:5] == "-" else None
    if when is not None:
        return when
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if text.startswith("."):
        return _go_float(text) if _DOT_FLOAT.fullmatch(text) else text
    plain = text.replace("_", "")
    number = _go_parse_int(plain)
    if number is not None:
        return number
    if _FLOAT.fullmatch(plain):
        return _go_float(plain, text)
    return text


def _go_float(plain: str, text: str | None = None) -> Any:
    """Go's ``strconv.ParseFloat``: beyond float64 it fails with a range error (Python gives
    inf), and yaml.v3 then keeps the scalar as text (gopkg.in/yaml.v3 v3.0.1, resolve.go)."""
    number = float(plain)
    return (text or plain) if math.isinf(number) else _whole(number)


def _whole(number: float) -> float | int:
    """yaml.v3 writes 1000.0 as ``1000``, which reads back as an integer."""
    if number.is_integer() and _INT64[0] <= number <= _INT64[1]:
        return int(number)
    return number


def _go_parse_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(s, 0, 64)``, then ``ParseUint``: a leading 0 means octal."""
    sign, body = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    prefixes = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
    base, digits = prefixes.get(body[:2], 0), body[2:]
    if not base:
        base, digits = (8, body[1:]) if len(body) > 1 and body[0] == "0" else (10, body)
    if not digits or len(digits.lstrip("0")) > 64 or not set(digits) <= _DIGITS[base]:
        return None  # no 64-bit value has more significant digits; Python reads 4,300 at most
    value = int(digits, base) * (-1 if sign == "-" else 1)
    if _INT64[0] <= value <= _INT64[1] or (not sign and value <= _UINT64_MAX):
        return value
    return None


def _key_text(key: Any) -> str:
    """Mapping keys become text, as Go's ``fmt.Sprintf("%v")`` prints them."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "<nil>"
    return str(key)


def _size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Values the node stands for once every alias is expanded (shared nodes counted per use)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = MAX_NODES + 1  # a node reached again while being measured is a cycle
    total = 1
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _size(item, memo)
            if total > MAX_NODES:
                break
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            total += _size(key, memo) + _size(value, memo)
            if total > MAX_NODES:
                break
    memo[id(node)] = total
    return total


def _flow_depth(text: str) -> int:
    """An upper bound of the nesting of ``[`` and ``{`` (block nesting needs indentation, which
    the size limit bounds), to pick the loader that cannot overflow."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def load(text: str) -> Any:
    """Parse one YAML document as yaml.v3 would, or raise YamlError (one line, no value quoted)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlError(f"is larger than {MAX_BYTES // 1024} KiB; a stack file is a few KiB")
    factory: Any = _GoFastLoader if _flow_depth(text) < 500 else _GoLoader
    try:
        loader = factory(text)
    except yaml.YAMLError as exc:  # the reader refuses some characters (NUL) on sight
        raise YamlError(f"not valid YAML ({_mark(exc)})") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _size(node, {}) > MAX_NODES:
            raise YamlError(
                f"expands to more than {MAX_NODES} values (YAML aliases); write the values out"
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML ({_mark(exc)})") from None
    except RecursionError:
        raise YamlError("not valid YAML (nested too deeply)") from None
    finally:
        loader.dispose()


def _mark(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "syntax error"
    return (
        f"{short(str(problem))} at line {mark.line + 1}"
        if mark is not None
        else short(str(problem))
    )
