"""English."""

from __future__ import annotations

from ...display import fmt, fmt_percent, fmt_vector
from ...trace import AttentionTrace, QueryTrace
from ..base import Language
from ..facts import QueryFacts


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
    }

    def title(self, trace: AttentionTrace) -> str:
        if trace.meta.get("source") == "model":
            return self.labels["model_title"].format(**trace.meta)
        return str(trace.meta.get("title") or f"Self-attention on {_q(' '.join(trace.tokens))}")

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
                    rebuilt=check["rebuilt_dtype"], layer=trace.meta["layer"], rows=check["rows_checked"],
                    model_dtype=check["model_dtype"], difference=fmt(check["max_abs_difference"], 2),
                )
            )
        return lines

    def query_heading(self, trace: AttentionTrace, step: QueryTrace) -> str:
        return f"Self-attention with {_q(step.token)} as the query (q{step.index + 1})"

    def step_headings(
        self, trace: AttentionTrace, step: QueryTrace, precision: int
    ) -> dict[str, str]:
        n = step.index + 1
        return {
            "dot_products": f"1. Dot products q{n}·k for every key: multiply elementwise, then add up.",
            "scale": f"2. Multiply by the scale {fmt(trace.scale, precision)}"
            + (f" = 1/sqrt({trace.d_head})" if _is_default_scale(trace) else "")
            + " to keep the scores in a stable range.",
            "mask": "   The mask: blocked keys get -inf, so they receive weight 0.",
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
            f" weighted value of {_q(facts.dominant_value.token)} makes up"
            f" {fmt_percent(facts.dominant_share)} of the sum."
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
                "sharp" if facts.effective_keys < 1.5
                else "spread out" if facts.effective_keys > 0.6 * facts.allowed_count
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


def _is_default_scale(trace: AttentionTrace) -> bool:
    return bool(abs(trace.scale * trace.d_head**0.5 - 1.0) < 1e-12)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


LANGUAGE = English()
