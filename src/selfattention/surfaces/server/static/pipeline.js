// The toy layer's whole pipeline, stepped forward and back: tokens -> embeddings -> +
// positions -> X -> Q, K, V per head -> every head -> concatenation -> W_O. Every number is
// the LayerTrace document's own (POST /api/text/layer); every word a label of the language.

import { fillLabel, headLines, matrixTable, smallMultiples } from "./views.js";

let ctx = null; // {state, label, postJSON, showError}
const pipe = { layer: null, step: 0, head: 0, request: null };
const $ = (id) => document.getElementById(id);

const STEPS = ["tokens", "embeddings", "positions", "x", "qkv", "heads", "concat", "output"];

export function setUpPipeline(context) {
  ctx = context;
  $("pipeline-previous").addEventListener("click", () => go(pipe.step - 1));
  $("pipeline-next").addEventListener("click", () => go(pipe.step + 1));
  window.selfattentionPipeline = pipe; // for the browser tests
}

/** Fetch the layer for a toy-layer request ({text, d_model, num_heads, seed, head, lang}). */
export async function loadPipeline(request) {
  const same = pipe.request && JSON.stringify({ ...pipe.request, lang: 0 }) === JSON.stringify({ ...request, lang: 0 });
  const body = await (await ctx.postJSON("/api/text/layer", request)).json();
  pipe.layer = body.layer;
  pipe.request = request;
  pipe.head = request.head;
  if (!same) pipe.step = 0;
  drawPipeline();
}

function go(step) {
  pipe.step = Math.max(0, Math.min(STEPS.length - 1, step));
  drawPipeline();
  $("pipeline-body").focus();
}

function columns(count, from = 0) {
  return Array.from({ length: count }, (_, e) => String(from + e)); // columns count from 0, as positions and heads
}

function paragraph(text) {
  const p = document.createElement("p");
  p.className = "help";
  p.textContent = text;
  return p;
}

function headButtons(onPick) {
  const group = document.createElement("div");
  group.className = "head-buttons";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", ctx.label("page_head"));
  for (let h = 0; h < pipe.layer.num_heads; h++) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `${ctx.label("page_head")} ${h}`;
    button.setAttribute("aria-pressed", String(h === pipe.head));
    button.dataset.head = String(h);
    button.addEventListener("click", () => {
      pipe.head = h;
      onPick(h);
    });
    group.append(button);
  }
  return group;
}

function slice(matrix, from, to) {
  return matrix.map((row) => row.slice(from, to));
}

/** The current step: its title, what it is, and its numbers. */
export function drawPipeline() {
  if (!pipe.layer) return;
  const label = ctx.label;
  const layer = pipe.layer;
  const tokens = layer.tokens;
  const dModel = layer.w_q.length;
  const dHead = dModel / layer.num_heads;
  const name = STEPS[pipe.step];
  const parts = [];
  let title = label(`page_pipe_${name}`);
  let help = label(`page_pipe_${name}_help`);
  if (name === "tokens") {
    const list = document.createElement("ol");
    list.className = "token-list";
    list.start = 0;
    tokens.forEach((token, i) => {
      const item = document.createElement("li");
      item.textContent = `${token}`;
      item.title = `${label("page_position")} ${i}`;
      list.append(item);
    });
    parts.push(list);
  } else if (name === "embeddings") {
    parts.push(matrixTable(layer.embeddings, tokens, columns(dModel), label("embedding")));
  } else if (name === "positions") {
    parts.push(matrixTable(layer.positional, tokens, columns(dModel), label("positional_encoding")));
  } else if (name === "x") {
    parts.push(matrixTable(layer.x, tokens, columns(dModel), "X"));
  } else if (name === "qkv") {
    const h = pipe.head;
    const from = h * dHead;
    title = fillLabel(title, { head: h });
    help = fillLabel(help, { head: h, first: from, last: from + dHead - 1 });
    parts.push(headButtons(() => drawPipeline()));
    const cols = columns(dHead, from);
    parts.push(matrixTable(slice(layer.query, from, from + dHead), tokens, cols, `Q (${label("page_head")} ${h})`));
    parts.push(matrixTable(slice(layer.key, from, from + dHead), layer.key_tokens, cols, `K (${label("page_head")} ${h})`));
    parts.push(matrixTable(slice(layer.value, from, from + dHead), layer.key_tokens, cols, `V (${label("page_head")} ${h})`));
  } else if (name === "heads") {
    const doc = { weights: layer.heads.map((t) => t.steps.map((s) => s.weights)) };
    const lines = document.createElement("div");
    const drawLines = () => {
      const t = layer.heads[pipe.head];
      lines.replaceChildren(headLines({
        tokens: t.tokens,
        key_tokens: t.key_tokens,
        query_indices: t.steps.map((s) => s.index),
        weights: t.steps.map((s) => s.weights),
      }, { label, row: pipe.row ?? 0, onPick: (r) => { pipe.row = r; drawLines(); } }));
    };
    parts.push(smallMultiples(doc, { label, current: pipe.head, onPick: (h) => { pipe.head = h; drawPipeline(); } }));
    parts.push(lines);
    drawLines();
  } else if (name === "concat") {
    const cols = columns(dModel).map((c, e) => `${label("page_head_short")}${Math.floor(e / dHead)}·${c}`);
    parts.push(matrixTable(layer.concat, tokens, cols, label("concat")));
  } else if (name === "output") {
    parts.push(matrixTable(layer.w_o, columns(dModel), columns(dModel), "W_O"));
    parts.push(matrixTable(layer.output, tokens, columns(dModel), label("layer_output")));
  }
  $("pipeline-step").textContent = fillLabel(label("page_step_of"), { n: pipe.step + 1, total: STEPS.length });
  $("pipeline-title").textContent = title;
  $("pipeline-body").replaceChildren(paragraph(help), ...parts);
  $("pipeline-body").dataset.step = name;
  $("pipeline-previous").disabled = pipe.step === 0;
  $("pipeline-next").disabled = pipe.step === STEPS.length - 1;
  $("pipeline-section").hidden = ctx.state.text === null;
}
