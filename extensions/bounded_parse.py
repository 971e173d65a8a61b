"""The model reads a bounded prefix of a message, off the event loop; the safety net reads it all.

Rasa 3.6 runs the NLU graph (spaCy, DIET) inside the event loop, on the whole text: a message of
4,096 emoji (one token each) took 2.5-8.5 s and a 3.3 GB peak, and meanwhile nobody else was
answered. Installed once per process (`install`), this makes `MessageProcessor.parse_message`:
- run the graph in one worker thread (`relais-nlu`), so the event loop keeps serving others;
- give the graph at most `NLU_MAX_CHARS` characters: what decides the intent of a message is in
  its beginning, and DIET's cost grows with the square of its length;
- when the text was longer, run the model's own safety net (`extensions.safety_net`, the
  component inside the model) on the whole text, so danger wording at the end still forces the
  `emergency` intent.
Rasa's own steps after the graph (retrieval intents, unseen-feature checks) are unchanged.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from extensions.safety_net import SafetyNetClassifier

__all__ = ["NLU_MAX_CHARS", "install"]

log = structlog.get_logger(__name__)

NLU_MAX_CHARS = 500  # the web chat's cap is 1,000, SMS 1,600, Telegram 4,096

_original_parse: Callable[..., Any] | None = None
_original_graph: Callable[..., Any] | None = None
_executor: list[ThreadPoolExecutor] = []
_precomputed: contextvars.ContextVar[tuple[UserMessage, dict[str, Any]] | None] = (
    contextvars.ContextVar("relais_precomputed_parse", default=None)
)


def _nlu_executor() -> ThreadPoolExecutor:
    if not _executor:
        _executor.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="relais-nlu"))
    return _executor[0]


def _safety_net(processor: MessageProcessor) -> SafetyNetClassifier | None:
    """The model's safety-net component, as loaded in its graph."""
    nodes = getattr(processor.graph_runner, "_instantiated_nodes", {})
    for node in nodes.values():
        component = getattr(node, "_component", None)
        if isinstance(component, SafetyNetClassifier):
            return component
    return None


def bounded_parse(
    processor: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    """Rasa's graph parse on at most `NLU_MAX_CHARS` characters, the safety net on the rest."""
    assert _original_graph is not None
    text = message.text
    net = _safety_net(processor)
    if text is None or len(text) <= NLU_MAX_CHARS or net is None:
        if net is None and text is not None and len(text) > NLU_MAX_CHARS:
            log.warning("nlu.unbounded", reason="no safety-net component in the model")
        parse_data: dict[str, Any] = _original_graph(
            processor, message, tracker, only_output_properties
        )
        return parse_data
    prefix = UserMessage(
        text[:NLU_MAX_CHARS],
        message.output_channel,
        message.sender_id,
        input_channel=message.input_channel,
        message_id=message.message_id,
        metadata=message.metadata,
    )
    parse_data = _original_graph(processor, prefix, tracker, only_output_properties)
    whole = Message(data={**parse_data, TEXT: text})
    net.process([whole])
    for key in (INTENT, INTENT_RANKING_KEY, ENTITIES):
        if whole.get(key) is not None:
            parse_data[key] = whole.get(key)
    parse_data[TEXT] = text
    log.info("nlu.bounded", chars=len(text), read=NLU_MAX_CHARS)
    return parse_data


async def _parse_message(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker | None = None,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    assert _original_parse is not None
    if self.http_interpreter is None:
        graph_tracker = tracker or DialogueStateTracker.from_events(message.sender_id, [])
        run = functools.partial(
            contextvars.copy_context().run,  # the log lines of the parse name the channel
            bounded_parse,
            self,
            message,
            graph_tracker,
            only_output_properties,
        )
        parsed = await asyncio.get_running_loop().run_in_executor(_nlu_executor(), run)
        token = _precomputed.set((message, parsed))
        try:
            result: dict[str, Any] = await _original_parse(
                self, message, tracker, only_output_properties
            )
        finally:
            _precomputed.reset(token)
        return result
    result = await _original_parse(self, message, tracker, only_output_properties)
    return result


def _parse_message_with_graph(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    precomputed = _precomputed.get()
    if precomputed is not None and precomputed[0] is message:
        return precomputed[1]  # parsed in the worker thread just before
    return bounded_parse(self, message, tracker, only_output_properties)


def install() -> None:
    """Patches Rasa's message processor (idempotent)."""
    global _original_parse, _original_graph
    if _original_parse is not None:
        return
    _original_parse = MessageProcessor.parse_message
    _original_graph = MessageProcessor._parse_message_with_graph
    MessageProcessor.parse_message = _parse_message
    MessageProcessor._parse_message_with_graph = _parse_message_with_graph
