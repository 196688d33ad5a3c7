// The views beyond one heatmap, drawn from numbers the API returns (no maths here): every
// head of a model at a glance (layers x heads), a layer's heads as small multiples, the
// head view (lines from a query to every key, thickness by weight) and number tables.
// Pure functions: data and callbacks in, an element out. The page (explorer.js,
// pipeline.js) and the notebook views (selfattention.surfaces.notebook_views, which inline
// this file and format.js) draw with the same code. Keep it free of page ids and globals.

import { fmt, fmtCell, tokenNames } from "./format.js";

const SVG_NS = "http://www.w3.org/2000/svg";

export function svgElement(name, attributes = {}, text = null) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

function html(name, attributes = {}, text = null) {
  const element = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

// a light-to-dark blue ramp; the colour is only a picture of the number shown beside it
export function shade(weight) {
  const w = typeof weight === "number" && Number.isFinite(weight) ? Math.max(0, Math.min(1, weight)) : 0;
  return `hsl(214 70% ${97 - 62 * w}%)`;
}

// a number in a small cell: two places, and "≈0" for what two places cannot show
function short(weight) {
  return fmtCell(weight, 2);
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

// a roving tabindex over cells [data-r][data-c]: arrows move, Home/End go to the row's ends,
// Enter or Space picks
function roving(root, rows, cols, pick) {
  root.addEventListener("keydown", (event) => {
    const cell = event.target.closest("[data-r]");
    if (!cell) return;
    const r = Number(cell.dataset.r);
    const c = Number(cell.dataset.c);
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Home: [0, -cols], End: [0, cols] };
    if (event.key in moves) {
      event.preventDefault();
      const [dr, dc] = moves[event.key];
      const nr = Math.max(0, Math.min(rows - 1, r + dr));
      const nc = Math.max(0, Math.min(cols - 1, c + dc));
      const next = root.querySelector(`[data-r="${nr}"][data-c="${nc}"]`);
      if (next) {
        cell.setAttribute("tabindex", "-1");
        next.setAttribute("tabindex", "0");
        next.focus();
      }
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      pick(r, c);
    }
  });
}

// -- every head at a glance ------------------------------------------------------------------

/** The layers x heads grid of a /api/heads document. `current` = {layer, head} is outlined;
 *  `onPick(layer, head)` opens a head (click, Enter or Space). */
export function headsGrid(doc, { label, current = null, onPick = null }) {
  const cell = 44;
  const left = 70;
  const top = 30;
  const names = tokenNames(doc.tokens);
  const width = left + cell * doc.heads + 4;
  const height = top + cell * doc.layers + 4;
  const root = svgElement("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    role: "grid",
    class: "sa-heads-grid",
    "aria-rowcount": doc.layers + 1,
    "aria-colcount": doc.heads + 1,
  });
  root.style.maxWidth = `${width}px`;
  const head = svgElement("g", { role: "row" });
  head.append(svgElement("g", { role: "columnheader" }));
  for (let h = 0; h < doc.heads; h++) {
    const g = svgElement("g", { role: "columnheader" });
    g.append(svgElement("text", { x: left + cell * h + cell / 2, y: top - 10, class: "col-label" }, `${label("page_head_short")}${h}`));
    head.append(g);
  }
  root.append(head);
  const focusAt = current && current.layer < doc.layers && current.head < doc.heads ? current : { layer: 0, head: 0 };
  for (let l = 0; l < doc.layers; l++) {
    const row = svgElement("g", { role: "row" });
    const header = svgElement("g", { role: "rowheader" });
    header.append(svgElement("text", { x: left - 8, y: top + cell * l + cell / 2, class: "row-label" }, `${label("page_layer")} ${l}`));
    row.append(header);
    for (let h = 0; h < doc.heads; h++) {
      const weight = doc.weights[l][h];
      const sink = doc.sink[l][h];
      const named = names[doc.key ? doc.key.index : doc.top_keys[l][h].index]; // "the@5" when repeated
      const text = `${label("page_layer")} ${l}, ${label("page_head")} ${h}: ${fmt(weight)} → ${named}` +
        (sink ? ` (${label("page_sink")})` : "");
      const isCurrent = current && current.layer === l && current.head === h;
      const g = svgElement("g", {
        role: "gridcell",
        class: "cell" + (sink ? " sink" : "") + (isCurrent ? " current" : ""),
        tabindex: focusAt.layer === l && focusAt.head === h ? 0 : -1,
        "data-r": l,
        "data-c": h,
        "data-layer": l,
        "data-head": h,
        "aria-label": text,
        "aria-selected": String(Boolean(isCurrent)),
      });
      const x = left + cell * h;
      const y = top + cell * l;
      g.append(svgElement("rect", { x: x + 1, y: y + 1, width: cell - 2, height: cell - 2, fill: shade(weight) }));
      g.append(svgElement("text", { x: x + cell / 2, y: y + cell / 2 - (doc.key ? 0 : 6), class: weight > 0.55 ? "weight dark" : "weight" }, short(weight)));
      if (!doc.key) {
        g.append(svgElement("text", { x: x + cell / 2, y: y + cell / 2 + 9, class: weight > 0.55 ? "top-key dark" : "top-key" }, named.slice(0, 6)));
      }
      if (sink) g.append(svgElement("text", { x: x + cell - 8, y: y + 10, class: "sink-mark" }, "◆"));
      g.append(svgElement("title", {}, text));
      if (onPick) g.addEventListener("click", () => onPick(l, h));
      row.append(g);
    }
    root.append(row);
  }
  if (onPick) roving(root, doc.layers, doc.heads, (l, h) => onPick(l, h));
  return root;
}

