// The explorer's page. It does no maths and has no prose of its own: numbers come from the
// trace the API returns, words from the explanation and the language's labels. It only
// keeps the input the person is editing, sends it, and lays the answer out.
import { getJSON, postJSON } from "./api.js";
import { PRECISION, fmt, fmtCell } from "./format.js";
import { drawHeatmap, focusCell, setUp } from "./heatmap.js";
import { drawSteps } from "./steps.js";
import { drawViews, fileTag, onQueryPicked, setUpExplorer, showSource } from "./explorer.js";
import { drawPipeline, loadPipeline, setUpPipeline } from "./pipeline.js";

(function () {
  // temperature stops of the slider (a list, so that the page computes nothing)
  const TEMPERATURES = [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10];
  const DEFAULT_STOP = TEMPERATURES.indexOf(1);
  const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

  const state = {
    info: null,
    languages: [],
    labels: {},
    lang: "en",
    example: null, // the example's name while the input came from it
    model: null, // the model head ({text, model, layer, head}) the input came from
    text: null, // the toy layer's sentence and sizes the input came from
    scale: null, // the source's scale (a model's own), or null for 1/sqrt(d)
    tokens: [],
    query: [], // cells as typed (strings)
    key: [],
    value: [],
    blocked: new Set(), // "i,j": query i may not attend to key j
    causal: false,
    stop: DEFAULT_STOP,
    blockMode: false,
    selected: 0,
    focus: [0, 0],
    result: null,
    request: 0,
    busy: false, // an edit is waiting for its answer
  };

  const $ = (id) => document.getElementById(id);

  function cell(text) {
    // a number when it reads as one; otherwise the text itself, so that the server names it
    return NUMBER.test(text) ? Number(text) : text;
  }

  function inputDocument() {
    const doc = {
      tokens: state.tokens.slice(),
      query: state.query.map((row) => row.map(cell)),
      key: state.key.map((row) => row.map(cell)),
      value: state.value.map((row) => row.map(cell)),
      causal: state.causal,
    };
    if (state.scale !== null) doc.scale = state.scale;
    if (state.blocked.size) {
      doc.mask = state.tokens.map((_, i) => state.tokens.map((_, j) => !state.blocked.has(`${i},${j}`)));
    }
    return doc;
  }

  function explainRequest() {
    const request = {
      input: inputDocument(),
      lang: state.lang,
      precision: PRECISION,
      temperature: TEMPERATURES[state.stop],
    };
    if (state.example) request.example = state.example;
    if (state.model) request.model = state.model;
    return request;
  }

  let timer = null;
  function refresh(delay = 120) {
    state.busy = true;
    state.queued = true; // an edit waits for its request (an older answer must not end `busy`)
    clearTimeout(timer);
    timer = setTimeout(compute, delay);
  }

  async function compute() {
    const id = ++state.request;
    state.queued = false;
    $("status").textContent = label("page_loading");
    try {
      const response = await postJSON("/api/explain", explainRequest());
      const result = await response.json();
      if (id !== state.request) return; // a newer request is on its way
      state.busy = state.queued;
      state.result = result;
      state.selected = Math.min(state.selected, result.trace.steps.length - 1);
      showError(null);
      draw();
      $("status").textContent = "";
    } catch (error) {
      if (id !== state.request) return;
      state.busy = state.queued;
      showError(error.message);
      $("status").textContent = "";
    }
  }

  function showError(message) {
    $("error").hidden = !message;
    $("error-text").textContent = message || "";
  }

  // -- words ----------------------------------------------------------------------------------
  function label(key) {
    return state.labels[key] ?? key;
  }

  function applyLabels() {
    document.documentElement.lang = state.lang;
    document.title = label("page_title");
    for (const element of document.querySelectorAll("[data-label]")) {
      element.textContent = label(element.dataset.label);
    }
    const qk = `${label("query")}/${label("key")}`;
    $("dims-group").textContent = `${qk} (E)`;
    $("vdims-group").textContent = `${label("value")} (Ev)`;
    const buttons = {
      "add-token": label("page_add_token"),
      "remove-token": label("page_remove_token"),
      "add-dim": `${label("page_add_dim")} (${qk})`,
      "remove-dim": `${label("page_remove_dim")} (${qk})`,
      "add-vdim": `${label("page_add_dim")} (${label("value")})`,
      "remove-vdim": `${label("page_remove_dim")} (${label("value")})`,
    };
    for (const [id, text] of Object.entries(buttons)) {
      $(id).setAttribute("aria-label", text);
      $(id).title = text;
    }
    $("steps").setAttribute("aria-label", label("page_steps"));
    drawEditor();
    drawTemperature();
  }

  // -- the input grid -------------------------------------------------------------------------
  function drawEditor() {
    const dims = state.query[0] ? state.query[0].length : 0;
    const vdims = state.value[0] ? state.value[0].length : 0;
    const head = $("editor-head");
    head.replaceChildren();
    const groups = document.createElement("tr");
    groups.append(th(label("page_tokens"), 1, 2));
    groups.append(th(`Q (${label("query")})`, dims), th(`K (${label("key")})`, dims), th(`V (${label("value")})`, vdims));
    const numbers = document.createElement("tr");
    for (const width of [dims, dims, vdims]) {
      for (let e = 0; e < width; e++) numbers.append(th(String(e)));
    }
    head.append(groups, numbers);

    const body = $("editor-body");
    body.replaceChildren();
    state.tokens.forEach((token, i) => {
      const row = document.createElement("tr");
      const name = document.createElement("th");
      name.scope = "row";
      name.append(textInput(token, `${label("page_tokens")} ${i}`, (text) => {
        state.tokens[i] = text;
      }, `token-${i}`));
      row.append(name);
      for (const [matrix, word] of [["query", "query"], ["key", "key"], ["value", "value"]]) {
        state[matrix][i].forEach((text, e) => {
          const td = document.createElement("td");
          const aria = `${label(word)} ${token} ${e}`;
          td.append(textInput(text, aria, (value) => {
            state[matrix][i][e] = value;
          }, `${matrix}-${i}-${e}`));
          row.append(td);
        });
      }
      body.append(row);
    });
    $("remove-token").disabled = state.tokens.length <= 1;
    $("remove-dim").disabled = dims <= 1;
    $("remove-vdim").disabled = vdims <= 1;
    const limits = state.info ? state.info.limits : { max_tokens: Infinity, max_dim: Infinity };
    $("add-token").disabled = state.tokens.length >= limits.max_tokens;
    $("add-dim").disabled = dims >= limits.max_dim;
    $("add-vdim").disabled = vdims >= limits.max_dim;
    const count = state.tokens.length * (2 * dims + vdims);
    $("editor-summary").textContent = label("page_qkv").replace("{count}", String(count));
  }

  function th(text, colspan = 1, rowspan = 1) {
    const element = document.createElement("th");
    element.textContent = text;
    element.scope = colspan > 1 ? "colgroup" : "col";
    if (colspan > 1) element.colSpan = colspan;
    if (rowspan > 1) element.rowSpan = rowspan;
    return element;
  }

  function textInput(value, aria, onChange, name) {
    const input = document.createElement("input");
    input.type = "text";
    input.value = value;
    input.name = name;
    input.setAttribute("aria-label", aria);
    input.autocomplete = "off";
    input.spellcheck = false;
    if (!name.startsWith("token")) input.inputMode = "decimal";
    input.addEventListener("input", () => {
      onChange(input.value);
      edited();
    });
    return input;
  }

  function edited() {
    // once the numbers are the person's own, the example's words no longer describe them
    // (the server keeps them only while the vectors equal the example's)
    document.querySelector('input[name="source"][value="vectors"]').checked = true;
    refresh();
  }

  function resize(change) {
    change();
    const n = state.tokens.length;
    for (const key of [...state.blocked]) {
      const [i, j] = key.split(",").map(Number);
      if (i >= n || j >= n) state.blocked.delete(key);
    }
    drawEditor();
    edited();
  }

  function loadInput(input, source, row = 0) {
    // an input document (from an example or a model) into the grid and the switches
    state.tokens = input.tokens.slice();
    for (const name of ["query", "key", "value"]) {
      state[name] = input[name].map((row) => row.map((x) => String(x)));
    }
    state.scale = input.scale ?? null;
    state.causal = Boolean(input.causal);
    $("causal").checked = state.causal;
    state.blocked.clear();
    state.stop = DEFAULT_STOP;
    $("temperature").value = String(DEFAULT_STOP);
    state.selected = row;
    state.focus = [row, 0];
    document.querySelector(`input[name="source"][value="${source}"]`).checked = true;
    showSourceForm(source);
    drawEditor();
    drawTemperature();
  }

  function loadExample(example) {
    state.example = example.name;
    state.model = null;
    state.text = null;
    loadInput(example.input, "example");
  }

  function showSourceForm(source) {
    showSource(source);
    $("model-form").hidden = source !== "model";
    $("text-form").hidden = source !== "text";
    $("text-note").hidden = source !== "text" || !$("text-note").textContent;
  }

  function textRequest() {
    return {
      text: $("text-text").value,
      d_model: Number($("text-d-model").value),
      num_heads: Number($("text-heads").value),
      seed: Number($("text-seed").value),
      head: Number($("text-head").value),
      lang: state.lang,
    };
  }

  function showTextWords(words) {
    const title = document.createElement("strong");
    title.textContent = words.title;
    $("text-note").replaceChildren(title, ...words.intro.map((line) => {
      const p = document.createElement("p");
      p.textContent = line;
      return p;
    }));
  }

  async function runText(event) {
    event.preventDefault();
    const request = textRequest();
    $("status").textContent = label("page_loading");
    try {
      const response = await postJSON("/api/text", request);
      const source = await response.json();
      state.example = null;
      state.model = null;
      state.text = request;
      showTextWords(source.words);
      loadInput(source.input, "text");
      await Promise.all([compute(), loadPipeline(request)]);
    } catch (error) {
      showError(error.message);
      $("status").textContent = "";
    }
  }

  function select(r, keepFocus = false, fromLines = false) {
    state.selected = r;
    state.focus = [r, state.focus[1]];
    drawHeatmap();
    drawSteps(state, label);
    drawEntropy();
    drawViews();
    onQueryPicked(r);
    if (keepFocus) focusCell();
    if (fromLines) document.querySelector(`#head-lines [data-r="${r}"]`)?.focus();
  }

  function toggleBlock(i, j) {
    const key = `${i},${j}`;
    if (state.blocked.has(key)) state.blocked.delete(key);
    else state.blocked.add(key);
    compute().then(focusCell);
  }

  function drawEntropy() {
    const { trace, explanation } = state.result;
    const step = trace.steps[state.selected];
    const facts = explanation.queries.find((q) => q.index === step.index).facts;
    $("entropy").textContent =
      `${label("page_query_picked")} "${step.token}" · ${label("page_entropy")} ${fmt(facts.entropy)}` +
      ` / ${fmt(facts.max_entropy)} ${label("page_nats")} · ${label("page_effective_keys")}:` +
      ` ${fmt(facts.effective_keys, 2)} / ${facts.allowed_count}`;
  }

  function drawTemperature() {
    const scale = state.result ? ` · ${label("page_scale")} ${fmt(state.result.trace.scale)}` : "";
    $("temperature-value").textContent = `${TEMPERATURES[state.stop]}${scale}`;
    $("temperature").setAttribute("aria-valuetext", $("temperature-value").textContent);
  }

  function draw() {
    const { explanation } = state.result;
    $("explanation-title").textContent = explanation.title;
    $("intro").replaceChildren(...explanation.intro.map((line) => {
      const p = document.createElement("p");
      p.textContent = line;
      return p;
    }));
    $("caveat").textContent = explanation.caveat;
    drawHeatmap();
    drawSteps(state, label);
    drawEntropy();
    drawTemperature();
    drawViews();
  }

  // -- downloads ------------------------------------------------------------------------------
  function save(blob, name) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  function fileStem() {
    return "attention-" + fileTag() + (state.tokens.join("-").replace(/[^\p{L}\p{N}_-]+/gu, "").slice(0, 40) || "trace");
  }

  async function download(url, name) {
    try {
      const response = await postJSON(url, explainRequest());
      save(await response.blob(), name);
    } catch (error) {
      showError(error.message);
    }
  }

  // -- wiring ---------------------------------------------------------------------------------
  function wire() {
    setUp({ state, label, select, toggleBlock });
    const setStatus = (text) => {
      $("status").textContent = text;
    };
    setUpExplorer({ state, label, postJSON, loadInput, compute, showError, select, setStatus });
    setUpPipeline({ state, label, postJSON, showError });
    $("lang").addEventListener("change", () => setLanguage($("lang").value));
    $("causal").addEventListener("change", () => {
      state.causal = $("causal").checked;
      refresh(0);
    });
    $("block-mode").addEventListener("change", () => {
      state.blockMode = $("block-mode").checked;
      if (state.result) drawHeatmap();
    });
    $("temperature").addEventListener("input", () => {
      state.stop = Number($("temperature").value);
      drawTemperature();
      refresh(60);
    });
    $("add-token").addEventListener("click", () => resize(() => {
      state.tokens.push(`t${state.tokens.length}`);
      const dims = state.query[0].length;
      const vdims = state.value[0].length;
      state.query.push(Array(dims).fill("0"));
      state.key.push(Array(dims).fill("0"));
      state.value.push(Array(vdims).fill("0"));
    }));
    $("remove-token").addEventListener("click", () => resize(() => {
      for (const name of ["tokens", "query", "key", "value"]) state[name].pop();
    }));
    $("add-dim").addEventListener("click", () => resize(() => {
      for (const name of ["query", "key"]) state[name].forEach((row) => row.push("0"));
    }));
    $("remove-dim").addEventListener("click", () => resize(() => {
      for (const name of ["query", "key"]) state[name].forEach((row) => row.pop());
    }));
    $("add-vdim").addEventListener("click", () => resize(() => state.value.forEach((row) => row.push("0"))));
    $("remove-vdim").addEventListener("click", () => resize(() => state.value.forEach((row) => row.pop())));
    $("reset").addEventListener("click", resetToExample);
    for (const radio of document.querySelectorAll('input[name="source"]')) {
      radio.addEventListener("change", () => {
        if (!radio.checked) return;
        showSourceForm(radio.value);
        if (radio.value === "example") resetToExample();
      });
    }
    $("text-form").addEventListener("submit", runText);
    $("text-heads").addEventListener("change", () => {
      $("text-head").max = String(Number($("text-heads").value) - 1);
    });
    $("download-json").addEventListener("click", () => {
      if (!state.result) return;
      const text = JSON.stringify(state.result.trace, null, 1) + "\n";
      save(new Blob([text], { type: "application/json" }), `${fileStem()}.json`);
    });
    $("download-png").addEventListener("click", () => download("/api/heatmap.png", `${fileStem()}.png`));
    $("download-report").addEventListener("click", () => download("/api/report.html", `${fileStem()}.html`));
  }

  async function resetToExample() {
    loadExample(await getJSON("/api/example?name=seed"));
    await compute();
  }

  async function offerText() {
    const { example, d_model: sizes, num_heads: heads } = await getJSON("/api/text");
    $("text-d-model").replaceChildren(...sizes.map((n) => new Option(String(n), String(n))));
    $("text-heads").replaceChildren(...heads.map((n) => new Option(String(n), String(n))));
    $("text-text").value = example.text;
    $("text-d-model").value = String(example.d_model);
    $("text-heads").value = String(example.num_heads);
    $("text-seed").value = String(example.seed);
    $("text-head").value = String(example.head);
    $("text-head").max = String(example.num_heads - 1);
    $("source-text").hidden = false;
  }

  async function offerModels() {
    const { models, example } = await getJSON("/api/models");
    $("model-name").replaceChildren(...Object.entries(models).map(([name, about]) => {
      const option = new Option(name, name);
      option.title = about;
      return option;
    }));
    $("model-text").value = example.text;
    $("model-layer").value = String(example.layer);
    $("model-head").value = String(example.head);
    $("model-query").value = example.query ?? "";
    $("model-key").value = example.key ?? "";
    $("source-model").hidden = false;
  }

  async function setLanguage(code) {
    const language = state.languages.find((l) => l.code === code) || state.languages[0];
    state.lang = language.code;
    state.labels = language.labels;
    $("lang").value = state.lang;
    applyLabels();
    if (state.text) {
      // the layer's words in the new language (the numbers stay as they are)
      const response = await postJSON("/api/text", { ...state.text, lang: state.lang });
      showTextWords((await response.json()).words);
      drawPipeline();
    }
    if (state.result) await compute();
  }

  async function start() {
    wire();
    try {
      [state.info, state.languages] = await Promise.all([getJSON("/api/info"), getJSON("/api/languages")]);
      const select = $("lang");
      select.replaceChildren(...state.languages.map((l) => new Option(`${l.name} (${l.code})`, l.code)));
      $("lang-group").hidden = state.languages.length < 2;
      $("download-png").hidden = !state.info.features.png;
      $("download-report").hidden = !state.info.features.report;
      if (state.info.features.text) await offerText();
      if (state.info.features.models) await offerModels();
      const wanted = new URLSearchParams(location.search).get("lang");
      const preferred = (navigator.language || "en").slice(0, 2);
      const code = [wanted, preferred, "en"].find((c) => state.languages.some((l) => l.code === c));
      await setLanguage(code);
      loadExample(await getJSON("/api/example?name=seed"));
      await compute();
    } catch (error) {
      showError(error.message);
    }
  }

  // for the browser tests: the page's number formatting, to compare with Python's
  window.selfattentionExplorer = { fmt, fmtCell, state };
  document.addEventListener("DOMContentLoaded", start);
})();
