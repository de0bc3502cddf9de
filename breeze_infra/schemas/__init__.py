"""The published JSON Schemas: generated from the pydantic models, with a committed copy of each.

Editors and other tools validate against the committed files; a test keeps them equal to what
the models generate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

Which = Literal["manifest", "config"]
FOLDER = Path(__file__).parent


def generate(which: Which) -> dict[str, Any]:
    if which == "manifest":
        from breeze_infra.manifest import Manifest

        return Manifest.model_json_schema(by_alias=True)
    from breeze_infra.config import StackConfig

    return StackConfig.model_json_schema(by_alias=True)


def schema_text(which: Which) -> str:
    return json.dumps(generate(which), indent=2, ensure_ascii=False) + "\n"


def committed_path(which: Which) -> Path:
    return FOLDER / f"{which}.schema.json"
