"""English."""

from __future__ import annotations

from ...record.layer_trace import LayerTrace
from ...record.trace import AttentionTrace, QueryTrace
from ..base import Language, layer_numbers, title_text
from ..facts import QueryFacts
from ..numbers import fmt, fmt_percent, fmt_vector


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
        "model_check": "Q, K and V are rebuilt in {rebuilt} from the input of layer {layer} and the"
        " head's query, key and value weights. Every one of the {rows} weight rows matches the"
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

    def title(self, trace: AttentionTrace) -> str:
        if trace.meta.get("source") == "model":
            return self.labels["model_title"].format(**trace.meta)
        return str(trace.meta.get("title") or f"Self-attention on {_q(title_text(trace.tokens))}")

    def intro(self, trace: AttentionTrace, precision: int) -> list[str]:
        lines = [
            f"{len(trace.tokens)} query tokens, {len(trace.key_tokens)} keys, d = {trace.d_head},"
            f" scale = {fmt(trace.scale, precision)}"
            + (f" (1/sqrt({trace.d_head}))" if _is_default_scale(trace) else "")
            + (", causal: each token sees only itself and the tokens before it" if trace.is_causal else "")
            + "."
        ]
        if trace.meta.get("description"):
            lines.append(str(trace.meta["description"]))
        check = trace.meta.get("check")
        if trace.meta.get("source") == "model" and isinstance(check, dict):
            lines.append(
                self.labels["model_check"].format(
                    rebuilt=check["rebuilt_dtype"],
                    layer=trace.meta["layer"],
                    rows=check["rows_checked"],
                    model_dtype=check["model_dtype"],
                    difference=fmt(check["max_abs_difference"], 2),
                )
            )
        return lines

    def query_heading(self, trace: AttentionTrace, step: QueryTrace) -> str:
        return f"Self-attention with {_q(step.token)} as the query (q{step.index + 1})"

    def step_headings(self, trace: AttentionTrace, step: QueryTrace, precision: int) -> dict[str, str]:
        n = step.index + 1
        return {
            "dot_products": f"1. Dot products q{n}·k for every key: multiply elementwise, then add up.",
            "scale": f"2. Multiply by the scale {fmt(trace.scale, precision)}"
            + (f" = 1/sqrt({trace.d_head})" if _is_default_scale(trace) else "")
            + " to keep the scores in a stable range.",
            "mask": "   The mask is added to the scores: -inf blocks a key (weight 0), any other value"
            " raises or lowers its score."
            if step.shifts_scores
            else "   The mask: blocked keys get -inf, so they receive weight 0.",
            "softmax": "3. Softmax: subtract the largest score, take exp, divide by the sum.",
            "weighted_sum": "4. Multiply each value vector by its weight and add them up.",
        }

    def meaning(self, trace: AttentionTrace, facts: QueryFacts, precision: int) -> list[str]:
        p = precision
        token = _q(facts.token)
        if facts.fully_masked:
            return [
                f"Every key is blocked for {token}, so all its weights are 0 and its output is"
                " the zero vector (not NaN)."
            ]
        parts = []
        for kw in facts.ranked[:4]:
            who = "itself" if facts.self_weight is not None and kw.index == facts.index else _q(kw.token)
            parts.append(f"{fmt(kw.weight, p)} to {who}")
        rest = len(facts.ranked) - 4
        more = f", and {rest} more keys share the rest" if rest > 0 else ""
        sentences = [f"Weights: {token} gives " + _join(parts) + more + "."]
        step = trace.step(facts.index)
        closest = facts.closest_value
        assert closest is not None and facts.dominant_value is not None
        sentences.append(
            f"Output: {fmt_vector(step.output, p)} is the new representation of {token},"
            " updated by its relations to the other tokens. It is closest to the value vector"
            f" of {_q(closest.token)} ({fmt_vector(trace.value[closest.index], p)}); the"
            f" weighted value of {_q(facts.dominant_value.token)} is the largest term of the sum,"
            f" {fmt_percent(facts.dominant_share)} of the terms' total size."
        )
        top = facts.ranked[0]
        top_name = "itself" if facts.self_weight is not None and top.index == facts.index else _q(top.token)
        if top.weight >= 0.9:
            conclusion = f"In short, {token} attends almost only to {top_name}."
        elif facts.self_weight is not None and top.index != facts.index:
            conclusion = (
                f"In short, {token} keeps relatively little on itself ({fmt(facts.self_weight, p)})"
                f" and looks most at {top_name} ({fmt(top.weight, p)})."
            )
        else:
            conclusion = f"In short, {token} looks most at {top_name} ({fmt(top.weight, p)})."
        sentences.append(conclusion)
        if facts.allowed_count > 1:
            spread = (
                "sharp"
                if facts.effective_keys < 1.5
                else "spread out"
                if facts.effective_keys > 0.6 * facts.allowed_count
                else "focused on a few keys"
            )
            sentences.append(
                f"The row is {spread}: its entropy is {fmt(facts.entropy, p)} nats of at most"
                f" {fmt(facts.max_entropy, p)}, as if it looked at {fmt(facts.effective_keys, 2)}"
                f" of {facts.allowed_count} keys."
            )
        return sentences

    def caveat(self) -> str:
        return (
            "Attention weights show where one head looks, not why a model decides: they leave"
            " out the sizes of the value vectors, the other heads and layers, and the residual"
            " connections."
        )

    # -- the layer -------------------------------------------------------------------------
    def layer_title(self, trace: LayerTrace) -> str:
        text = " ".join(trace.tokens)
        return str(trace.meta.get("title") or f"From words to contextual vectors: {_q(text)}")

    def layer_intro(self, trace: LayerTrace, precision: int) -> list[str]:
        cross = f" and {len(trace.key_tokens)} context tokens (cross-attention)" if trace.is_cross else ""
        lines = [
            f"{len(trace.tokens)} tokens{cross}, d_model = {trace.d_model}, {trace.num_heads}"
            f" head{'s' if trace.num_heads != 1 else ''} of d_head = {trace.d_head}"
            + (", causal: each token sees only itself and the tokens before it" if trace.is_causal else "")
            + "."
        ]
        if trace.meta.get("source") == "toy":
            lines.append(
                f"Illustrative numbers, not a trained model: the embeddings are drawn from a hash of each"
                f" token's text and the weights W_Q, W_K, W_V, W_O are random (seed {trace.meta.get('seed')})."
                " Every step is exact, but what the weights say about the sentence means nothing; use a real"
                " model for that."
            )
        return lines

    def layer_sections(self, trace: LayerTrace, head: int, precision: int) -> dict[str, str]:
        d, h, dh = trace.d_model, trace.num_heads, trace.d_head
        numbers = layer_numbers(trace, head)
        n, kv = numbers.input_step, numbers.kv_symbol
        start, stop = numbers.first_column, numbers.last_column
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
            if trace.embeddings is not None
            else f"{n}. The layer's input X, one row per token.",
            "input_note": f"X has one row of d_model = {d} numbers per token."
            + (" The keys and values come from another sequence, the context C." if trace.is_cross else ""),
            "context": "C, the context",
            "projections": f"{n + 1}. Queries, keys and values: Q = X W_Q + b_Q, K = {kv} W_K + b_K,"
            f" V = {kv} W_V + b_V.",
            "projections_note": (
                f"Each W is a {d} × {d} matrix. The {d} columns of Q, K and V are cut into {h} heads of"
                f" d_head = {dh} columns (shown split by |): head {head} uses columns {start} to {stop}."
                + (" K and V come from the context C, the other sequence." if trace.is_cross else "")
            ),
            "attention": f"{n + 2}. Attention in head {head}, step by step (d_head = {dh}).",
            "heads": f"{n + 3}. " + ("The only head, in brief." if h == 1 else f"The {h} heads side by side."),
            "heads_note": "Each head has its own columns of Q, K and V, so each looks at the tokens differently.",
            "concat": f"{n + 4}. Concatenation: every head's output side by side.",
            "concat_note": f"The {h} outputs of {dh} numbers each make one row of d_model = {d} again.",
            "output": f"{n + 5}. Output projection: output = concatenation W_O + b_O.",
            "output_note": (
                "W_O mixes what the heads found into one new, contextual vector per token: the layer's output."
            ),
        }

    def layer_head_summary(self, trace: LayerTrace, head: int, facts: QueryFacts, precision: int) -> str:
        token = _q(facts.token)
        if facts.fully_masked:
            return f"head {head}: every key is blocked for {token} (weights 0, output 0)."
        parts = []
        for kw in facts.ranked[:3]:
            who = "itself" if facts.self_weight is not None and kw.index == facts.index else _q(kw.token)
            parts.append(f"{who} ({fmt(kw.weight, precision)})")
        return f"head {head}: {token} looks most at " + _join(parts) + "."

    def layer_shown(self, shown: int, total: int, what: str) -> str:
        noun = {"tokens": "tokens", "numbers": "numbers of each vector"}.get(what, what)
        return f"(showing the first {shown} of {total} {noun})"

    def layer_caveat(self, trace: LayerTrace) -> str:
        return self.caveat()


def _is_default_scale(trace: AttentionTrace) -> bool:
    return bool(abs(trace.scale * trace.d_head**0.5 - 1.0) < 1e-12)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


LANGUAGE = English()
