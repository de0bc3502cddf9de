""" "Did you mean" for an unknown key: the closest key the config's models accept at that place.

Pure and offline: the candidates are the aliases (camelCase, as users write them) of every model
that may sit at the key's parent in :class:`StackConfig`; ``difflib`` picks the closest.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator, Sequence

from pydantic import BaseModel


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """Every pydantic model an annotation may hold (through lists, unions, Annotated...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)
    origin = typing.get_origin(annotation)
    if origin is not None and origin is not types.UnionType:
        yield from _models_in(origin)


def _keys(model: type[BaseModel]) -> dict[str, object]:
    return {(field.alias or name): field.annotation for name, field in model.model_fields.items()}


def known_keys(root: type[BaseModel], parent: Sequence[str | int]) -> set[str]:
    """The keys accepted under ``parent`` (a location without its last part)."""
    models = [root]
    for part in parent:
        if isinstance(part, int) or part == "":
            continue
        models = [
            found
            for model in models
            for key, annotation in _keys(model).items()
            if key == part
            for found in _models_in(annotation)
        ]
    return {key for model in models for key in _keys(model)}


def did_you_mean(root: type[BaseModel], loc: Sequence[str | int]) -> str:
    """`` (did you mean `x`?)`` for the closest known key to ``loc``'s last part, or ``""``."""
    if not loc or not isinstance(loc[-1], str):
        return ""
    close = difflib.get_close_matches(loc[-1], sorted(known_keys(root, loc[:-1])), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""
