"""English."""

from __future__ import annotations

from ..base import Language
from ..labels.en import LABELS
from ..numbers import fmt, fmt_percent, fmt_row, fmt_terms, fmt_vector
from ..ring_statements import RingCheck, RingLayout, RingMerge, RingStep, RingTitle
from ..statements import (
    AllBlocked,
    AttentionSink,
    CausalKeys,
    Caveat,
    CheckFinding,
    CheckPassed,
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
    labels = LABELS

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
        return f"Self-attention with {_q(s.token)} as the query (q{s.position})"

    def dot_products_step(self, s: DotProductsStep, precision: int) -> str:
        return f"{s.number}. Dot products q{s.query_position}·k for every key: multiply elementwise, then add up."

    def scale_step(self, s: ScaleStep, precision: int) -> str:
        return (
            f"{s.number}. Multiply by the scale {fmt(s.scale, precision)}"
            + (f" = 1/sqrt({s.root_of})" if s.root_of is not None else "")
            + (
                f" = 1/sqrt({s.d_head}) × 1/T with the temperature T = {fmt(s.temperature, 2)}"
                if s.temperature is not None and s.d_head is not None
                else ""
            )
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
        token, top, p = _q(s.token), _name(s.top), precision
        if s.kind == "almost_only":
            return f"In short, {token} attends almost only to {top}."
        if s.kind == "tie":
            names = _join([_name(k) for k in (s.top, *s.others)])
            both = "both" if len(s.others) == 1 else "all"
            return f"In short, {token} looks equally at {names} ({fmt(s.top.weight, p)} {both}): a tie."
        if s.kind == "near_tie":
            close = _join([f"{_name(k)} ({fmt(k.weight, p)})" for k in s.others])
            return (
                f"In short, {token} looks at {top} ({fmt(s.top.weight, p)}) and {close} almost equally:"
                f" {top} leads by a hair."
            )
        if s.kind == "little_on_itself" and s.own_weight is not None:
            return (
                f"In short, {token} keeps relatively little on itself ({fmt(s.own_weight, p)})"
                f" and looks most at {top} ({fmt(s.top.weight, p)})."
            )
        return f"In short, {token} looks most at {top} ({fmt(s.top.weight, p)})."

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
                f"Each W is a matrix of {d} × {d} numbers. The {d} columns of Q, K and V are cut into {h} heads of"
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

    # -- ring attention over several ranks -----------------------------------------------------
    def ring_title(self, s: RingTitle, precision: int) -> str:
        heads = "1 head" if s.heads == 1 else f"{s.heads} heads"
        causal = ", causal" if s.causal else ""
        return f"Ring attention: {s.length} positions on {s.world_size} ranks ({heads}, d = {s.dim}, {s.dtype}{causal})"

    def ring_layout(self, s: RingLayout, precision: int) -> str:
        held = "; ".join(f"rank {r} holds {_runs(runs)}" for r, runs in enumerate(s.runs))
        how = (
            "The sequence is cut into twice as many chunks as ranks, and each rank takes one early and"
            " one late chunk (zigzag), so that under causal masking every rank has the same work."
            if s.layout == "zigzag"
            else "Each rank holds one run of consecutive positions (contiguous)."
        )
        return (
            f"{how} Its queries stay where they are: {held}. Keys and values travel: at every step each"
            " rank computes its queries against the block it holds, while it sends that block on to the"
            " next rank and receives the next one from the rank before it."
            + (" A block whose keys all come after every query of the rank is skipped (causal)." if s.causal else "")
        )

    def ring_step(self, s: RingStep, precision: int) -> str:
        work = {"full": "", "partial": ", partly masked (causal)", "skipped": ", skipped: all masked"}
        parts = [f"rank {h.rank} has the block of rank {h.source} ({_runs(h.runs)}){work[h.work]}" for h in s.holdings]
        then = (
            " Then each sends its block to the next rank." if s.number < s.steps else " Every rank has seen every key."
        )
        return f"Step {s.number} of {s.steps}: " + "; ".join(parts) + "." + then

    def ring_merge(self, s: RingMerge, precision: int) -> str:
        p = precision
        return (
            f"One merge, rank {s.rank} at step {s.step}, the query at position {s.position}: its result over the keys"
            f" seen so far has log-sum-exp lse₁ = {fmt(s.lse_before, p)} and output {fmt_vector(s.output_before, p)};"
            f" the block of rank {s.source} gives lse₂ = {fmt(s.lse_block, p)} and output"
            f" {fmt_vector(s.output_block, p)}. Merged: lse = log(e^lse₁ + e^lse₂) = {fmt(s.lse_after, p)}; the old"
            f" result keeps e^(lse₁ - lse) = {fmt(s.share_before, p)} of the weight and the block"
            f" e^(lse₂ - lse) = {fmt(s.share_block, p)}, so the output is {fmt(s.share_before, p)} ×"
            f" {fmt_vector(s.output_before, p)} + {fmt(s.share_block, p)} × {fmt_vector(s.output_block, p)} ="
            f" {fmt_vector(s.output_after, p)}. This is the online softmax of the blocked kernel: no rank"
            " ever holds the whole row of scores."
        )

    def ring_check(self, s: RingCheck, precision: int) -> str:
        return (
            f"The {s.world_size} ranks' outputs put together differ from one process's attention ({s.dtype})"
            f" by at most {fmt(s.difference, 2)}."
        )

    def ring_labels(self) -> dict[str, str]:
        return {
            "rank": "rank",
            "positions": "positions",
            "compute_seconds": "compute (s)",
            "wait_seconds": "wait (s)",
            "bytes_sent": "bytes sent",
            "bytes_received": "bytes received",
            "block_bytes": "largest block (bytes)",
            "steps": "Step by step",
            "per_rank": "Per rank",
            "merge": "One log-sum-exp merge",
            "figure_title": "Which block each rank holds (share of its scores computed)",
            "step": "step",
            "work": "share computed",
            "more_steps": "… and {count} more steps, each passing the blocks one rank further.",
        }

    # -- exercises and the checker -------------------------------------------------------------
    def exercise_scale(self, d_head: int, scale: float, root_of: int | None, precision: int) -> str:
        if root_of is not None:
            return f"d = {d_head}, so the scale is 1/sqrt({root_of}) = {fmt(scale, precision)}."
        return f"d = {d_head}; the scale is {fmt(scale, precision)}."

    def check_passed(self, s: CheckPassed, precision: int) -> str:
        names = _join([self.labels[f"check_{name}"] for name in s.steps])
        return (
            f"All right: {names} {'are' if len(s.steps) > 1 or s.steps[0] != 'output' else 'is'} correct to 4 decimals."
        )

    def check_finding(self, s: CheckFinding, precision: int) -> str:
        p, step = precision, self.labels[f"check_{s.step}"]
        token = f'"{s.query_token}"'
        where = f'k{s.entry} ("{s.entry_token}")' if s.entry_token is not None else f"component {s.entry}"
        basis = {
            "dot_products": f"q{s.query}·k{s.entry}",
            "scaled_scores": f"your dot product {fmt(s.inputs[s.entry] if s.inputs else 0, p)} × {fmt(s.scale, p)}",
            "weights": f"the softmax of your scaled scores {fmt_row(s.inputs, p)}",
            "output": f"your weights {fmt_row(s.inputs, p)} times V",
        }[s.step]
        right = fmt_row(s.expected_row, p)
        parts = [
            f"The first wrong step is {step} of {token} (q{s.query}): at {where} you wrote {fmt(s.given, p)},"
            f" where {basis} gives {fmt(s.expected, p)}."
        ]
        d, scale = s.d_head, fmt(s.scale, p)
        dot = fmt(s.inputs[s.entry], p) if s.step == "scaled_scores" and s.inputs else ""
        if s.code == "unscaled":
            parts.append(
                f"You left out the scale: multiply each dot product by {scale} (1/sqrt({d}))"
                + (f": {dot} × {scale} = {fmt(s.expected, p)}." if dot else f" before the softmax: {right}.")
            )
        elif s.code == "divided_by_d":
            parts.append(
                f"You divided by d = {d}; the scale is 1/sqrt({d}) = {scale}, so divide by sqrt({d}) ="
                f" {fmt(s.sqrt_d, p)}" + (f": {dot} × {scale} = {fmt(s.expected, p)}." if dot else f": {right}.")
            )
        elif s.code == "multiplied_by_sqrt_d":
            parts.append(
                f"You multiplied by sqrt({d}) = {fmt(s.sqrt_d, p)} instead of dividing by it (× {scale})"
                + (f": {dot} × {scale} = {fmt(s.expected, p)}." if dot else f": {right}.")
            )
        elif s.code == "column_softmax":
            parts.append(
                "You normalised down the column (over the queries) instead of along the row: each query's"
                f" weights add up to 1, and yours add up to {fmt(s.given_sum, p)}. Along the row: {right}."
            )
        elif s.code == "no_exponential":
            parts.append(
                "You divided the scores by their sum without taking exp first: each weight is exp(score)"
                f" divided by the sum of the exps: {right}."
            )
        elif s.code == "mask_ignored":
            blocked = _join([f'"{t}"' for t in s.blocked_tokens])
            parts.append(
                f"The mask was not applied: {blocked} {'is' if len(s.blocked_tokens) == 1 else 'are'} blocked for"
                f" {token}, so {'its weight is' if len(s.blocked_tokens) == 1 else 'their weights are'} 0 and the"
                f" other keys share all of it: {right}."
            )
        elif s.code == "keys_for_values":
            parts.append(f"You added up the key vectors instead of the value vectors: output = Σ w_j v_j = {right}.")
        elif s.code == "transposed":
            parts.append(
                f'This is the row of "{s.other_token}" (q{s.other_query}), not of {token} (q{s.query}):'
                f" the row of {token} is {right}."
            )
        elif s.code == "arithmetic":
            parts.append(self._slip(s, p))
        else:
            parts.append(f"This is none of the classic mistakes; from your numbers, {step} of {token} are {right}.")
        if s.also_wrong:
            parts.append("Also wrong: " + _join([self.labels[f"check_{n}"] for n in s.also_wrong]) + ".")
        else:
            parts.append("Everything after it follows correctly from your own numbers.")
        return " ".join(parts)

    def _slip(self, s: CheckFinding, p: int) -> str:
        what = f"q{s.query}·k{s.entry}" if s.step == "dot_products" else f"component {s.entry} of the output"
        if s.term is None or s.term_factors is None:
            return f"Only this one number is off: redo {what}" + (
                f" = {fmt_terms(s.sum_factors, p)} = {fmt(s.expected, p)}." if s.sum_factors else "."
            )
        a, b = s.term_factors
        how = "with the wrong sign" if s.term_kind == "sign" else "left out"
        label = f"term {s.term}" if s.step == "dot_products" else f"the term of k{s.term}"
        return (
            f"In {what}, {label} ({fmt_terms([(a, b)], p)} = {fmt(a * b, p)}) was {how}:"
            f" {what} = {fmt_terms(s.sum_factors, p)} = {fmt(s.expected, p)}."
        )


def _name(key: Key) -> str:
    return "itself" if key.is_self else _q(key.token)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _runs(runs: tuple[tuple[int, int], ...]) -> str:
    """Global positions [start, stop) as people count them: "positions 0-3 and 8-9"."""
    shown = [f"{a}" if b - a == 1 else f"{a}-{b - 1}" for a, b in runs if b > a]
    return ("positions " + " and ".join(shown)) if shown else "no positions"


LANGUAGE = English()