// -- a layer's heads, side by side -------------------------------------------------------------

// a key the causal mask hides (a later token): grey, not the white of a weight near 0
const MASKED = "#c9ced8";

function drawPattern(canvas, rows, size, query, causal = false) {
  const n = rows.length;
  const m = rows[0] ? rows[0].length : 0;
  const cellW = size / Math.max(m, 1);
  const cellH = size / Math.max(n, 1);
  const context = canvas.getContext("2d");
  rows.forEach((row, i) => {
    row.forEach((w, j) => {
      context.fillStyle = causal && j > i ? MASKED : shade(w);
      context.fillRect(j * cellW, i * cellH, Math.ceil(cellW), Math.ceil(cellH));
    });
  });
  if (query !== null && query >= 0 && query < n) {
    context.strokeStyle = "#1f5fbf";
    context.lineWidth = 2;
    context.strokeRect(1, query * cellH + 1, size - 2, Math.max(cellH - 2, 1));
  }
}

/** Every head's pattern as small multiples. `doc.weights` is (heads, queries, keys);
 *  `current` is the open head, `query` the row to outline, `onPick(head)` opens one. With
 *  `doc.is_causal` (every query row of a decoder), the keys the mask hides are grey. */
export function smallMultiples(doc, { label, current = null, query = null, onPick = null, sinks = null }) {
  const box = html("div", { class: "sa-multiples", role: "group" });
  const size = 132;
  doc.weights.forEach((rows, h) => {
    const item = html(onPick ? "button" : "div", { type: "button", class: "sa-multiple", "data-head": h });
    if (onPick) {
      item.setAttribute("aria-pressed", String(current === h));
      item.addEventListener("click", () => onPick(h));
    }
    const canvas = html("canvas", { width: size, height: size, "aria-hidden": "true" });
    drawPattern(canvas, rows, size, query, Boolean(doc.is_causal) && rows.length === rows[0]?.length);
    const sink = sinks ? sinks[h] : false;
    const caption = html("span", { class: "caption" }, `${label("page_head")} ${h}` + (sink ? " ◆" : ""));
    item.append(canvas, caption);
    item.setAttribute("aria-label", `${label("page_head")} ${h}` + (sink ? ` (${label("page_sink")})` : ""));
    item.title = item.getAttribute("aria-label");
    box.append(item);
  });
  return box;
}

// -- the head view: lines from a query to every key ------------------------------------------

/** Lines from the chosen query (left) to every key (right), thickness by weight.
 *  `doc` = {tokens, key_tokens, query_indices, weights: (queries, keys)}; `row` picks the
 *  query row; `onPick(row)` chooses another (click, or arrows and Enter on the left tokens). */
