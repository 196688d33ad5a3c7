// Generation with a decoder, token by token (POST /api/generate): the model continues the
// sentence greedily with its KV cache, and the page steps through the new tokens forward and
// back (buttons, or the arrow keys, Home and End). Each step shows the new token's query row
// over the keys so far (the cached ones and its own), the keys not generated yet as masked
// cells, the check against the full recomputation, and the explanation's words. No maths and
// no prose: numbers come from the API, words from the language's labels and the explanation.

import { getJSON } from "./api.js";
import { fmt } from "./format.js";
import { fillLabel, shade } from "./views.js";

let ctx = null; // {state, label, postJSON, showError, setStatus}
const gen = { doc: null, step: 0, request: null, decoders: [], pending: null };
const $ = (id) => document.getElementById(id);

export function setUpGenerate(context) {
  ctx = context;
  $("generate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    generate();
  });
  $("generate-previous").addEventListener("click", () => go(gen.step - 1));
  $("generate-next").addEventListener("click", () => go(gen.step + 1));
  $("generate-view").addEventListener("keydown", onKey);
  // a new language: the same generation (kept by the server) in its words; the language is
  // read from the switch itself, as the page's own listener may not have run yet
  $("lang").addEventListener("change", () => {
    if (gen.request) generate(false);
  });
  window.selfattentionGenerate = gen; // for the browser tests
}

/** The registered decoders, from /api/models (none when the server has no models). */
export async function loadDecoders() {
  try {
    gen.decoders = (await getJSON("/api/models")).decoders;
  } catch (_) {
    gen.decoders = [];
  }
}

/** Show the panel for a decoder; a generation of another sentence, model, layer or head goes. */
export function showGenerate(visible, request) {
  const decoder = visible && gen.decoders.includes(request ? request.model : $("model-name").value);
  $("generate-section").hidden = !decoder;
  const max = ctx.state.info ? ctx.state.info.limits.max_new_tokens : null;
  if (max) $("generate-count").max = String(max);
  if (gen.request && request && !sameSource(gen.request, request)) {
    gen.doc = null;
    gen.request = null;
    $("generate-view").hidden = true;
  }
}

function sameSource(a, b) {
  return a.text === b.text && a.model === b.model && a.layer === b.layer && a.head === b.head;
}

function formRequest() {
  return {
    text: $("model-text").value,
    model: $("model-name").value,
    layer: Number($("model-layer").value),
    head: Number($("model-head").value),
    max_new_tokens: Number($("generate-count").value),
  };
}

async function generate(fresh = true) {
  const request = { ...(fresh || !gen.request ? formRequest() : gen.request), lang: $("lang").value || ctx.state.lang };
  const id = Symbol("generate");
  gen.pending = id;
  ctx.setStatus(ctx.label("page_loading"));
  $("generate-run").disabled = true;
  try {
    const doc = await (await ctx.postJSON("/api/generate", request)).json();
    if (gen.pending !== id) return;
    const same = gen.request && sameSource(gen.request, request) && gen.request.max_new_tokens === request.max_new_tokens;
    gen.doc = doc;
    gen.request = request;
    if (!same) gen.step = 0;
    gen.step = Math.min(gen.step, doc.steps.length - 1);
    ctx.showError(null);
    draw();
  } catch (error) {
    if (gen.pending === id) ctx.showError(error.message);
  } finally {
    if (gen.pending === id) {
      gen.pending = null;
      ctx.setStatus("");
      $("generate-run").disabled = false;
    }
  }
}

function go(step) {
  if (!gen.doc) return;
  gen.step = Math.max(0, Math.min(gen.doc.steps.length - 1, step));
  draw();
}

function onKey(event) {
  if (!gen.doc || event.target.closest("input, select, textarea")) return;
  const moves = { ArrowLeft: gen.step - 1, ArrowRight: gen.step + 1, Home: 0, End: gen.doc.steps.length - 1 };
  if (!(event.key in moves)) return;
  event.preventDefault();
  go(moves[event.key]);
}

// -- drawing --------------------------------------------------------------------------------

function element(name, className, text = null) {
  const node = document.createElement(name);
  if (className) node.className = className;
  if (text !== null) node.textContent = text;
  return node;
}

function draw() {
  const { doc } = gen;
  const label = ctx.label;
  const step = doc.steps[gen.step];
  const last = doc.steps[doc.steps.length - 1];
  $("generate-view").hidden = false;
  $("generate-step").textContent = fillLabel(label("page_generate_step"), { n: gen.step + 1, total: doc.steps.length });
  $("generate-previous").disabled = gen.step === 0;
  $("generate-next").disabled = gen.step === doc.steps.length - 1;

  // the text so far: the prompt, the pieces generated before this step, and this step's pick
  const text = $("generate-text");
  text.replaceChildren(element("span", gen.step === 0 ? "prompt read" : "prompt", doc.prompt_text));
  doc.steps.slice(0, gen.step).forEach((earlier, n) => {
    text.append(element("span", n === gen.step - 1 ? "new read" : "new", earlier.piece));
  });
  // a pick that adds only white space (a new line) shows as its token, so that it is seen
  text.append(element("span", "chosen", step.piece.trim() ? step.piece : step.chosen));

  const about = gen.step === 0 ? "page_generate_reads_prompt" : "page_generate_reads";
  $("generate-about").textContent = fillLabel(label(about), {
    read: step.read,
    position: step.position,
    keys: step.key_tokens.length,
    cached: step.cached,
    chosen: step.chosen,
  });

  // the row: every key so far, then the ones not generated yet (masked: the query cannot see them)
  const row = $("generate-row");
  row.replaceChildren();
  step.key_tokens.forEach((token, j) => {
    const weight = step.weights[j];
    const own = j === step.key_tokens.length - 1;
    const cell = element("li", "key" + (own ? " own" : j < step.cached ? " cached" : ""));
    cell.dataset.key = String(j);
    cell.style.background = shade(weight);
    if (typeof weight === "number" && weight > 0.55) cell.classList.add("dark");
    cell.append(element("span", "token", token), element("span", "weight", fmt(weight)));
    cell.setAttribute("aria-label", `${token}: ${fmt(weight)}`);
    cell.title = cell.getAttribute("aria-label");
    row.append(cell);
  });
  last.key_tokens.slice(step.key_tokens.length).concat([last.chosen]).forEach((token, n) => {
    const cell = element("li", "key future");
    cell.dataset.key = String(step.key_tokens.length + n);
    cell.append(element("span", "token", token), element("span", "weight", "×"));
    cell.setAttribute("aria-label", `${token}: ${label("page_generate_future")}`);
    cell.title = cell.getAttribute("aria-label");
    row.append(cell);
  });

  $("generate-check").textContent = "✓ " + fillLabel(label("page_generate_check"), {
    difference: fmt(step.check.recompute_difference, 2),
    tolerance: fmt(step.check.tolerance, 2),
    model: fmt(step.check.model_difference, 2),
  });
  const words = [...step.words.intro, ...step.words.meaning];
  $("generate-words").replaceChildren(...words.map((line) => element("li", "", line)));
}
