"""Local language models behind one small protocol (``ChatModel``)."""

from __future__ import annotations

from edge_agent.llm.base import ChatMessage, ChatModel, Completion, GenerationLimits
from edge_agent.llm.default_model import DEFAULT_MODEL_PACKAGE, default_model_path
from edge_agent.llm.loader import ModelCheck, ModelLoader, ModelState
from edge_agent.llm.model_file import ModelHashes, ModelIdentity
from edge_agent.llm.scripted import ScriptedModel

__all__ = [
    "DEFAULT_MODEL_PACKAGE",
    "ChatMessage",
    "ChatModel",
    "Completion",
    "GenerationLimits",
    "ModelCheck",
    "ModelHashes",
    "ModelIdentity",
    "ModelLoader",
    "ModelState",
    "ScriptedModel",
    "default_model_path",
]
