"""The API's documents, as Pydantic models so that OpenAPI describes them.

Request bodies are checked by the library itself (:mod:`.payload`, which calls
:func:`selfattention.sources.vectors.input_from_dict`), so the web and the command line accept the same
input with the same messages; these models are the documentation of that contract, and the
schemathesis tests hold the two together. Responses are the library's own documents:
:meth:`AttentionTrace.to_dict` and :meth:`Explanation.to_dict`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ...record.steps import STEPS, Step
from .limits import MAX_DIM, MAX_TEXT_CHARS, MAX_TOKENS
from .payload import MAX_PRECISION, MAX_TEMPERATURE, MIN_TEMPERATURE

#: a number of a trace document: non-finite values are written as strings
Number = float | Literal["inf", "-inf", "nan"]
Row = Annotated[list[float], Field(min_length=1, max_length=MAX_DIM)]
Token = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
MaskCell = bool | float | Literal["-inf"]

SEED_INPUT: dict[str, Any] = {
    "tokens": ["Acting", "Machines"],
    "query": [[16, 0, 1], [2.078, 0, 1]],
    "key": [[1, 0, 1], [0, 1, 1]],
    "value": [[1, 3, 4], [3, 1, 4]],
}


class TraceInput(BaseModel):
    """The ``explain --input`` document: Q, K, V (one row per token) and options."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [dict(SEED_INPUT)]})

    tokens: Annotated[list[Token], Field(max_length=MAX_TOKENS)] | None = Field(
        None, description="one label per query position (and per key, for self-attention)"
    )
    key_tokens: Annotated[list[Token], Field(max_length=MAX_TOKENS)] | None = Field(
        None, description="labels of the key positions, for cross-attention"
    )
    query: Annotated[list[Row], Field(min_length=1, max_length=MAX_TOKENS)] = Field(
        description="Q, (L, E): one row of E numbers per query position"
    )
    key: Annotated[list[Row], Field(min_length=1, max_length=MAX_TOKENS)] = Field(
        description="K, (S, E): one row per key position"
    )
    value: Annotated[list[Row], Field(min_length=1, max_length=MAX_TOKENS)] = Field(
        description="V, (S, Ev): one row per key position, its own width"
    )
    mask: list[Annotated[list[MaskCell], Field(min_length=1)]] | None = Field(
        None,
        description="(L, S) or broadcastable: true = may attend, false = blocked; or floats"
        ' added to the scores ("-inf" = blocked). Integers are refused rather than guessed at.',
    )
    causal: bool = Field(False, description="each token sees only itself and earlier tokens")
    scale: float | None = Field(None, description="scale of the scores; default 1/sqrt(E)")


class ExplainRequest(BaseModel):
    """Vectors to trace and explain, with the explanation's language and the temperature."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"input": SEED_INPUT, "lang": "en"}]})

    input: TraceInput
    example: str | None = Field(
        None,
        description="the example these vectors came from: its title and description are"
        " shown while the input is unchanged",
    )
    model: ModelRequest | None = Field(
        None, description="the model head these vectors came from (its context, as for example)"
    )
    lang: str = Field("en", description="language of the explanation (see /api/languages)")
    precision: int = Field(4, ge=0, le=MAX_PRECISION, description="decimal places in sentences")
    temperature: float = Field(
        1.0,
        ge=MIN_TEMPERATURE,
        le=MAX_TEMPERATURE,
        description="divides the scale: above 1 flattens the softmax, below 1 sharpens it",
    )


class ErrorBody(BaseModel):
    """Every refusal: one sentence naming the problem and what is expected, in the language
    the request's Accept-Language prefers (English otherwise), and the refusal's code."""

    error: str
    code: str | None = Field(description="names the refusal for a program (null for one without a name)")


def _step_field(step: Step) -> tuple[Any, Any]:
    """A step's field: a number, a list or a list of rows, by the rank of its shape."""
    annotation = (Number, list[Number], list[list[Number]])[len(step.shape)]
    return annotation, Field(description=f"{step.shape_text()}: {step.meaning}")


