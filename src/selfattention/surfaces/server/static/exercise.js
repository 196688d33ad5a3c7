// The exercise tab: draw an exercise (POST /api/exercise), type answers into the grid, check
// them (POST /api/check) and read the diagnosis. Like the rest of the page it does no maths
// and has no prose of its own: numbers and words come from the server, in the page's language.
import { postJSON } from "./api.js";

(function () {
  const STEPS = ["dot_products", "scaled_scores", "weights", "output"];
  const state = { doc: null, checked: false };
  const $ = (id) => document.getElementById(id);

  function lang() {
    return ($("lang") && $("lang").value) || document.documentElement.lang || "en";
  }

  async function post(url, payload) {
    return (await postJSON(url, payload)).json();
  }

  function showTab(name) {
    const exercise = name === "exercise";
    $("tab-explore").setAttribute("aria-selected", String(!exercise));
    $("tab-exercise").setAttribute("aria-selected", String(exercise));
    for (const element of document.querySelectorAll("main > .column, #steps-section")) element.hidden = exercise;
    $("exercise-section").hidden = !exercise;
    if (exercise && !state.doc) newExercise();
  }

  function settings() {
    return {
      seed: Number.parseInt($("exercise-seed").value, 10) || 0,
      tokens: Number.parseInt($("exercise-tokens").value, 10),
      dim: Number.parseInt($("exercise-dim").value, 10),
      causal: $("exercise-causal").checked,
      level: Number.parseInt($("exercise-level").value, 10),
      lang: lang(),
    };
  }

  async function newExercise(keepAnswers = false) {
    const typed = keepAnswers ? collect(true) : null;
    try {
      state.doc = await post("/api/exercise", settings());
      draw();
      if (typed) restore(typed);
      $("exercise-error").textContent = "";
      if (keepAnswers && state.checked) await check();
      else clearDiagnosis();
    } catch (error) {
      $("exercise-error").textContent = error.message;
    }
  }

  function labels() {
    return state.doc ? state.doc.labels : {};
  }

  function cell(text, className) {
    const element = document.createElement(className === "th" ? "th" : "td");
    element.textContent = text;
    return element;
  }

  function matrixRow(values) {
    return `[${values.join(", ")}]`;
  }

  function draw() {
    const { exercise, words } = state.doc;
    $("exercise-title").textContent = words.title;
    $("exercise-intro").replaceChildren(...words.intro.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
    for (const element of $("exercise-section").querySelectorAll("[data-exercise-label]")) {
      element.textContent = labels()[element.dataset.exerciseLabel] || element.dataset.exerciseLabel;
    }
    const inputs = $("exercise-inputs");
    const head = document.createElement("tr");
    head.append(cell("", "th"), cell("q", "th"), cell("k", "th"), cell("v", "th"));
    const rows = exercise.tokens.map((token, i) => {
      const row = document.createElement("tr");
      row.append(cell(`${i} "${token}"`, "th"), cell(matrixRow(exercise.query[i])), cell(matrixRow(exercise.key[i])), cell(matrixRow(exercise.value[i])));
      return row;
    });
    inputs.replaceChildren(head, ...rows);
    const grid = $("exercise-grid");
    grid.replaceChildren(...STEPS.map(drawStep));
  }

  function allowed(i, j) {
    const { exercise } = state.doc;
    return (!exercise.mask || exercise.mask[i][j]) && (!exercise.causal || j <= i);
  }

  function drawStep(step) {
    const { exercise, words } = state.doc;
    const section = document.createElement("div");
    section.className = "exercise-step";
    section.dataset.step = step;
    const heading = document.createElement("h3");
    heading.textContent = words.steps[step];
    const table = document.createElement("table");
    table.className = "exercise-table";
    const width = step === "output" ? exercise.value[0].length : exercise.tokens.length;
    const head = document.createElement("tr");
    head.append(cell("", "th"));
    for (let j = 0; j < width; j += 1) {
      head.append(cell(step === "output" ? `out[${j}]` : `k${j} "${exercise.tokens[j]}"`, "th"));
    }
    table.append(head);
    exercise.queries.forEach((i, r) => {
      const row = document.createElement("tr");
      row.append(cell(`q${i} "${exercise.tokens[i]}"`, "th"));
      for (let j = 0; j < width; j += 1) {
        const blocked = step !== "output" && !allowed(i, j);
        if (blocked && step !== "weights") {
          row.append(cell("×"));
          continue;
        }
        const input = document.createElement("input");
        input.type = "text";
        input.inputMode = "decimal";
        input.autocomplete = "off";
        input.dataset.step = step;
        input.dataset.row = String(r);
        input.dataset.col = String(j);
        input.setAttribute("aria-label", `${step} q${i} ${step === "output" ? `[${j}]` : `k${j}`}`);
        if (blocked) input.value = "0";
        const td = document.createElement("td");
        td.append(input);
        row.append(td);
      }
      table.append(row);
    });
    section.append(heading, table);
    return section;
  }

  function collect(raw = false) {
    const answers = {};
    for (const step of STEPS) {
      const inputs = [...document.querySelectorAll(`#exercise-grid input[data-step="${step}"]`)];
      if (!raw && inputs.every((input) => input.value.trim() === "" || (input.value === "0" && isBlockedWeight(input)))) continue;
      const rows = state.doc.exercise.queries.map(() => []);
      const width = step === "output" ? state.doc.exercise.value[0].length : state.doc.exercise.tokens.length;
      for (const row of rows) for (let j = 0; j < width; j += 1) row.push(null);
      for (const input of inputs) rows[Number(input.dataset.row)][Number(input.dataset.col)] = input.value.trim().replace(",", ".");
      answers[step] = rows;
    }
    return answers;
  }

  function isBlockedWeight(input) {
    const i = state.doc.exercise.queries[Number(input.dataset.row)];
    return input.dataset.step === "weights" && !allowed(i, Number(input.dataset.col));
  }

  function restore(answers) {
    for (const input of document.querySelectorAll("#exercise-grid input")) {
      const rows = answers[input.dataset.step];
      const value = rows && rows[Number(input.dataset.row)][Number(input.dataset.col)];
      if (value !== null && value !== undefined) input.value = value;
    }
  }

  function clearDiagnosis() {
    state.checked = false;
    $("exercise-diagnosis").hidden = true;
    for (const input of document.querySelectorAll("#exercise-grid input")) input.classList.remove("wrong", "right");
  }

  async function check() {
    const answers = collect();
    if (Object.keys(answers).length === 0) return;
    try {
      const result = await post("/api/check", { exercise: state.doc.exercise, answers, lang: lang() });
      state.checked = true;
      $("exercise-error").textContent = "";
      for (const input of document.querySelectorAll("#exercise-grid input")) input.classList.remove("wrong", "right");
      for (const step of result.steps) {
        const wrong = new Set(step.wrong.map((w) => `${state.doc.exercise.queries.indexOf(w.query)},${w.entry}`));
        for (const input of document.querySelectorAll(`#exercise-grid input[data-step="${step.name}"]`)) {
          input.classList.add(wrong.has(`${input.dataset.row},${input.dataset.col}`) ? "wrong" : "right");
        }
      }
      $("exercise-diagnosis").hidden = false;
      $("exercise-verdict").textContent = result.correct ? labels().check_right : labels().check_wrong;
      $("exercise-verdict").className = result.correct ? "verdict right" : "verdict wrong";
      $("exercise-explanation").textContent = result.explanation;
      $("exercise-diagnosis").dataset.mistake = result.mistake || "";
      $("exercise-diagnosis").dataset.firstWrong = result.first_wrong || "";
    } catch (error) {
      $("exercise-error").textContent = error.message;
    }
  }

  function showAnswers() {
    const answers = state.doc.answers;
    for (const input of document.querySelectorAll("#exercise-grid input")) {
      const value = answers[input.dataset.step][Number(input.dataset.row)][Number(input.dataset.col)];
      input.value = value === null ? "" : String(Number(value.toFixed(4)));
    }
  }

  function wire() {
    $("tab-explore").addEventListener("click", () => showTab("explore"));
    $("tab-exercise").addEventListener("click", () => showTab("exercise"));
    $("exercise-form").addEventListener("submit", (event) => {
      event.preventDefault();
      newExercise();
    });
    $("exercise-check").addEventListener("click", check);
    $("exercise-show").addEventListener("click", showAnswers);
    // the page's language changed: the same exercise (same seed) in the new words
    $("lang").addEventListener("change", () => {
      if (state.doc) newExercise(true);
    });
  }

  window.selfattentionExercise = { state };
  document.addEventListener("DOMContentLoaded", wire);
})();
