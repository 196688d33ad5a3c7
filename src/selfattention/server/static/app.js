// The explorer's page. It does no maths and has no prose of its own: numbers come from the
// trace the API returns, words from the explanation and the language's labels. It only
// keeps the input the person is editing, sends it, and lays the answer out.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  // temperature stops of the slider (a list, so that the page computes nothing)
  const TEMPERATURES = [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10];
  const DEFAULT_STOP = TEMPERATURES.indexOf(1);
  const PRECISION = 4;
  // a dot product with more terms shows its largest ones (as the text renderer does)
  const MAX_TERMS = 8;
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

  // -- numbers, as selfattention.display.fmt shows them ------------------------------------
  // rounded to `p` places, trailing zeros dropped, ties to even (as Python's format does),
  // scientific notation for a non-zero number too small for `p` places
  function fmt(x, p = PRECISION) {
    if (typeof x === "string") return x; // "inf", "-inf", "nan" in trace documents
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return "0";
    if (Math.abs(x) < 0.5 * Math.pow(10, -p)) {
      let [mantissa, exponent] = x.toExponential(Math.max(p - 2, 0)).split("e");
      if (mantissa.includes(".")) mantissa = mantissa.replace(/0+$/, "").replace(/\.$/, "");
      const sign = exponent[0] === "-" ? "-" : "+";
      const digits = exponent.replace(/^[-+]/, "").padStart(2, "0");
      return `${mantissa}e${sign}${digits}`;
    }
    let text = Math.abs(x) >= 1e21 ? String(x) : roundHalfEven(x, p);
    if (text.includes(".") && !text.includes("e")) text = text.replace(/0+$/, "").replace(/\.$/, "");
    return text === "-0" || text === "" ? "0" : text;
  }

  function roundHalfEven(x, p) {
    // toFixed rounds an exact tie away from zero; Python rounds it to even
    const rounded = x.toFixed(p);
    const exact = x.toFixed(Math.min(p + 25, 100));
    const point = exact.indexOf(".");
    const rest = exact.slice(point + p + 1);
    if (!/^50*$/.test(rest)) return rounded;
    const truncated = exact.slice(0, point + p + 1).replace(/\.$/, "");
    const last = Number(truncated[truncated.length - 1]);
    return last % 2 === 0 ? truncated : rounded;
  }

  function fmtVector(values, p = PRECISION) {
    return "[" + values.map((v) => fmt(v, p)).join(", ") + "]";
  }

  // -- talking to the server ----------------------------------------------------------------
  async function getJSON(url) {
    const response = await fetch(url);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  async function postJSON(url, payload) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    });
    if (!response.ok) {
      let message = response.statusText;
      try {
        message = (await response.json()).error || message;
      } catch (_) {
        /* not JSON: keep the status text */
      }
      throw new Error(message);
    }
    return response;
  }

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
    clearTimeout(timer);
    timer = setTimeout(compute, delay);
  }

  async function compute() {
    const id = ++state.request;
    $("status").textContent = label("page_loading");
    try {
      const response = await postJSON("/api/explain", explainRequest());
      const result = await response.json();
      if (id !== state.request) return; // a newer request is on its way
      state.busy = false;
      state.result = result;
      state.selected = Math.min(state.selected, result.trace.steps.length - 1);
      showError(null);
      draw();
      $("status").textContent = "";
    } catch (error) {
      if (id !== state.request) return;
      state.busy = false;
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
      for (let e = 0; e < width; e++) numbers.append(th(String(e + 1)));
    }
    head.append(groups, numbers);

    const body = $("editor-body");
    body.replaceChildren();
    state.tokens.forEach((token, i) => {
      const row = document.createElement("tr");
      const name = document.createElement("th");
      name.scope = "row";
      name.append(textInput(token, `${label("page_tokens")} ${i + 1}`, (text) => {
        state.tokens[i] = text;
      }, `token-${i}`));
      row.append(name);
      for (const [matrix, word] of [["query", "query"], ["key", "key"], ["value", "value"]]) {
        state[matrix][i].forEach((text, e) => {
          const td = document.createElement("td");
          const aria = `${label(word)} ${token} ${e + 1}`;
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

  function loadInput(input, source) {
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
    state.selected = 0;
    state.focus = [0, 0];
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
      await compute();
    } catch (error) {
      showError(error.message);
      $("status").textContent = "";
    }
  }

  async function runModel(event) {
    event.preventDefault();
    const request = {
      text: $("model-text").value,
      model: $("model-name").value,
      layer: Number($("model-layer").value),
      head: Number($("model-head").value),
    };
    $("status").textContent = label("page_loading");
    try {
      const response = await postJSON("/api/model", request);
      const source = await response.json();
      state.example = null;
      state.text = null;
      state.model = request;
      $("model-layer").max = String(source.meta.num_layers - 1);
      $("model-head").max = String(source.meta.num_heads - 1);
      loadInput(source.input, "model");
      await compute();
    } catch (error) {
      showError(error.message);
      $("status").textContent = "";
    }
  }

  // -- the heatmap ----------------------------------------------------------------------------
  function svg(name, attributes = {}, text = null) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    if (text !== null) element.textContent = text;
    return element;
  }

  function cellText(weight, keys) {
    const text = fmt(weight, keys <= 8 ? PRECISION : 2);
    return text.includes("e") ? "≈0" : text; // too small for the cell: the steps show it
  }

  function drawHeatmap() {
    const trace = state.result.trace;
    const rows = trace.steps;
    const keys = trace.key_tokens;
    // the focused cell stays inside the grid when it shrinks, so Tab can always reach it
    state.focus = [Math.min(state.focus[0], rows.length - 1), Math.min(state.focus[1], keys.length - 1)];
    const longest = Math.max(...trace.tokens.map((t) => t.length), ...keys.map((t) => t.length), 1);
    const labelWidth = Math.min(20 + 9 * longest, 160);
    const size = keys.length <= 8 ? 64 : keys.length <= 24 ? 36 : 22;
    const top = Math.min(16 + 7 * longest, 120);
    const width = labelWidth + size * keys.length + top;
    const height = top + size * rows.length + 4;
    const root = svg("svg", {
      viewBox: `0 0 ${width} ${height}`,
      width,
      role: "grid",
      "aria-labelledby": "heatmap-heading",
      "aria-describedby": "heatmap-help",
      "aria-rowcount": rows.length + 1,
      "aria-colcount": keys.length + 1,
      class: state.blockMode ? "block-mode" : "",
    });
    root.style.maxWidth = `${width}px`;
    const head = svg("g", { role: "row", "aria-rowindex": 1 });
    head.append(svg("g", { role: "columnheader", "aria-colindex": 1 }));
    keys.forEach((key, j) => {
      const x = labelWidth + size * j + size / 2;
      const g = svg("g", { role: "columnheader", "aria-colindex": j + 2 });
      g.append(svg("text", { x, y: top - 6, class: "key-label", transform: `rotate(-45 ${x} ${top - 6})` }, key));
      head.append(g);
    });
    root.append(head);

    rows.forEach((step, r) => {
      const y = top + size * r;
      const row = svg("g", {
        role: "row",
        "aria-rowindex": r + 2,
        "aria-selected": String(r === state.selected),
        class: r === state.selected ? "row selected" : "row",
        "data-token": step.token,
      });
      const header = svg("g", { role: "rowheader", "aria-colindex": 1, class: "row-header" });
      header.append(svg("rect", { x: 0, y, width: labelWidth - 4, height: size, class: "row-hit" }));
      header.append(svg("text", { x: labelWidth - 10, y: y + size / 2, class: "query-label" }, step.token));
      header.addEventListener("click", () => select(r));
      row.append(header);
      keys.forEach((key, j) => {
        const weight = step.weights[j];
        const blocked = step.mask[j] === "-inf";
        const userBlocked = state.blocked.has(`${step.index},${j}`);
        const [fr, fc] = state.focus;
        const g = svg("g", {
          role: "gridcell",
          "aria-colindex": j + 2,
          tabindex: fr === r && fc === j ? 0 : -1,
          class: "cell" + (blocked ? " blocked" : ""),
          "data-row": r,
          "data-col": j,
          "aria-label": `${step.token} → ${key}: ${blocked ? label("page_blocked_cell") : fmt(weight)}`,
        });
        if (state.blockMode) g.setAttribute("aria-pressed", String(userBlocked));
        const x = labelWidth + size * j;
        g.append(svg("rect", { x: x + 1, y: y + 1, width: size - 2, height: size - 2, fill: shade(blocked ? 0 : weight) }));
        if (blocked) {
          g.append(svg("path", { d: `M${x + 6} ${y + 6}L${x + size - 6} ${y + size - 6}M${x + size - 6} ${y + 6}L${x + 6} ${y + size - 6}`, class: "cross" }));
        } else if (size >= 36) {
          g.append(svg("text", { x: x + size / 2, y: y + size / 2, class: weight > 0.55 ? "weight dark" : "weight" }, cellText(weight, keys.length)));
        }
        g.append(svg("title", {}, `${step.token} → ${key}: ${blocked ? label("page_blocked_cell") : fmt(weight)}`));
        g.addEventListener("click", () => {
          state.focus = [r, j];
          if (state.blockMode) toggleBlock(step.index, j);
          else select(r);
        });
        g.addEventListener("keydown", (event) => cellKey(event, r, j));
        row.append(g);
      });
      if (r === state.selected) {
        row.append(svg("rect", { x: 1, y: y + 1, width: labelWidth + size * keys.length - 2, height: size - 2, class: "row-outline" }));
      }
      root.append(row);
    });
    $("heatmap").replaceChildren(root);
  }

  function shade(weight) {
    // a light-to-dark blue ramp; the colour is only a picture of the number shown beside it
    const lightness = 97 - 62 * Math.max(0, Math.min(1, weight));
    return `hsl(214 70% ${lightness}%)`;
  }

  function cellKey(event, r, j) {
    const rows = state.result.trace.steps.length;
    const cols = state.result.trace.key_tokens.length;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Home: [0, -cols], End: [0, cols] };
    if (event.key in moves) {
      event.preventDefault();
      const [dr, dc] = moves[event.key];
      state.focus = [Math.max(0, Math.min(rows - 1, r + dr)), Math.max(0, Math.min(cols - 1, j + dc))];
      drawHeatmap();
      focusCell();
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      if (state.blockMode) toggleBlock(state.result.trace.steps[r].index, j);
      else select(r, true);
    }
  }

  function focusCell() {
    const [r, j] = state.focus;
    const target = document.querySelector(`#heatmap [data-row="${r}"][data-col="${j}"]`);
    if (target) target.focus();
  }

  function select(r, keepFocus = false) {
    state.selected = r;
    state.focus = [r, state.focus[1]];
    drawHeatmap();
    drawSteps();
    drawEntropy();
    if (keepFocus) focusCell();
  }

  function toggleBlock(i, j) {
    const key = `${i},${j}`;
    if (state.blocked.has(key)) state.blocked.delete(key);
    else state.blocked.add(key);
    compute().then(focusCell);
  }

  // -- the steps ------------------------------------------------------------------------------
  function equation(...parts) {
    // one line of a step: "q1·k1 (Acting) = 16×1 + 0×0 + 1×1 = 16 + 0 + 1 = 17", result in bold
    const line = document.createElement("div");
    line.className = "eq";
    parts.forEach((part, n) => {
      if (n > 0) line.append(" ");
      const span = document.createElement("span");
      span.textContent = part;
      if (part === "=") span.className = "op";
      else if (n === parts.length - 1 && n > 0) span.className = "result";
      line.append(span);
    });
    return line;
  }

  function stepItem(heading, lines, name) {
    const item = document.createElement("li");
    item.className = "step";
    item.dataset.step = name;
    const h = document.createElement("h4");
    h.textContent = heading.trim();
    item.append(h);
    const box = document.createElement("div");
    box.className = "lines";
    box.append(...lines);
    item.append(box);
    return item;
  }

  function drawSteps() {
    const { trace, explanation } = state.result;
    const step = trace.steps[state.selected];
    const words = explanation.queries.find((q) => q.index === step.index);
    const n = step.index + 1;
    const keys = trace.key_tokens;
    const all = keys.map((_, j) => j);
    $("query-heading").textContent = words.heading;

    const items = [];
    items.push(stepItem(words.steps.dot_products, all.map((j) => {
      const name = `q${n}·k${j + 1} (${keys[j]})`;
      const dims = step.query.map((_, e) => e);
      const line = (shown, more) => {
        const terms = shown.map((e) => `${fmt(step.query[e])}×${fmt(trace.key[j][e])}`).join(" + ") + more;
        const products = shown.map((e) => fmt(step.products[j][e])).join(" + ") + more;
        return equation(name, "=", terms, "=", products, "=", fmt(step.dot_products[j]));
      };
      if (dims.length <= MAX_TERMS) return line(dims, "");
      // a long dot product: its largest terms, and every term one click away
      const largest = dims
        .slice()
        .sort((a, b) => Math.abs(step.products[j][b]) - Math.abs(step.products[j][a]) || a - b)
        .slice(0, MAX_TERMS)
        .sort((a, b) => a - b);
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.append(line(largest, ` + … (${dims.length - MAX_TERMS} ${label("smaller_terms")})`));
      details.append(summary, line(dims, ""));
      return details;
    }), "dot_products"));
    items.push(stepItem(words.steps.scale, all.map((j) =>
      equation(`${fmt(step.dot_products[j])} × ${fmt(trace.scale)}`, "=", fmt(step.scaled_scores[j]))), "scale"));
    if (step.mask.some((m) => m !== 0)) {
      items.push(stepItem(words.steps.mask, all.map((j) => {
        const blocked = step.mask[j] === "-inf";
        return equation(`${fmt(step.scaled_scores[j])} + (${fmt(step.mask[j])})`, "=",
          fmt(step.masked_scores[j]) + (blocked ? `  (${label("blocked")})` : ""));
      }), "mask"));
    }
    const softmax = all.map((j) =>
      equation(`exp(${fmt(step.masked_scores[j])} - ${fmt(step.max_score)})`, "=", fmt(step.exponentials[j])));
    softmax.push(equation(label("sum"), "=", fmt(step.exp_sum)));
    if (step.exp_sum === 0 || step.exp_sum === "0") {
      softmax.push(equation(label("all_blocked")));
    } else {
      for (const j of all) {
        softmax.push(equation(`${label("weights")}[${keys[j]}]`, "=",
          `${fmt(step.exponentials[j])} / ${fmt(step.exp_sum)}`, "=", fmt(step.weights[j])));
      }
    }
    items.push(stepItem(words.steps.softmax, softmax, "softmax"));
    const weighted = all.map((j) =>
      equation(`${fmt(step.weights[j])} × ${fmtVector(trace.value[j])}`, "=", fmtVector(step.weighted_values[j])));
    weighted.push(equation(label("output"), "=", fmtVector(step.output)));
    items.push(stepItem(words.steps.weighted_sum, weighted, "weighted_sum"));
    $("steps").replaceChildren(...items);

    $("meaning").replaceChildren(...words.meaning.map((sentence) => {
      const p = document.createElement("p");
      p.textContent = sentence;
      return p;
    }));
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
    drawSteps();
    drawEntropy();
    drawTemperature();
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
    return "attention-" + (state.tokens.join("-").replace(/[^\p{L}\p{N}_-]+/gu, "").slice(0, 40) || "trace");
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
      state.tokens.push(`t${state.tokens.length + 1}`);
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
    $("model-form").addEventListener("submit", runModel);
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
  window.selfattentionExplorer = { fmt, state };
  document.addEventListener("DOMContentLoaded", start);
})();