export function headLines(doc, { label, row = 0, onPick = null }) {
  const names = tokenNames(doc.tokens); // "the@5": a repeated token with its position, as in the text
  const queries = doc.query_indices.map((i) => names[i]);
  const keys = tokenNames(doc.key_tokens);
  const longest = Math.max(...queries.map((t) => t.length), ...keys.map((t) => t.length), 1);
  const labelWidth = Math.min(24 + 8 * longest, 150);
  const gap = 170;
  const step = 24;
  const top = 24;
  const width = 2 * labelWidth + gap;
  const height = top + step * Math.max(queries.length, keys.length) + 6;
  const root = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, width, class: "sa-head-lines", role: "group" });
  root.style.maxWidth = `${width}px`;
  root.append(svgElement("text", { x: labelWidth - 8, y: 10, class: "column-title end" }, label("query")));
  root.append(svgElement("text", { x: labelWidth + gap + 8, y: 10, class: "column-title" }, label("key")));
  const weights = doc.weights[row] || [];
  const lines = svgElement("g", { class: "lines" });
  keys.forEach((key, j) => {
    const w = weights[j];
    const number = typeof w === "number" ? w : 0;
    const y1 = top + step * row + step / 2;
    const y2 = top + step * j + step / 2;
    const line = svgElement("line", {
      x1: labelWidth, y1, x2: labelWidth + gap, y2,
      "stroke-width": (0.5 + 11 * number).toFixed(2),
      "stroke-opacity": (0.15 + 0.85 * number).toFixed(3),
      class: "line",
      "data-key": j,
      "data-weight": fmt(w),
    });
    line.append(svgElement("title", {}, `${queries[row]} → ${key}: ${fmt(w)}`));
    lines.append(line);
  });
  root.append(lines);
  queries.forEach((token, r) => {
    const y = top + step * r;
    const g = svgElement("g", {
      class: "query" + (r === row ? " current" : ""),
      "data-r": r,
      "data-c": 0,
      tabindex: r === row ? 0 : -1,
      role: "button",
      "aria-pressed": String(r === row),
      "aria-label": `${label("query")} ${token}`,
    });
    g.append(svgElement("rect", { x: 0, y: y + 1, width: labelWidth - 2, height: step - 2, class: "hit" }));
    g.append(svgElement("text", { x: labelWidth - 8, y: y + step / 2, class: "token end" }, token));
    if (onPick) g.addEventListener("click", () => onPick(r));
    root.append(g);
  });
  keys.forEach((key, j) => {
    const y = top + step * j;
    const w = weights[j];
    const g = svgElement("g", { class: "key" });
    g.append(svgElement("text", { x: labelWidth + gap + 8, y: y + step / 2, class: "token" }, key));
    g.append(svgElement("title", {}, `${key}: ${fmt(w)}`));
    root.append(g);
  });
  if (onPick) roving(root, queries.length, 1, (r) => onPick(r));
  return root;
}

// -- numbers -------------------------------------------------------------------------------------

/** A matrix as a table: one row per token, one column per feature (numbers as fmt shows them). */
export function matrixTable(matrix, rowLabels, columnLabels, caption, precision = 4) {
  const scroll = html("div", { class: "sa-matrix-scroll", tabindex: 0, role: "region", "aria-label": caption });
  const table = html("table", { class: "sa-matrix" });
  table.append(html("caption", {}, caption));
  const head = html("thead");
  const tr = html("tr");
  tr.append(html("th", { scope: "col" }, ""));
  for (const name of columnLabels) tr.append(html("th", { scope: "col" }, name));
  head.append(tr);
  table.append(head);
  const body = html("tbody");
  matrix.forEach((values, i) => {
    const row = html("tr");
    row.append(html("th", { scope: "row" }, rowLabels[i] ?? String(i)));
    for (const value of values) {
      const td = html("td", {}, fmt(value, precision));
      if (typeof value === "number") td.style.background = shade(Math.abs(value) / 4);
      row.append(td);
    }
    body.append(row);
  });
  table.append(body);
  scroll.append(table);
  return scroll;
}

export function fillLabel(template, values) {
  return fill(template, values);
}
