"""English labels: the short words of tables, figures, the page and the commands."""

from __future__ import annotations

LABELS: dict[str, str] = {
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
    "scaled_no_mask": "times the scale",
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
    "heads_top": 'The top {shown} of {count} heads by the weight of the heaviest key of "{query}", heaviest first.',
    "heads_top_key": 'The top {shown} of {count} heads by the weight from "{query}" to "{key}", heaviest first.',
    "heaviest_key": "heaviest key",
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
    # the explorer's views (issue #15): every head, a layer's heads, the head view, the pipeline
    "page_query_word": "Query word",
    "page_key_word": "Key word (optional)",
    "page_heads_grid": "Every head at a glance",
    "page_heads_grid_help_key": 'Each cell is the weight from "{query}" to "{key}" in one head. '
    "Click a cell, or use the arrow keys and Enter, to open that head.",
    "page_heads_grid_help_top": 'Each cell is the largest weight of "{query}" in one head, '
    "with the key it goes to. Click a cell, or use the arrow keys and Enter, to open that head.",
    "page_sink": "sink",
    "page_sink_help": "◆ marks a head that puts at least {share} of the query's weight on {tokens} or "
    "the first token, where heads park attention they do not need.",
    "page_head_short": "H",
    "page_layer_view": "Layer {layer}: every head",
    "page_layer_view_help": "Each square is one head's whole pattern: rows are queries, columns are keys, and "
    "the outlined row is the query. Pick a square to open that head.",
    "page_head_view": "Head view: where the query looks",
    "page_head_view_help": "Lines go from the query on the left to every key on the right; the thicker and "
    "darker the line, the larger the weight. Pick another query on the left (the "
    "arrow keys and Enter work too).",
    "page_check": "Checked against the model's own attention: the largest difference over {rows} "
    "rows is {difference} (allowed: {tolerance}).",
    "page_qkv": "Q, K and V: {count} numbers",
    "page_pipeline": "The whole layer, step by step",
    "page_pipeline_help": "From the words to the layer's output, with every number. Step forward and back "
    "with the buttons.",
    "page_previous": "Previous step",
    "page_next": "Next step",
    "page_step_of": "Step {n} of {total}",
    "page_pipe_tokens": "Tokens",
    "page_pipe_tokens_help": "The sentence split into tokens, each with its position.",
    "page_pipe_embeddings": "Embeddings",
    "page_pipe_embeddings_help": "One vector of d_model numbers per token (toy: drawn from a hash of the token, "
    "not learned).",
    "page_pipe_positions": "Positional encoding",
    "page_pipe_positions_help": "Sines and cosines of the position: the same word at another place gets another "
    "vector.",
    "page_pipe_x": "X = embeddings + positional encoding",
    "page_pipe_x_help": "The layer's input: the two tables above added number by number.",
    "page_pipe_qkv": "Q, K and V of head {head}",
    "page_pipe_qkv_help": "Q = X W_Q, K = X W_K, V = X W_V; head {head} takes columns {first} to {last} of each.",
    "page_pipe_heads": "Every head's attention",
    "page_pipe_heads_help": "Each head compares its own Q and K, so each has its own weights. Pick one to see "
    "its lines.",
    "page_pipe_concat": "Concatenation",
    "page_pipe_concat_help": "Every head's output placed side by side: d_model numbers per token again.",
    "page_pipe_output": "Output = concatenation × W_O",
    "page_pipe_output_help": "W_O mixes the heads' outputs into the layer's output, one row per token.",
    "page_position": "position",
    "page_tab_explore": "Explore",
    "page_tab_exercise": "Exercise",
    "page_new_exercise": "New exercise",
    "page_check_answers": "Check my answers",
    "page_show_answers": "Show the answers",
    "page_diagnosis": "Diagnosis",
    # generation on the page (static/generate.js) and the causal mask's legend
    "page_causal_help": "× marks a key the query may not see: under the causal mask (a decoder's), each "
    "token sees only itself and the tokens before it, so the later ones get weight 0.",
    "page_generate": "Generate, token by token",
    "page_generate_help": "The decoder continues the sentence one token at a time, picking the likeliest. "
    "Each new token's query meets the keys kept in the KV cache and its own key. Step "
    "forward and back to watch the row grow (the arrow keys, Home and End work too).",
    "page_new_tokens": "New tokens",
    "page_generate_run": "Generate",
    "page_previous_token": "Previous token",
    "page_next_token": "Next token",
    "page_generate_step": "Token {n} of {total}",
    "page_generate_reads_prompt": 'The prompt is read whole: its last token "{read}" (position'
    ' {position}) looks at {keys} keys and the model picks "{chosen}".',
    "page_generate_reads": 'The new token "{read}" (position {position}) looks at {keys} keys: {cached} from '
    'the KV cache and its own. The model picks "{chosen}".',
    "page_generate_check": "The same row recomputed from scratch without the cache differs by at most "
    "{difference} (tolerance {tolerance}); from the model's own weights with the "
    "cache, by {model}.",
    "page_generate_future": "not generated yet",
    # exercises (selfattention exercise) and the checker (selfattention check)
    "exercise_title": "Self-attention by hand: exercise {seed}",
    "exercise_intro": "Work out self-attention for the queries asked, with the Q, K and V below. Positions count"
    " from 0: q0 is the query of the first token, k1 the key of the second. Round to 4 decimals.",
    "exercise_causal": "Causal: each token sees only itself and the tokens before it, so a later key is"
    " blocked (×): leave its score out, its weight is 0.",
    "exercise_mask": "Mask: a blocked key (×) is left out of the softmax: leave its score out, its weight is 0.",
    "exercise_asked": "Queries asked: {queries}.",
    "exercise_step_dot_products": "1. Dot products q·k with every key: multiply elementwise, then add up.",
    "exercise_step_scaled_scores": "2. Scaled scores: each dot product times the scale.",
    "exercise_step_weights": "3. Weights: the softmax of each row of scaled scores, to 4 decimals.",
    "exercise_step_output": "4. Output: each value vector times its weight, added up.",
    "exercise_answers": "Answers",
    "exercise_how_to_check": "To check your answers, save this exercise as JSON (--format json), add"
    ' "answers" with any of dot_products, scaled_scores, weights, output (one row per query asked)'
    " and run: selfattention check FILE.json",
    "exercise_name": "Name",
    "check_dot_products": "the dot products",
    "check_scaled_scores": "the scaled scores",
    "check_weights": "the weights",
    "check_output": "the output",
    "check_right": "right",
    "check_wrong": "wrong",
    "check_not_given": "not given",
    "check_given": "you wrote",
    "check_expected": "from your numbers",
}
