"""YAML read the way Pulumi's engine reads it (Go's yaml.v3), with limits a hostile file can't pass.

The offline CLI must give the same verdict as ``pulumi up``, so a plain scalar gets the type
yaml.v3 gives it, not PyYAML's YAML 1.1 reading: ``yes`` and ``on`` stay text, ``0x1E`` and
``0o17`` are numbers, ``0123`` is octal, an over-long run of digits is a float, timestamps stay
text; merge keys work and a key written twice is an error, as in yaml.v3. Quoted scalars are
always text.

Aliases can make a 650-byte file expand to gigabytes, so the composed document is measured,
aliases counted once per use, before anything is built from it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from breeze_infra.messages import short

MAX_BYTES = 1 << 20
"""A stack file is a few kilobytes; a megabyte is generous and cheap to refuse."""
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


class _GoLoader(yaml.SafeLoader):
    """The pure-Python loader: libyaml's composer overflows the C stack on deep nesting, where
    Python's raises RecursionError."""

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


_GoLoader.yaml_implicit_resolvers = {}


def _resolver(tag: str, pattern: str, first: str | None) -> None:
    _GoLoader.add_implicit_resolver(tag, re.compile(pattern), list(first) if first else None)


_resolver("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN")
_GoLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
_resolver("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver("tag:yaml.org,2002:merge", r"^<<$", "<")
_resolver(_GO_NUMBER_TAG, r"^[-+.0-9]", "-+.0123456789")


def _construct_go_number(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    return go_scalar(str(loader.construct_scalar(node)))


def _construct_null(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> None:
    return None


_GoLoader.add_constructor(_GO_NUMBER_TAG, _construct_go_number)
_GoLoader.add_constructor("tag:yaml.org,2002:null", _construct_null)


def go_scalar(text: str) -> Any:
    """A plain scalar that starts like a number, typed as yaml.v3 types it."""
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if text.startswith("."):
        return float(text) if _DOT_FLOAT.fullmatch(text) else text
    plain = text.replace("_", "")
    number = _go_parse_int(plain)
    if number is not None:
        return number
    if _FLOAT.fullmatch(plain):
        return float(plain)
    return text


def _go_parse_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(s, 0, 64)``, then ``ParseUint``: a leading 0 means octal."""
    sign, body = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    prefixes = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
    base, digits = prefixes.get(body[:2], 0), body[2:]
    if not base:
        base, digits = (8, body[1:]) if len(body) > 1 and body[0] == "0" else (10, body)
    if not digits or not set(digits) <= _DIGITS[base]:
        return None
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


def load(text: str) -> Any:
    """Parse one YAML document as yaml.v3 would, or raise YamlError (one line, no value quoted)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlError(f"is larger than {MAX_BYTES // 1024} KiB; a stack file is a few KiB")
    try:
        loader = _GoLoader(text)
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
