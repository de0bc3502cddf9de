"""The emulator's Workers AI model catalog: sixteen models in the shapes Cloudflare lists.

Its own module so that tests and benchmarks can build catalogs (``default_catalog() + extra``)
without reading the server, and so that the values the manifest code parses are in one place.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from breeze_infra.sandbox.emulator._wire import NAMESPACE

TEXT_GENERATION = "Text Generation"

_TASK_DESCRIPTIONS = {
    TEXT_GENERATION: "Family of generative text models, such as large language models (LLM), "
    "that can be adapted for a variety of natural language tasks.",
    "Text Embeddings": "Feature extraction models transform raw data into numerical features "
    "that can be processed while preserving the information in the original dataset.",
    "Summarization": "Summarization is the task of producing a shorter version of a document "
    "while preserving its important information.",
    "Translation": "Translation models convert a sequence of text from one language to another.",
    "Text-to-Image": "Generates images from input text.",
    "Automatic Speech Recognition": "Automatic speech recognition (ASR) models convert a speech "
    "signal, typically an audio input, to text.",
    "Text Classification": "Sentiment analysis or text classification is a common NLP task that "
    "classifies a text input into labels or classes.",
}

TASK_INPUT = {
    "Text Embeddings": "text",
    "Summarization": "input_text",
    "Translation": "text",
    "Text-to-Image": "prompt",
    "Automatic Speech Recognition": "audio",
    "Text Classification": "text",
}


@dataclass(frozen=True)
class Model:
    """One catalog entry; ``properties`` keeps insertion order and any JSON value."""

    name: str
    task: str
    description: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    requires_licence: bool = False

    @property
    def id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, "model:" + self.name))

    @property
    def experimental(self) -> bool:
        return self.properties.get("beta") == "true"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": 1,
            "name": self.name,
            "description": self.description,
            "task": {
                "id": str(uuid.uuid5(NAMESPACE, "task:" + self.task)),
                "name": self.task,
                "description": _TASK_DESCRIPTIONS.get(self.task, ""),
            },
            "tags": list(self.tags),
            "properties": [{"property_id": k, "value": v} for k, v in self.properties.items()],
        }


def _price(input_per_m: float, output_per_m: float) -> list[dict[str, Any]]:
    return [
        {"unit": "per M input tokens", "price": input_per_m, "currency": "USD"},
        {"unit": "per M output tokens", "price": output_per_m, "currency": "USD"},
    ]


def default_catalog() -> list[Model]:
    """Sixteen models covering every shape the manifest code has to cope with.

    Values are plausible, not authoritative: context windows and prices were picked to exercise
    parsing (string numbers, list-valued price, an object-valued property, a past deprecation).
    Long because it is data, one entry per model, read top to bottom like the catalog itself.
    """
    return [
        Model(
            "@cf/meta/llama-3.1-8b-instruct",
            TEXT_GENERATION,
            "The Meta Llama 3.1 collection of multilingual large language models.",
            {"context_window": "7968", "price": _price(0.282, 0.827)},
        ),
        Model(
            "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
            TEXT_GENERATION,
            "Llama 3.3 70B quantized to fp8 precision, optimized to be faster.",
            {"context_window": "24000", "function_calling": "true", "price": _price(0.293, 2.253)},
        ),
        Model(
            "@cf/openai/gpt-oss-120b",
            TEXT_GENERATION,
            "OpenAI's open-weight model for production, general purpose, high reasoning use.",
            {
                "context_window": "128000",
                "reasoning": "true",
                "function_calling": "true",
                "price": _price(0.35, 0.75),
            },
        ),
        Model(
            "@cf/openai/gpt-oss-20b",
            TEXT_GENERATION,
            "OpenAI's open-weight model for lower latency and local or specialized use.",
            {"context_window": "128000", "reasoning": "true", "price": _price(0.2, 0.3)},
        ),
        Model(
            "@cf/mistralai/mistral-small-3.1-24b-instruct",
            TEXT_GENERATION,
            "Mistral Small 3.1 adds vision understanding and a 128k context window.",
            {"context_window": "128000", "vision": "true", "function_calling": "true"},
        ),
        Model(
            "@cf/qwen/qwq-32b",
            TEXT_GENERATION,
            "QwQ is the reasoning model of the Qwen series.",
            {"context_window": "24000", "reasoning": "true", "lora": "true"},
        ),
        Model(
            "@hf/nousresearch/hermes-2-pro-mistral-7b",
            TEXT_GENERATION,
            "Hermes 2 Pro on Mistral 7B, trained for function calling and JSON mode.",
            {"context_window": "24000", "function_calling": "true", "beta": "true"},
        ),
        Model(
            "@cf/meta/llama-2-7b-chat-int8",
            TEXT_GENERATION,
            "Quantized (int8) generative text model with 7 billion parameters from Meta.",
            {"context_window": "8192", "planned_deprecation_date": "2025-10-01"},
        ),
        Model(
            "@cf/meta/llama-3.2-11b-vision-instruct",
            TEXT_GENERATION,
            "Llama 3.2-Vision, optimized for visual recognition and image reasoning.",
            {
                "context_window": "128000",
                "vision": "true",
                "terms": {
                    "name": "Llama 3.2 Community License",
                    "url": "https://github.com/meta-llama/llama-models/blob/main/models/"
                    "llama3_2/LICENSE",
                    "must_accept": True,
                },
            },
            requires_licence=True,
        ),
        Model(
            "@cf/baai/bge-large-en-v1.5",
            "Text Embeddings",
            "BAAI general embedding (large) model that transforms text into a vector.",
            {"max_input_tokens": "512", "output_dimensions": "1024"},
        ),
        Model(
            "@cf/baai/bge-m3",
            "Text Embeddings",
            "Multi-functional, multi-lingual, multi-granular embedding model.",
            {"max_input_tokens": "8192", "output_dimensions": "1024"},
        ),
        Model(
            "@cf/facebook/bart-large-cnn",
            "Summarization",
            "BART is a transformer encoder-decoder model fine-tuned on CNN Daily Mail.",
            {"beta": "true"},
        ),
        Model(
            "@cf/meta/m2m100-1.2b",
            "Translation",
            "Multilingual encoder-decoder model trained for many-to-many translation.",
            {"languages": "100"},
        ),
        Model(
            "@cf/black-forest-labs/flux-1-schnell",
            "Text-to-Image",
            "FLUX.1 [schnell] is a 12 billion parameter rectified flow transformer.",
            {"price": [{"unit": "per 512 by 512 tile", "price": 0.0000528, "currency": "USD"}]},
        ),
        Model(
            "@cf/openai/whisper",
            "Automatic Speech Recognition",
            "Whisper is a general-purpose speech recognition model.",
        ),
        Model(
            "@cf/huggingface/distilbert-sst-2-int8",
            "Text Classification",
            "Distilled BERT model fine-tuned on SST-2 for sentiment classification.",
        ),
    ]
