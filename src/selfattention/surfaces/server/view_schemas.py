"""The views' documents (:mod:`.views`) as Pydantic models, so that OpenAPI describes them and
the schemathesis tests hold the endpoints to them. Request bodies are checked by
:mod:`.views` itself, with the same messages as the rest of the API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .limits import MAX_NEW_TOKENS, MAX_TEXT_CHARS

__all__ = [
    "VIEW_REQUEST_MODELS",
    "GenerateDocument",
    "GenerateRequest",
    "HeadsDocument",
    "HeadsRequest",
    "LayerTraceResponse",
    "ModelLayerDocument",
    "ModelLayerRequest",
]

_EXAMPLE_TEXT = "The animal didn't cross the street because it was too tired."
_GENERATE_EXAMPLE: dict[str, Any] = {
    "text": "The capital of France is",
    "model": "smollm2",
    "layer": 3,
    "head": 1,
    "max_new_tokens": 4,
}
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


class GenerateRequest(BaseModel):
    """Greedy generation from a prompt with the KV cache, one head traced at every step."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [_GENERATE_EXAMPLE]},
    )

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="the prompt")
    model: str = Field("smollm2", description="a registered decoder (see /api/models: decoders)")
    layer: int = Field(0, ge=0, description="0-based layer")
    head: int = Field(0, ge=0, description="0-based query head")
    max_new_tokens: int = Field(
        8, ge=1, le=MAX_NEW_TOKENS, description="tokens to generate (prompt and new tokens: at most max_tokens)"
    )
    lang: str = Field("en", description="language of the words (see /api/languages)")


class GenerationCheck(BaseModel):
    model_difference: float = Field(description="largest difference from the model's own weights, with its cache")
    recompute_difference: float | None = Field(description="largest difference from the full recomputation")
    tolerance: float


class GenerationWords(BaseModel):
    title: str
    intro: list[str]
    heading: str
    meaning: list[str] = Field(description="what the row means: weights, causal mask, RoPE, sink, KV cache")


class GenerationStepDocument(BaseModel):
    """One step: the token read, its query row over every key so far, the token picked."""

    read: str = Field(description="the token whose query is traced (the prompt's last token at step 0)")
    chosen: str = Field(description="the token the model picks next")
    position: int = Field(description="the read token's 0-based position")
    cached: int = Field(description="keys and values taken from the KV cache (0 at step 0)")
    key_tokens: list[str]
    weights: list[float] = Field(description="(position + 1,): the read token's weight on each key")
    text: str = Field(description="the prompt and the tokens picked so far, decoded")
    piece: str = Field(description="the text the picked token adds")
    check: GenerationCheck
    words: GenerationWords


class GenerateDocument(BaseModel):
    """The generation, step by step."""

    model: str
    layer: int
    head: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    prompt: str
    prompt_text: str = Field(description="the prompt's tokens decoded (special tokens included)")
    prompt_tokens: list[str]
    generated: list[str]
    text: str
    lang: str
    steps: list[GenerationStepDocument]


VIEW_REQUEST_MODELS: tuple[type[BaseModel], ...] = (HeadsRequest, ModelLayerRequest, GenerateRequest)
