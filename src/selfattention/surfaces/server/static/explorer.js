// The real-model flow and the views around the heatmap: the head view (lines from the query
// to every key) for any source; for a real model, every head at a glance (/api/heads), the
// chosen layer's heads side by side (/api/model/layer) and the check against the model's own
// attention. The query, layer and head are kept when any one of them changes. A decoder also
// gets the generation panel (generate.js). No maths and no prose: numbers come from the API,
// words from the language's labels.

import { fmt } from "./format.js";
import { loadDecoders, setUpGenerate, showGenerate } from "./generate.js";
import { fillLabel, headLines, headsGrid, smallMultiples } from "./views.js";

let ctx = null; // {state, label, postJSON, loadInput, compute, showError, select, setStatus}
const view = {
  heads: null,
  layer: null,
  check: null,
  source: "example",
  queryIndex: null,
  pending: null,
  arranged: "other", // where the Q/K/V grid is: "model" (folded, after the views) or "other"
};
const $ = (id) => document.getElementById(id);

export function setUpExplorer(context) {
  ctx = context;
  $("model-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runModel();
  });
  for (const id of ["model-layer", "model-head"]) {
    $(id).addEventListener("change", () => later(runModel));
  }
  for (const id of ["model-query", "model-key"]) {
    $(id).addEventListener("change", () => {
      view.queryIndex = null; // a typed word is looked up by the server
      later(runModel);
    });
  }
  $("model-name").addEventListener("change", () => later(runModel));
  setUpGenerate(context);
  loadDecoders();
  window.selfattentionViews = view; // for the browser tests
}

let timer = null;
function later(action, delay = 150) {
  clearTimeout(timer);
  timer = setTimeout(action, delay);
}

// -- where the panels go ------------------------------------------------------------------

/** Arrange the page for a source: the model's panels and the collapsed Q/K/V grid for a
 *  real model (heatmap first), the pipeline for the toy layer. */
export function showSource(source) {
  view.source = source;
  const model = source === "model";
  $("heads-section").hidden = !model || !view.heads;
  $("layer-section").hidden = !model || !view.layer;
  $("model-check").hidden = !model || !view.check;
  $("pipeline-section").hidden = source !== "text" || !$("pipeline-body").childElementCount;
  showGenerate(model, ctx.state.model);
  // the Q/K/V grid moves (and folds) only when the kind of source changes: moving a node
  // takes the focus from the input being typed in, and a grid opened by hand stays open
  const arrangement = model ? "model" : "other";
  if (view.arranged === arrangement) return;
  view.arranged = arrangement;
  const editor = $("editor-section");
  const column = editor.parentElement;
  if (model) {
    column.insertBefore(editor, $("downloads-section")); // the heatmap and views first
    $("editor-box").open = false;
  } else {
    column.insertBefore(editor, $("heatmap-section"));
    $("editor-box").open = true;
  }
}

// -- the real model: one request per view, all kept in step ---------------------------------

function modelRequest() {
  return {
    text: $("model-text").value,
    model: $("model-name").value,
    layer: Number($("model-layer").value),
    head: Number($("model-head").value),
  };
}

function headsRequest(request) {
  const typed = $("model-query").value.trim();
  const tokens = view.heads ? view.heads.tokens : null;
  // a query picked on the page is sent by position (a word may occur twice)
  const sameText = view.heads && view.heads.text === request.text && view.heads.model === request.model;
  const query =
    sameText && view.queryIndex !== null && tokens[view.queryIndex] === typed ? view.queryIndex : typed;
  const body = { text: request.text, model: request.model, query: query === "" ? 0 : query };
  const key = $("model-key").value.trim();
  if (key) body.key = key;
  return body;
}

async function post(url, body) {
  return (await ctx.postJSON(url, body)).json();
}

/** Run (or re-run) the model's views for the form as it is; the query row is kept. */
export async function runModel() {
  const request = modelRequest();
  const id = Symbol("run");
  view.pending = id;
  ctx.setStatus(ctx.label("page_loading"));
  const [source, heads, layer] = await Promise.allSettled([
    post("/api/model", request),
    post("/api/heads", headsRequest(request)),
    post("/api/model/layer", { text: request.text, model: request.model, layer: request.layer }),
  ]);
  if (view.pending !== id) return; // a newer change is on its way
  if (source.status === "rejected") {
    ctx.showError(source.reason.message);
    ctx.setStatus("");
    return;
  }
  const { input, provenance } = source.value;
  view.check = provenance.check ? { ...provenance.check } : null;
  view.heads = heads.status === "fulfilled" ? heads.value : null;
  view.layer = layer.status === "fulfilled" ? layer.value : null;
  $("model-layer").max = String(provenance.num_layers - 1);
  $("model-head").max = String(provenance.num_heads - 1);
  // the query: the one the server found for the word, else the row picked before
  let row = view.queryIndex ?? 0;
  if (view.heads) row = view.heads.query.index;
  row = Math.min(row, input.tokens.length - 1);
  view.queryIndex = row;
  if (view.heads) $("model-query").value = view.heads.query.token;
  ctx.state.example = null;
  ctx.state.text = null;
  ctx.state.model = request;
  ctx.loadInput(input, "model", row);
  await ctx.compute();
  const failed = [heads, layer].find((r) => r.status === "rejected");
  if (failed) ctx.showError(failed.reason.message);
}

