// The heatmap: the weights as an SVG grid drawn from the trace. Rows are the traced queries,
// columns the keys; a click or Enter picks a query (or, in block mode, blocks a key). The
// grid keeps one focusable cell (a roving tabindex) and moves it with the arrow keys.

import { PRECISION, fmt, fmtCell, tokenNames } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
let ctx = null; // {state, label, select, toggleBlock}

export function setUp(context) {
  ctx = context;
}

function svg(name, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

function cellText(weight, keys) {
  return fmtCell(weight, keys <= 8 ? PRECISION : 2); // too small for the cell: "≈0", the steps show it
}

export function drawHeatmap() {
  const trace = ctx.state.result.trace;
  const rows = trace.steps;
  const keys = tokenNames(trace.key_tokens); // "the@5": a repeated token with its position, as in the text
  const queries = tokenNames(trace.tokens);
  // the focused cell stays inside the grid when it shrinks, so Tab can always reach it
  ctx.state.focus = [Math.min(ctx.state.focus[0], rows.length - 1), Math.min(ctx.state.focus[1], keys.length - 1)];
  const longest = Math.max(...queries.map((t) => t.length), ...keys.map((t) => t.length), 1);
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
    class: ctx.state.blockMode ? "block-mode" : "",
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
    const name = queries[step.index];
    const row = svg("g", {
      role: "row",
      "aria-rowindex": r + 2,
      "aria-selected": String(r === ctx.state.selected),
      class: r === ctx.state.selected ? "row selected" : "row",
      "data-token": step.token,
    });
    const header = svg("g", { role: "rowheader", "aria-colindex": 1, class: "row-header" });
    header.append(svg("rect", { x: 0, y, width: labelWidth - 4, height: size, class: "row-hit" }));
    header.append(svg("text", { x: labelWidth - 10, y: y + size / 2, class: "query-label" }, name));
    header.addEventListener("click", () => ctx.select(r));
    row.append(header);
    keys.forEach((key, j) => {
      const weight = step.weights[j];
      const blocked = step.mask[j] === "-inf";
      const [fr, fc] = ctx.state.focus;
      const g = svg("g", {
        role: "gridcell",
        "aria-colindex": j + 2,
        tabindex: fr === r && fc === j ? 0 : -1,
        class: "cell" + (blocked ? " blocked" : ""),
        "data-row": r,
        "data-col": j,
        "aria-label": `${name} → ${key}: ${blocked ? ctx.label("page_blocked_cell") : fmt(weight)}`,
      });
      const x = labelWidth + size * j;
      g.append(svg("rect", { x: x + 1, y: y + 1, width: size - 2, height: size - 2, fill: shade(blocked ? 0 : weight) }));
      if (blocked) {
        g.append(svg("path", { d: `M${x + 6} ${y + 6}L${x + size - 6} ${y + size - 6}M${x + size - 6} ${y + 6}L${x + 6} ${y + size - 6}`, class: "cross" }));
      } else if (size >= 36) {
        g.append(svg("text", { x: x + size / 2, y: y + size / 2, class: weight > 0.55 ? "weight dark" : "weight" }, cellText(weight, keys.length)));
      }
      g.append(svg("title", {}, `${name} → ${key}: ${blocked ? ctx.label("page_blocked_cell") : fmt(weight)}`));
      g.addEventListener("click", () => {
        ctx.state.focus = [r, j];
        if (ctx.state.blockMode) ctx.toggleBlock(step.index, j);
        else ctx.select(r);
      });
      g.addEventListener("keydown", (event) => cellKey(event, r, j));
      row.append(g);
    });
    if (r === ctx.state.selected) {
      row.append(svg("rect", { x: 1, y: y + 1, width: labelWidth + size * keys.length - 2, height: size - 2, class: "row-outline" }));
    }
    root.append(row);
  });
  document.getElementById("heatmap").replaceChildren(root);
}

function shade(weight) {
  // a light-to-dark blue ramp; the colour is only a picture of the number shown beside it
  const lightness = 97 - 62 * Math.max(0, Math.min(1, weight));
  return `hsl(214 70% ${lightness}%)`;
}

function cellKey(event, r, j) {
  const rows = ctx.state.result.trace.steps.length;
  const cols = ctx.state.result.trace.key_tokens.length;
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Home: [0, -cols], End: [0, cols] };
  if (event.key in moves) {
    event.preventDefault();
    const [dr, dc] = moves[event.key];
    ctx.state.focus = [Math.max(0, Math.min(rows - 1, r + dr)), Math.max(0, Math.min(cols - 1, j + dc))];
    drawHeatmap();
    focusCell();
  } else if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    if (ctx.state.blockMode) ctx.toggleBlock(ctx.state.result.trace.steps[r].index, j);
    else ctx.select(r, true);
  }
}

export function focusCell() {
  const [r, j] = ctx.state.focus;
  const target = document.querySelector(`#heatmap [data-row="${r}"][data-col="${j}"]`);
  if (target) target.focus();
}
