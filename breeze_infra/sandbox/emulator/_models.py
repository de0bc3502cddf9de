"""The Workers AI routes: the model catalog, OpenAI-compatible chat completions, native runs.

Inference is emulated only as far as a liveness check needs (one short answer, usage counted);
what is checked strictly is what Cloudflare refuses: unknown models, licences not accepted, a
model of the wrong task on /chat/completions.
"""

from __future__ import annotations

import json
import time
import uuid

from breeze_infra.sandbox.emulator._catalog import TASK_INPUT, TEXT_GENERATION, Model
from breeze_infra.sandbox.emulator._routing import RouteFamily
from breeze_infra.sandbox.emulator._state import WORKERS_AI_PERMISSIONS, State
from breeze_infra.sandbox.emulator._wire import Answer, RecordedRequest, error, first, ok


def _models(state: State) -> list[Model]:
    with state.lock:
        return list(state.models.values())


def search_models(state: State, request: RecordedRequest, rest: list[str]) -> Answer:
    try:
        page = int(first(request.query, "page") or 1)
        per_page = int(first(request.query, "per_page") or state.default_per_page)
    except ValueError:
        page = per_page = 0
    if page < 1 or per_page < 1:
        return error(400, 1001, "page and per_page must be positive integers")  # invented
    task = first(request.query, "task")
    search = (first(request.query, "search") or "").lower()
    author = first(request.query, "author")
    hide_experimental = first(request.query, "hide_experimental") == "true"
    selected = [
        m
        for m in _models(state)
        if (task is None or m.task.lower() == task.lower())
        and (not search or search in m.name.lower() or search in m.description.lower())
        and (author is None or m.name.split("/")[1:2] == [author])
        and not (hide_experimental and m.experimental)
    ]
    chunk = selected[(page - 1) * per_page : page * per_page]
    info = {"page": page, "per_page": per_page, "count": len(chunk)}
    return ok([m.to_json() for m in chunk], result_info={**info, "total_count": len(selected)})


def _model_for_inference(state: State, name: object) -> Model | Answer:
    if not isinstance(name, str) or not name:
        return error(400, 5006, "Error: required properties at '/' are 'model'")
    with state.lock:
        model = state.models.get(name)
        accepted = name in state.accepted_licences
    if model is None:
        return error(400, 5007, f"No such model {name} or task")
    if model.requires_licence and not accepted:
        return error(
            403,
            5016,
            "Prior to using this model, you must submit the prompt 'agree' to accept the "
            "model's license and acceptable use policy.",
        )
    return model


def chat_completion(state: State, request: RecordedRequest, rest: list[str]) -> Answer:
    try:
        payload = request.json()
    except ValueError:
        return error(400, 5006, "Error: could not parse the request body as JSON")
    if not isinstance(payload, dict):
        return error(400, 5006, "Error: type at '/' must be object")
    found = _model_for_inference(state, payload.get("model"))
    if isinstance(found, Answer):
        return found
    if found.task != TEXT_GENERATION:
        wanted = TASK_INPUT.get(found.task, "text")
        return error(
            400,
            5006,
            f"Error: oneOf at '/' not met, 0 matches: required properties at '/' are '{wanted}'",
        )
    messages = payload.get("messages")
    if not isinstance(messages, list) or not messages:
        return error(400, 5006, "Error: required properties at '/' are 'messages'")
    max_tokens = payload.get("max_tokens", 256)
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        return error(400, 5006, "Error: minimum at '/max_tokens' not met")
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages if m) + 5
    with state.lock:
        state.inference_counts[found.name] += 1
    body = {
        "id": "chatcmpl-" + uuid.uuid4().hex,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": found.name,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "ok"},
                "logprobs": None,
                "finish_reason": "length" if max_tokens <= 1 else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": 1,
            "total_tokens": prompt_tokens + 1,
        },
    }
    return Answer(200, json.dumps(body).encode())


def run(state: State, request: RecordedRequest, rest: list[str]) -> Answer | None:
    """Native endpoint, emulated only for licence acceptance and text generation."""
    if not rest:
        return None
    name = "/".join(rest)
    try:
        payload = request.json()
    except ValueError:
        payload = None
    with state.lock:
        model = state.models.get(name)
    if model is None:
        return error(400, 5007, f"No such model {name} or task")
    if model.requires_licence and isinstance(payload, dict) and payload.get("prompt") == "agree":
        with state.lock:
            state.accepted_licences.add(name)
        return ok({"response": "Thank you for agreeing to the license."})
    found = _model_for_inference(state, name)
    if isinstance(found, Answer):
        return found
    if found.task != TEXT_GENERATION:
        return error(400, 5006, f"Error: the emulator does not run {found.task} models")
    return ok({"response": "ok", "usage": {"prompt_tokens": 5, "completion_tokens": 1}})


ROUTES = (
    RouteFamily(
        ("ai", "models", "search"),
        search_models,
        WORKERS_AI_PERMISSIONS,
        methods={"GET"},
        exact=True,
    ),
    RouteFamily(
        ("ai", "v1", "chat", "completions"),
        chat_completion,
        WORKERS_AI_PERMISSIONS,
        methods={"POST"},
        exact=True,
    ),
    RouteFamily(("ai", "run"), run, WORKERS_AI_PERMISSIONS, methods={"POST"}),
)
"""Under ``/accounts/<id>/``; ``ai/run/<model>`` takes the model name as the rest of the path."""
