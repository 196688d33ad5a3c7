"""English."""

from __future__ import annotations

from ..base import Language
from ..numbers import fmt, fmt_percent, fmt_vector
from ..statements import (
    AllBlocked,
    AttentionSink,
    CausalKeys,
    Caveat,
    Conclusion,
    DotProductsStep,
    HeadSummary,
    Key,
    KVCacheStep,
    LayerSections,
    LayerSizes,
    LayerTokensTitle,
    MaskStep,
    ModelCheck,
    ModelTitle,
    Output,
    QueryHeading,
    RopeRotation,
    ScaleStep,
    SharedHeads,
    Shown,
    Sizes,
    SoftmaxStep,
    Spread,
    TokensTitle,
    ToyNote,
    WeightedSumStep,
    Weights,
)


def _q(token: str) -> str:
    return f'"{token}"'


class English(Language):
    code = "en"
    name = "English"
    labels = {  # noqa: RUF012 (read-only by convention)
        "query": "query",
        "key": "key",
        "value": "value",
        "tokens": "tokens",
        "sum": "sum",
        "weights": "weights",
        "output": "output",
        "blocked": "blocked",
        "meaning": "What it means",
        "matrix_view": "The whole matrix at once",
        "scores": "Q K^T (dot products)",
        "scaled": "times the scale, plus the mask",
        "softmax": "softmax, row by row (the weights)",
        "times_v": "weights times V (the outputs)",
        "max": "max",
        "not_traced": "not traced",
        "all_blocked": "Every key is blocked, so every weight is 0 by definition (not 0/0, which would be NaN).",
        "heatmap": "The weights as a picture",
        "plot_every_nth": "{total} tokens: a label every {step} tokens",
        "plot_glyphs_missing": (
            "Labels shown as #n (and text shown as …) use characters no installed font can draw:"
            " install a CJK font (e.g. fonts-noto-cjk) or save an SVG, whose text the browser draws."
        ),
        "plot_unavailable": "The picture needs matplotlib, which is not installed: pip install 'selfattention[plot]'",
        # caps on what is printed ({shown}, {total}, {limit} are filled in by the renderer)
        "queries_shown": "Worked out below: {shown} of the {total} queries; pick others with"
        " --queries (queries= in Python).",
        "keys_shown": "Showing the {shown} keys with the largest weights, of {total}.",
        "matrix_omitted": "The whole-matrix view is drawn for up to {limit} tokens; this input has {total}.",
        "first_of": "first {shown} of {total}",
        "largest_terms": "Each dot product has {d} terms (d = {d}); only the {n} largest by size are"
        " written out, and the {rest} smaller ones are added up at the end.",
        "smaller_terms": "smaller terms",
        "model_title": '{model}, layer {layer}, head {head}: "{text}"',
        "model_check": "Q, K and V are captured where the attention of layer {layer} receives them (after"
        " the projections and any rotary position encoding) and traced in {rebuilt}. Every one of the {rows}"
        " weight rows matches the"
        " attention the model itself returns ({model_dtype}): the largest difference is {difference}.",
        "heads_title": 'Where "{query}" looks in every head of {model}: "{text}"',
        "heads_key_title": 'Weight from "{query}" to "{key}" in every head of {model}: "{text}"',
        "heads_check": "The weights of all {count} heads are rebuilt in float64 from the model's"
        " weights; the largest difference from the model's own attention is {difference}.",
        "heads_sink_note": "* = at least {share} of the weight goes to special tokens ({tokens}) or"
        " the first token, where heads often park attention they do not need.",
        "layer": "layer",
        "head": "head",
        "rank": "rank",
        "top_keys": "heaviest keys",
        "sink": "sink",
        "position": "position",
        "embedding": "embedding",
        "positional_encoding": "positional encoding",
        "layer_input": "X = embedding + positional encoding",
        "concat": "concatenation",
        "layer_output": "output",
        # the web explorer's page (selfattention serve): button names and short help
        "page_title": "Self-attention, step by step",
        "page_subtitle": "Pick a query, watch its dot products, scaling, softmax and weighted sum.",
        "page_language": "Language",
        "page_source": "Input",
        "page_source_example": "Example",
        "page_source_vectors": "Your vectors",
        "page_tokens": "Tokens",
        "page_add_token": "Add a token",
        "page_remove_token": "Remove the last token",
        "page_add_dim": "Add a feature",
        "page_remove_dim": "Remove the last feature",
        "page_reset": "Back to the example",
        "page_heatmap": "Attention weights",
        "page_heatmap_help": "Rows are queries, columns are keys. Click a row, or use the arrow keys and"
        " Enter, to pick a query.",
        "page_query_picked": "Query",
        "page_block_mode": "Click a cell to block that key (mask)",
        "page_blocked_cell": "blocked",
        "page_causal": "Causal",
        "page_temperature": "Temperature",
        "page_temperature_help": "Above 1 flattens the softmax, below 1 sharpens it.",
        "page_scale": "scale",
        "page_entropy": "Entropy",
        "page_effective_keys": "as if it looked at this many keys",
        "page_nats": "nats",
        "page_steps": "Step by step",
        "page_downloads": "Download",
        "page_download_json": "Trace (JSON)",
        "page_download_png": "Heatmap (PNG)",
        "page_download_report": "Report (HTML)",
        "page_error": "Error",
        "page_loading": "Computing…",
        "page_source_model": "A real model",
        "page_model": "Model",
        "page_sentence": "Sentence",
        "page_layer": "Layer",
        "page_head": "Head",
        "page_run": "Run the model",
        "page_source_text": "A sentence (toy layer)",
        "page_d_model": "d_model",
        "page_heads": "Heads",
        "page_seed": "Seed",
        "page_run_text": "Walk it through the layer",
    }

    # -- a trace ---------------------------------------------------------------------------
    def tokens_title(self, s: TokensTitle, precision: int) -> str:
        return f"Self-attention on {_q(s.tokens)}"

    def model_title(self, s: ModelTitle, precision: int) -> str:
        return self.labels["model_title"].format(model=s.model, layer=s.layer, head=s.head, text=s.text)

    def sizes(self, s: Sizes, precision: int) -> str:
        return (
            f"{s.queries} query tokens, {s.keys} keys, d = {s.d_head}, scale = {fmt(s.scale, precision)}"
            + (f" (1/sqrt({s.root_of}))" if s.root_of is not None else "")
            + (", causal: each token sees only itself and the tokens before it" if s.causal else "")
            + "."
        )

    def model_check(self, s: ModelCheck, precision: int) -> str:
        return self.labels["model_check"].format(
            rebuilt=s.rebuilt_dtype,
            layer=s.layer,
            rows=s.rows,
            model_dtype=s.model_dtype,
            difference=fmt(s.difference, 2),
        )

    # -- what decoders add -----------------------------------------------------------------
    def causal_keys(self, s: CausalKeys, precision: int) -> str:
        later = (
            f" The {s.hidden} later tokens do not exist yet for it: the causal mask gives them weight 0."
            if s.hidden
            else ""
        )
        return (
            f"Causal mask: {_q(s.token)} (position {s.position}) sees {s.visible} keys, from {_q(s.first)}"
            f" to itself.{later}"
        )

    def rope_rotation(self, s: RopeRotation, precision: int) -> str:
        p = precision
        a, b = s.dims
        return (
            f"RoPE: before attending, q and k are rotated by their positions. On dimensions {a} and {b}"
            f" (turned {fmt(s.frequency, p)} radians per position), q of {_q(s.token)} at position"
            f" {s.query_position} goes from {fmt_vector(s.query_before, p)} to {fmt_vector(s.query_after, p)},"
            f" and k of {_q(s.key_token)} at position {s.key_position} from {fmt_vector(s.key_before, p)} to"
            f" {fmt_vector(s.key_after, p)}. Their product on this pair, {fmt(s.pair_score, p)}, depends only"
            f" on the distance between them ({s.query_position - s.key_position} positions), not on where"
            " the two tokens stand."
        )

    def shared_heads(self, s: SharedHeads, precision: int) -> str:
        others = [h for h in s.sharing if h != s.head]
        return (
            f"Grouped-query attention: the {s.num_heads} query heads share {s.num_kv_heads} key/value heads."
            f" Head {s.head} reads key/value head {s.kv_head}, the same K and V as head"
            f"{'s' if len(others) != 1 else ''} {_join([str(h) for h in others])}."
        )

    def attention_sink(self, s: AttentionSink, precision: int) -> str:
        return (
            f"Attention sink: this head parks {fmt_percent(s.share)} of the weight of {_q(s.token)} on the"
            f" first token, {_q(s.first)}, which it uses as a resting place when it has nothing"
            " particular to look at."
        )

    def k_v_cache_step(self, s: KVCacheStep, precision: int) -> str:
        check = (
            f"; this row equals the full recomputation to {fmt(s.difference, 2)}" if s.difference is not None else ""
        )
        return (
            f"KV cache: while generating, only the new token's q, k and v are computed; the keys and"
            f" values of the {s.cached} earlier tokens come from the cache{check}."
        )

    def caveat(self, s: Caveat, precision: int) -> str:
        return (
            "Attention weights show where one head looks, not why a model decides: they leave"
            " out the sizes of the value vectors, the other heads and layers, and the residual"
            " connections."
        )

    # -- one query ----------------------------------------------------------------------------
    def query_heading(self, s: QueryHeading, precision: int) -> str:
        return f"Self-attention with {_q(s.token)} as the query (q{s.number})"

    def dot_products_step(self, s: DotProductsStep, precision: int) -> str:
        return f"{s.number}. Dot products q{s.query_number}·k for every key: multiply elementwise, then add up."

    def scale_step(self, s: ScaleStep, precision: int) -> str:
        return (
            f"{s.number}. Multiply by the scale {fmt(s.scale, precision)}"
            + (f" = 1/sqrt({s.root_of})" if s.root_of is not None else "")
            + " to keep the scores in a stable range."
        )

    def mask_step(self, s: MaskStep, precision: int) -> str:
        if s.shifts:
            return (
                "   The mask is added to the scores: -inf blocks a key (weight 0), any other value"
                " raises or lowers its score."
            )
        return "   The mask: blocked keys get -inf, so they receive weight 0."

    def softmax_step(self, s: SoftmaxStep, precision: int) -> str:
        return f"{s.number}. Softmax: subtract the largest score, take exp, divide by the sum."

    def weighted_sum_step(self, s: WeightedSumStep, precision: int) -> str:
        return f"{s.number}. Multiply each value vector by its weight and add them up."

    # -- what it means --------------------------------------------------------------------------
    def all_blocked(self, s: AllBlocked, precision: int) -> str:
        return (
            f"Every key is blocked for {_q(s.token)}, so all its weights are 0 and its output is"
            " the zero vector (not NaN)."
        )

    def weights(self, s: Weights, precision: int) -> str:
        parts = [f"{fmt(k.weight, precision)} to {_name(k)}" for k in s.keys]
        more = f", and {s.rest} more keys share the rest" if s.rest > 0 else ""
        own = f"; it keeps {fmt(s.own.weight, precision)} on itself" if s.own is not None else ""
        return f"Weights: {_q(s.token)} gives " + _join(parts) + more + own + "."

    def output(self, s: Output, precision: int) -> str:
        p = precision
        return (
            f"Output: {fmt_vector(s.output, p)} is the new representation of {_q(s.token)},"
            " updated by its relations to the other tokens. It is closest to the value vector"
            f" of {_q(s.closest.token)} ({fmt_vector(s.closest_value, p)}); the"
            f" weighted value of {_q(s.dominant.token)} is the largest term of the sum,"
            f" {fmt_percent(s.dominant_share)} of the terms' total size."
        )

    def conclusion(self, s: Conclusion, precision: int) -> str:
        token, top = _q(s.token), _name(s.top)
        if s.kind == "almost_only":
            return f"In short, {token} attends almost only to {top}."
        if s.kind == "little_on_itself" and s.own_weight is not None:
            return (
                f"In short, {token} keeps relatively little on itself ({fmt(s.own_weight, precision)})"
                f" and looks most at {top} ({fmt(s.top.weight, precision)})."
            )
        return f"In short, {token} looks most at {top} ({fmt(s.top.weight, precision)})."

    def spread(self, s: Spread, precision: int) -> str:
        spread = {"sharp": "sharp", "spread_out": "spread out", "focused": "focused on a few keys"}[s.kind]
        return (
            f"The row is {spread}: its entropy is {fmt(s.entropy, precision)} nats of at most"
            f" {fmt(s.max_entropy, precision)}, as if it looked at {fmt(s.effective_keys, 2)}"
            f" of {s.allowed} keys."
        )

    # -- the layer -------------------------------------------------------------------------
    def layer_tokens_title(self, s: LayerTokensTitle, precision: int) -> str:
        return f"From words to contextual vectors: {_q(s.tokens)}"

    def layer_sizes(self, s: LayerSizes, precision: int) -> str:
        cross = f" and {s.context_tokens} context tokens (cross-attention)" if s.context_tokens is not None else ""
        return (
            f"{s.tokens} tokens{cross}, d_model = {s.d_model}, {s.num_heads}"
            f" head{'s' if s.num_heads != 1 else ''} of d_head = {s.d_head}"
            + (", causal: each token sees only itself and the tokens before it" if s.causal else "")
            + "."
        )

    def toy_note(self, s: ToyNote, precision: int) -> str:
        return (
            "Illustrative numbers, not a trained model: the embeddings are drawn from a hash of each"
            f" token's text and the weights W_Q, W_K, W_V, W_O are random (seed {s.seed})."
            " Every step is exact, but what the weights say about the sentence means nothing; use a real"
            " model for that."
        )

    def layer_sections(self, s: LayerSections) -> dict[str, str]:
        d, h, dh, kv, n = s.d_model, s.num_heads, s.d_head, s.kv_symbol, s.input_number
        return {
            "tokens": "1. Tokens: the text split into words and punctuation.",
            "embeddings": "2. Token embeddings: one vector of d_model numbers per token.",
            "embeddings_note": "The same token always gets the same vector, wherever it stands.",
            "positional": "3. Positional encoding: where each token stands.",
            "positional_note": (
                "PE(pos, 2i) = sin(pos / 10000^(2i/d_model)) and PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model)):"
                " attention alone ignores word order, so a vector that depends only on the position is added."
            ),
            "input": f"{n}. The layer's input X = embedding + positional encoding."
            if s.with_embeddings
            else f"{n}. The layer's input X, one row per token.",
            "input_note": f"X has one row of d_model = {d} numbers per token."
            + (" The keys and values come from another sequence, the context C." if s.cross else ""),
            "context": "C, the context",
            "projections": f"{s.projections_number}. Queries, keys and values: Q = X W_Q + b_Q,"
            f" K = {kv} W_K + b_K, V = {kv} W_V + b_V.",
            "projections_note": (
                f"Each W is a {d} × {d} matrix. The {d} columns of Q, K and V are cut into {h} heads of"
                f" d_head = {dh} columns (shown split by |): head {s.head} uses columns {s.first_column}"
                f" to {s.last_column}." + (" K and V come from the context C, the other sequence." if s.cross else "")
            ),
            "attention": f"{s.attention_number}. Attention in head {s.head}, step by step (d_head = {dh}).",
            "heads": f"{s.heads_number}. "
            + ("The only head, in brief." if s.single_head else f"The {h} heads side by side."),
            "heads_note": "Each head has its own columns of Q, K and V, so each looks at the tokens differently.",
            "concat": f"{s.concat_number}. Concatenation: every head's output side by side.",
            "concat_note": f"The {h} outputs of {dh} numbers each make one row of d_model = {d} again.",
            "output": f"{s.output_number}. Output projection: output = concatenation W_O + b_O.",
            "output_note": (
                "W_O mixes what the heads found into one new, contextual vector per token: the layer's output."
            ),
        }

    def head_summary(self, s: HeadSummary, precision: int) -> str:
        if s.blocked:
            return f"head {s.head}: every key is blocked for {_q(s.token)} (weights 0, output 0)."
        parts = [f"{_name(k)} ({fmt(k.weight, precision)})" for k in s.keys]
        return f"head {s.head}: {_q(s.token)} looks most at " + _join(parts) + "."

    def shown(self, s: Shown, precision: int) -> str:
        noun = {"tokens": "tokens", "numbers": "numbers of each vector"}[s.what]
        return f"(showing the first {s.shown} of {s.total} {noun})"


def _name(key: Key) -> str:
    return "itself" if key.is_self else _q(key.token)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


LANGUAGE = English()
