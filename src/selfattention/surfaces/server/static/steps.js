// The four steps for the picked query, every number from the trace and every heading from
// the explanation: dot products (terms, products, sum), scaling, the mask, softmax
// (exponentials, their sum, the weights), the weighted values and the output.

import { fmt, fmtVector, tokenNames } from "./format.js";

// a dot product with more terms shows its largest ones (as the text renderer does)
const MAX_TERMS = 8;
const $ = (id) => document.getElementById(id);

// a factor of a product: a negative one in parentheses, as Python's fmt_factor writes it
function factor(x) {
  const text = fmt(x);
  return text.startsWith("-") ? `(${text})` : text;
}

function equation(...parts) {
  // one line of a step: "q0·k0 (Acting) = 16×1 + 0×0 + 1×1 = 16 + 0 + 1 = 17", result in bold
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

export function drawSteps(state, label) {
  const { trace, explanation } = state.result;
  const step = trace.steps[state.selected];
  const words = explanation.queries.find((q) => q.index === step.index);
  const n = step.index; // positions count from 0, as the flags, the JSON and the text: q0 is the first query
  const keys = tokenNames(trace.key_tokens); // "the@5": a repeated token with its position
  const all = keys.map((_, j) => j);
  $("query-heading").textContent = words.heading;

  const items = [];
  items.push(stepItem(words.steps.dot_products, all.map((j) => {
    const name = `q${n}·k${j} (${keys[j]})`;
    const dims = step.query.map((_, e) => e);
    const line = (shown, more) => {
      const terms = shown.map((e) => `${factor(step.query[e])}×${factor(trace.key[j][e])}`).join(" + ") + more;
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
    equation(`${factor(step.dot_products[j])} × ${fmt(trace.scale)}`, "=", fmt(step.scaled_scores[j]))), "scale"));
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