/** A query picked on the heatmap or the head view: the model's views follow it. */
export function onQueryPicked(row) {
  if (view.source !== "model" || !ctx.state.result) return;
  const token = ctx.state.result.trace.steps[row].token;
  const index = ctx.state.result.trace.steps[row].index;
  if (view.queryIndex === index) return;
  view.queryIndex = index;
  $("model-query").value = token;
  drawModelViews();
  later(async () => {
    try {
      view.heads = await post("/api/heads", headsRequest(ctx.state.model));
      drawModelViews();
    } catch (error) {
      ctx.showError(error.message);
    }
  });
}

function openHead(layer, head) {
  $("model-layer").value = String(layer);
  $("model-head").value = String(head);
  later(runModel, 0);
}

// -- drawing --------------------------------------------------------------------------------

/** Everything this module draws, after the page has drawn its trace. */
export function drawViews() {
  // a causal trace (a decoder's head, or Causal ticked): say what the crossed cells are
  $("causal-help").hidden = !ctx.state.result.trace.is_causal;
  drawHeadView();
  drawModelViews();
  showSource(view.source);
}

export function drawHeadView() {
  const { trace } = ctx.state.result;
  const doc = {
    tokens: trace.tokens,
    key_tokens: trace.key_tokens,
    query_indices: trace.steps.map((s) => s.index),
    weights: trace.steps.map((s) => s.weights),
  };
  const lines = headLines(doc, { label: ctx.label, row: ctx.state.selected, onPick: (r) => ctx.select(r, false, true) });
  $("head-lines").replaceChildren(lines);
  const about = ctx.state.model ? ` · ${ctx.state.model.model}, ${ctx.label("page_layer")} ${ctx.state.model.layer}, ${ctx.label("page_head")} ${ctx.state.model.head}` : "";
  $("lines-heading").textContent = ctx.label("page_head_view") + about;
}

function focusedCell(container) {
  const active = document.activeElement;
  return container.contains(active) && active.dataset.r !== undefined ? [active.dataset.r, active.dataset.c] : null;
}

function drawModelViews() {
  if (view.source !== "model") return;
  const label = ctx.label;
  const current = ctx.state.model ? { layer: ctx.state.model.layer, head: ctx.state.model.head } : null;
  if (view.check) {
    $("model-check").textContent = "✓ " + fillLabel(label("page_check"), {
      rows: view.check.rows_checked,
      difference: fmt(view.check.max_abs_difference, 2),
      tolerance: fmt(view.check.tolerance, 2),
    });
  }
  if (view.heads) {
    const doc = view.heads;
    const keep = focusedCell($("heads-grid"));
    $("heads-grid").replaceChildren(headsGrid(doc, { label, current, onPick: openHead }));
    if (keep) $("heads-grid").querySelector(`[data-r="${keep[0]}"][data-c="${keep[1]}"]`)?.focus();
    const help = doc.key ? "page_heads_grid_help_key" : "page_heads_grid_help_top";
    $("heads-help").textContent = fillLabel(label(help), { query: doc.query.token, key: doc.key ? doc.key.token : "" });
    const sinks = [...new Set(doc.sink_positions.map((i) => doc.tokens[i]))].join(", ");
    $("sink-help").textContent = fillLabel(label("page_sink_help"), { share: fmt(doc.sink_threshold, 2), tokens: sinks });
  }
  if (view.layer) {
    const doc = view.layer;
    const sinks = view.heads && view.heads.layers > doc.layer ? view.heads.sink[doc.layer] : null;
    const row = ctx.state.result ? ctx.state.result.trace.steps[ctx.state.selected].index : null;
    $("layer-heading").textContent = fillLabel(label("page_layer_view"), { layer: doc.layer });
    $("layer-multiples").replaceChildren(smallMultiples(doc, {
      label,
      current: current ? current.head : null,
      query: row,
      sinks,
      onPick: (head) => openHead(doc.layer, head),
    }));
  }
}

/** The words of a download's name: model, layer and head (or the toy layer's head). */
export function fileTag() {
  const s = ctx.state;
  if (s.model) return `${s.model.model}-layer${s.model.layer}-head${s.model.head}-`;
  if (s.text) return `toy-d${s.text.d_model}-head${s.text.head}-`;
  return "";
}
