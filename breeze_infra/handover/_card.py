"""What a setup card says: which credential to add, where the key is, which models, until when.

Built from the consumer's manifest (offline from the stack file, or as deployed) and its secrets
entries, so the card and the manifest never disagree. It never holds a key: a manifest made with
the key is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from breeze_infra.backends import Entry
from breeze_infra.config import Contact
from breeze_infra.manifest import Manifest
from breeze_infra.rotation import parse_time, timestamp

PROVIDER_TYPE: Final = "Custom (OpenAI-compatible)"
"""The provider type as GPT Breeze's Settings → Credentials names it."""
CREDENTIAL_STEPS: Final = "Settings → Credentials → Add → Custom (OpenAI-compatible)"
MODEL_STEPS: Final = "Settings → Custom Models → Add model"


class CardModel(BaseModel):
    """One model to add under Custom Models."""

    model_config = ConfigDict(frozen=True)

    model_id: str = Field(description="Model ID, typed as shown.")
    display_name: str = Field(description="Display name.")
    credential: str = Field(description="The credential to pick.")


class Card(BaseModel):
    """Everything one person needs to set up GPT Breeze, and to know what changes at rotation."""

    model_config = ConfigDict(frozen=True)

    environment: str = Field(description="The stack the key belongs to.")
    consumer: str | None = Field(description="Whose card; None for a stack without consumers.")
    contact: str | None = Field(description="The person's contact, as the stack file gives it.")
    credential_name: str = Field(description="Name of the credential to add.")
    provider_type: str = Field(PROVIDER_TYPE, description="Provider type to choose.")
    base_url: str = Field(description="Base URL to paste.")
    key_places: tuple[str, ...] = Field(
        min_length=1, description="Where the key is, one line per backend, for a person."
    )
    models: tuple[CardModel, ...] = Field(min_length=1, description="Models to add.")
    expires_on: str = Field(description="When the key pasted now stops working.")
    next_key_on: str = Field(description="When the next key appears in the same places.")
    rotation_days: int = Field(description="Days between new keys.")


def key_places(entries: Sequence[Entry], stack: str, consumer: str | None) -> tuple[str, ...]:
    """Each backend's own words for where the key is (``Entry.where``), first entry first."""
    return tuple(entry.where(stack, consumer) for entry in entries)


def build_card(
    manifest: Manifest,
    entries: Sequence[Entry],
    *,
    rotation_days: int,
    contact: Contact | None = None,
) -> Card:
    """The card of one consumer's manifest; a manifest holding a key is refused."""
    credential = manifest.credentials[0]
    if any(c.api_key is not None for c in manifest.credentials):
        raise ValueError("a setup card is made from a manifest without the key")
    expires = parse_time(credential.expires_on)
    return Card(
        environment=manifest.environment,
        consumer=manifest.consumer,
        contact=_contact_text(contact),
        credential_name=credential.name,
        base_url=credential.base_url,
        key_places=key_places(entries, manifest.environment, manifest.consumer),
        models=tuple(
            CardModel(model_id=m.model_id, display_name=m.display_name, credential=m.credential)
            for m in manifest.models
        ),
        expires_on=credential.expires_on,
        next_key_on=timestamp(expires - timedelta(days=rotation_days)),
        rotation_days=rotation_days,
    )


def _contact_text(contact: Contact | None) -> str | None:
    if contact is None:
        return None
    parts = [
        f"e-mail {contact.email}" if contact.email else "",
        f"GitHub @{contact.github}" if contact.github else "",
        f"Slack {contact.slack}" if contact.slack else "",
    ]
    return ", ".join(p for p in parts if p)
