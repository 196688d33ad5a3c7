// Numbers as the library shows them (selfattention.display.fmt): display only, the trace
// keeps full precision. Kept equal to Python's formatting by the browser tests.

export const PRECISION = 4;

// rounded to `p` places, trailing zeros dropped, ties to even (as Python's format does),
// scientific notation for a non-zero number too small for `p` places or of LARGE or more
const LARGE = 2 ** 53; // display.LARGE
export function fmt(x, p = PRECISION) {
  if (typeof x === "string") return x; // "inf", "-inf", "nan" in trace documents
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return "0";
  if (Math.abs(x) < 0.5 * Math.pow(10, -p) || Math.abs(x) >= LARGE) {
    let [mantissa, exponent] = x.toExponential(Math.max(p - 2, 0)).split("e");
    if (mantissa.includes(".")) mantissa = mantissa.replace(/0+$/, "").replace(/\.$/, "");
    const sign = exponent[0] === "-" ? "-" : "+";
    const digits = exponent.replace(/^[-+]/, "").padStart(2, "0");
    return `${mantissa}e${sign}${digits}`;
  }
  let text = roundHalfEven(x, p);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
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

// a number in a heatmap's cell (numbers.fmt_cell): never scientific notation; a non-zero
// number too small for `p` places is "≈0" (the steps show its value), exactly 0 stays "0"
export function fmtCell(x, p = PRECISION) {
  if (typeof x === "number" && Number.isFinite(x) && x !== 0 && Math.abs(x) < 0.5 * Math.pow(10, -p)) return "≈0";
  if (typeof x === "number" && Number.isFinite(x) && Math.abs(x) >= LARGE) return BigInt(x).toString(); // whole, as Python's f"{x:.0f}"
  return fmt(x, p);
}

// tokens as people read them (record.labels.distinct): a repeated token with its position
// ("the@0", "the@3"), a unique one as it is
export function tokenNames(tokens) {
  const count = new Map();
  for (const t of tokens) count.set(t, (count.get(t) || 0) + 1);
  return tokens.map((t, i) => (count.get(t) > 1 ? `${t}@${i}` : t));
}

export function fmtVector(values, p = PRECISION) {
  return "[" + values.map((v) => fmt(v, p)).join(", ") + "]";
}