_STEP_FIELDS: dict[str, Any] = {
    "index": (int, Field(description="the query's 0-based position")),
    "token": (str, Field(description="the query's token")),
    **{step.name: _step_field(step) for step in STEPS},
}

#: every intermediate of one query, field by field from the table of steps
StepDocument = create_model(
    "StepDocument", __doc__="Every intermediate of one query (see ``selfattention.record.steps``).", **_STEP_FIELDS
)


class TraceDocument(BaseModel):
    """The trace, exactly as ``selfattention explain --format json`` writes it."""

    format: Literal["selfattention.trace"]
    version: int
    dtype: str
    tokens: list[str]
    key_tokens: list[str]
    scale: Number
    is_causal: bool
    query: list[list[Number]]
    key: list[list[Number]]
    value: list[list[Number]]
    steps: list[StepDocument]  # type: ignore[valid-type]  # a model built from the table of steps
    provenance: dict[str, Any] = Field(description="where the numbers come from, tagged by kind")


class QueryExplanationDocument(BaseModel):
    index: int
    heading: str
    steps: dict[str, str]
    meaning: list[str]
    facts: dict[str, Any] = Field(
        description="ranked keys, self weight, entropy (nats), max_entropy, effective_keys, ..."
    )


class ExplanationDocument(BaseModel):
    """Every word shown beside a trace, in one language (``Explanation.to_dict()``)."""

    lang: str
    title: str
    intro: list[str]
    labels: dict[str, str]
    queries: list[QueryExplanationDocument]
    caveat: str
    precision: int


class ExplainResponse(BaseModel):
    trace: TraceDocument
    explanation: ExplanationDocument


class ExampleDocument(BaseModel):
    name: str
    title: str
    description: str
    input: TraceInput


class LanguageDocument(BaseModel):
    """A language of the explanations, with the page's labels in it."""

    code: str
    name: str
    labels: dict[str, str]


class ModelRequest(BaseModel):
    """One head of a registered real model on a sentence."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="the sentence")
    model: str = Field("minilm", description="a registered model name (see /api/models)")
    layer: int = Field(0, ge=0, description="0-based layer")
    head: int = Field(0, ge=0, description="0-based head")


class TextRequest(BaseModel):
    """A sentence through the toy layer (hash embeddings, seeded random weights): one head."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="the sentence")
    d_model: Literal[4, 8, 16, 32, 64] = 8
    num_heads: Literal[1, 2, 4, 8] = 2
    seed: int = Field(0, ge=0, lt=2**32)
    head: int = Field(0, ge=0, lt=8, description="0-based, below num_heads")
    lang: str = Field("en", description="language of the layer's words")


class TextDocument(BaseModel):
    """One head of the toy layer as an input document, its provenance and the layer's words."""

    input: TraceInput
    provenance: dict[str, Any] = Field(description="where the vectors come from, tagged by kind")
    words: dict[str, Any] = Field(description="title and intro: what the toy numbers are and are not")


class TextOptions(BaseModel):
    example: dict[str, Any]
    d_model: list[int]
    num_heads: list[int]


class SourceDocument(BaseModel):
    """Vectors from a source, as an ``explain --input`` document, with their provenance."""

    input: TraceInput
    provenance: dict[str, Any] = Field(description="where the vectors come from, tagged by kind")


class ModelsDocument(BaseModel):
    models: dict[str, str] = Field(description="registered name -> description")
    decoders: list[str] = Field(description="the registered models that can generate (POST /api/generate)")
    example: dict[str, Any] = Field(description="a sentence, layer and head to start from")


class InfoDocument(BaseModel):
    """What this server can do: its version, limits and the optional parts installed."""

    version: str
    languages: list[str]
    examples: list[str]
    limits: dict[str, int]
    features: dict[str, bool]


REQUEST_MODELS: tuple[type[BaseModel], ...] = (TraceInput, ExplainRequest, ModelRequest, TextRequest)

#: the refusals every endpoint that reads a body may answer with (OpenAPI ``responses``)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "The request is over a limit (named in the error)"},
    415: {"model": ErrorBody, "description": "The body is not sent as application/json"},
    422: {"model": ErrorBody, "description": "The request cannot be read as asked"},
}
