"""The views' documents (:mod:`.views`) as Pydantic models, so that OpenAPI describes them and
the schemathesis tests hold the endpoints to them. Request bodies are checked by
:mod:`.views` itself, with the same messages as the rest of the API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .limits import MAX_TEXT_CHARS

__all__ = [
    "VIEW_REQUEST_MODELS",
    "HeadsDocument",
    "HeadsRequest",
    "LayerTraceResponse",
    "ModelLayerDocument",
    "ModelLayerRequest",
]

_EXAMPLE_TEXT = "The animal didn't cross the street because it was too tired."
Word = str | int


class HeadsRequest(BaseModel):
    """Every layer x head of a real model: where does the query token look?"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": _EXAMPLE_TEXT, "model": "minilm", "query": "it", "key": "animal"}]},
    )

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="the sentence")
    model: str = Field("minilm", description="a registered model name (see /api/models)")
    query: Word = Field(description="the query token: a token of the text or its 0-based position")
    key: Word | None = Field(None, description="the key token; without it each head's heaviest key is named")


class ModelLayerRequest(BaseModel):
    """Every head of one layer of a real model on a sentence."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": _EXAMPLE_TEXT, "model": "minilm", "layer": 3}]}
    )

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="the sentence")
    model: str = Field("minilm", description="a registered model name (see /api/models)")
    layer: int = Field(0, ge=0, description="0-based layer")


class TokenRef(BaseModel):
    index: int
    token: str


class HeadsDocument(BaseModel):
    """The layers x heads grid: ``weights[layer][head]``, one number per head."""

    model: str
    text: str
    layers: int
    heads: int
    tokens: list[str]
    query: TokenRef
    key: TokenRef | None
    weights: list[list[float]] = Field(
        description="(layers, heads): the weight from the query to the key, or to each head's heaviest key"
    )
    top_keys: list[list[TokenRef]] = Field(description="(layers, heads): each head's heaviest key")
    sink: list[list[bool]] = Field(description="(layers, heads): the head parks weight on a sink token")
    sink_share: list[list[float]] = Field(description="(layers, heads): share on special tokens and the first")
    sink_threshold: float
    sink_positions: list[int]
    check: dict[str, float] = Field(description="largest rebuilt-vs-model difference and the tolerance")


class ModelLayerDocument(BaseModel):
    """Every head of one layer: ``weights[head][query][key]``."""

    model: str
    text: str
    layer: int
    layers: int
    heads: int
    tokens: list[str]
    is_causal: bool
    weights: list[list[list[float]]]
    sink_positions: list[int]
    check: dict[str, float]


class LayerTraceResponse(BaseModel):
    """The toy layer's whole pipeline: its LayerTrace document and the layer's words."""

    layer: dict[str, Any] = Field(description="LayerTrace.to_dict(): every stage, every head's trace")
    words: dict[str, Any] = Field(description="title and intro: what the toy numbers are and are not")


VIEW_REQUEST_MODELS: tuple[type[BaseModel], ...] = (HeadsRequest, ModelLayerRequest)
