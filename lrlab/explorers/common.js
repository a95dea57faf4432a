// What every explorer shares: number formats as Python prints them, controls with accessible names,
// and SVG axes. lrlab.widgets puts this file in front of each explorer's own module, so it has no
// imports or exports of its own.

const SVG_NS = "http://www.w3.org/2000/svg";
const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"]; // Okabe-Ito

// ---- numbers as Python's format() prints them ---------------------------------------------------

// Python's "{:.{digits}g}": `digits` significant digits, trailing zeros dropped, scientific
// notation below 1e-4 or from 10**digits on, with an exponent of at least two digits; but an exact
// tie rounded as JavaScript does (away from zero). formatG, below, is Python's text for ties too.
function roundedG(value, digits = 6) {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const exponent = Number(value.toExponential(digits - 1).split("e")[1]);
  if (exponent < -4 || exponent >= digits) {
    const [mantissa, power] = value.toExponential(digits - 1).split("e");
    const sign = power.startsWith("-") ? "-" : "+";
    return `${stripZeros(mantissa)}e${sign}${power.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  return stripZeros(value.toFixed(Math.max(digits - 1 - exponent, 0)));
}

function stripZeros(text) {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

// Python's "{:.{decimals}f}" and "{:+.{decimals}f}", ties rounded as JavaScript does (see formatF).
function roundedF(value, decimals, plus = false) {
  if (!Number.isFinite(value)) return roundedG(value);
  const text = value.toFixed(decimals);
  return plus && value >= 0 ? `+${text}` : text;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

// ---- controls -------------------------------------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

let controlCount = 0;
const CONTROL_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown", " ", "Enter"]);

// A slider on a model's trait: its label is its accessible name, `aria-valuetext` says the value in
// the units a student reads, and it writes the model as it moves (no kernel needed to redraw).
function slider(model, name, { label, min, max, step, format = formatG, log = false }) {
  const id = `lrlab-control-${++controlCount}`;
  const toInput = (value) => (log ? Math.log10(value) : value);
  const fromInput = (value) => (log ? 10 ** value : value);
  const input = element("input", { type: "range", id, min: toInput(min), max: toInput(max), step });
  const readout = element("output", { for: id });
  const show = () => {
    const value = model.get(name);
    input.value = toInput(value);
    readout.textContent = format(value);
    input.setAttribute("aria-valuetext", `${label} ${format(value)}`);
  };
  input.addEventListener("input", () => {
    model.set(name, fromInput(Number(input.value)));
    model.save_changes();
  });
  model.on(`change:${name}`, show);
  show();
  return element("span", { class: "lrlab-control" }, element("label", { for: id }, label), input, readout);
}

// A learning-rate slider on a log scale. One arrow key press is one `step` of the exponent: about
// 1/`stepsPerDecade` of a decade (x1.12 a press), fitted so that the starting value is on the grid.
function lrSlider(model, name, { label = "learning rate", min, max, stepsPerDecade = 20 }) {
  const value = Math.min(Math.max(model.get(name), min), max);
  const [low, start] = [Math.log10(min), Math.log10(value)];
  const presses = Math.round((start - low) * stepsPerDecade);
  const step = presses ? (start - low) / presses : 1 / stepsPerDecade;
  return slider(model, name, { label, min, max, step, log: true, format: (v) => formatG(v, 3) });
}

// Toggle buttons (one choice of a few) on a model's trait: a radio group for assistive technology.
function choice(model, name, { label, options }) {
  const group = element("span", { class: "lrlab-control lrlab-choice", role: "radiogroup", "aria-label": label });
  group.append(element("span", { class: "lrlab-label" }, label));
  const buttons = options.map(([text, value]) => {
    const button = element("button", { type: "button", role: "radio" }, text);
    button.addEventListener("click", () => {
      model.set(name, value);
      model.save_changes();
    });
    group.append(button);
    return [button, value];
  });
  const show = () => {
    for (const [button, value] of buttons) button.setAttribute("aria-checked", String(value === model.get(name)));
  };
  model.on(`change:${name}`, show);
  show();
  return group;
}

// A drop-down on a model's trait; `options` are [text, value] pairs (values compared as JSON).
function dropdown(model, name, { label, options }) {
  const id = `lrlab-control-${++controlCount}`;
  const select = element("select", { id });
  options.forEach(([text], i) => select.append(element("option", { value: i }, text)));
  const show = () => {
    select.value = options.findIndex(([, value]) => JSON.stringify(value) === JSON.stringify(model.get(name)));
  };
  select.addEventListener("change", () => {
    model.set(name, options[Number(select.value)][1]);
    model.save_changes();
  });
  model.on(`change:${name}`, show);
  show();
  return element("span", { class: "lrlab-control" }, element("label", { for: id }, label), select);
}

// The explorer's frame: a row of controls, the picture, and a status line that says in words what
// the picture shows. `observe(values)` exposes the numbers drawn, for the browser tests.
function frame(el, controls, { width, height, label }) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const status = element("div", { class: "lrlab-status", "aria-live": "polite" });
  // JupyterLab's command-mode shortcuts (arrows select cells, A, B, D D...) match any focused element
  // that is not a text field: the keys a control itself uses stop at it, so an arrow moves the
  // focused slider; the others (Escape, Ctrl+S) still reach the notebook.
  const row = element("div", { class: "lrlab-controls" }, ...controls);
  row.addEventListener("keydown", (event) => {
    if (!event.ctrlKey && !event.metaKey && !event.altKey && CONTROL_KEYS.has(event.key)) event.stopPropagation();
  });
  const root = element("div", { class: "lrlab-explorer" }, row, svg, status);
  el.replaceChildren(root);
  return {
    svg,
    setStatus: (html) => (status.innerHTML = html),
    observe: (values) => (root.dataset.observed = JSON.stringify(values)),
  };
}

// Redraw at once on every change of these traits (a redraw takes well under a millisecond).
function redrawOn(model, names, draw) {
  for (const name of names) model.on(`change:${name}`, draw);
  draw();
}

// ---- SVG axes -------------------------------------------------------------------------------------

function svgNode(parent, tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  parent.append(node);
  return node;
}

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

function niceTicks(low, high, count = 6) {
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks.map((t) => [t, formatG(Number(t.toPrecision(12)))]);
}

function logTicks(low, high) {
  const ticks = [];
  const every = Math.max(1, Math.ceil((Math.log10(high) - Math.log10(low)) / 8));
  for (let k = Math.ceil(Math.log10(low)); k <= Math.floor(Math.log10(high)); k += 1) {
    if (k % every === 0) ticks.push([10 ** k, `10${String(k).replace(/./g, (c) => SUPERSCRIPT[c])}`]);
  }
  return ticks;
}

// Axes in the box [x, y, width, height] of `svg`: scales, ticks, labels, a title, a clip path, and
// `line()` to add a polyline (with dots at its points if `dots`) that `set(xs, ys)` moves.
function axes(svg, { box, xlim, ylim, xlog = false, ylog = false, xlabel, ylabel, title }) {
  const [left, top, width, height] = box;
  const scale = (lim, log, from, to) => {
    const [a, b] = log ? lim.map(Math.log10) : lim;
    return (v) => from + ((log ? Math.log10(v) : v) - a) / (b - a) * (to - from);
  };
  const sx = scale(xlim, xlog, left, left + width);
  const sy = scale(ylim, ylog, top + height, top);
  const g = svgNode(svg, "g", { class: "lrlab-axes" });
  const clipId = `lrlab-clip-${++controlCount}`;
  svgNode(svgNode(g, "clipPath", { id: clipId }), "rect", { x: left, y: top, width, height });
  svgNode(g, "rect", { x: left, y: top, width, height, fill: "none", stroke: "#444" });
  for (const [value, text] of xlog ? logTicks(...xlim) : niceTicks(...xlim)) {
    const x = sx(value);
    svgNode(g, "line", { x1: x, x2: x, y1: top + height, y2: top + height + 4, stroke: "#444" });
    svgNode(g, "text", { x, y: top + height + 16, "text-anchor": "middle" }).textContent = text;
  }
  for (const [value, text] of ylog ? logTicks(...ylim) : niceTicks(...ylim)) {
    const y = sy(value);
    svgNode(g, "line", { x1: left - 4, x2: left, y1: y, y2: y, stroke: "#444" });
    svgNode(g, "text", { x: left - 6, y: y + 4, "text-anchor": "end" }).textContent = text;
  }
  if (ylog && Math.log10(ylim[1] / ylim[0]) <= 2) {
    // Two decades or less hold one or two powers of ten: label 2 and 5 times them too, as
    // decimals ("0.05", narrower than 5×10⁻², so they stay clear of the axis label).
    for (let k = Math.floor(Math.log10(ylim[0])); k <= Math.ceil(Math.log10(ylim[1])); k += 1) {
      for (const value of [2 * 10 ** k, 5 * 10 ** k].filter((v) => v >= ylim[0] && v <= ylim[1])) {
        const y = sy(value);
        svgNode(g, "line", { x1: left - 3, x2: left, y1: y, y2: y, stroke: "#444" });
        svgNode(g, "text", { x: left - 6, y: y + 4, "text-anchor": "end" }).textContent = formatG(value, 3);
      }
    }
  }
  svgNode(g, "text", { x: left + width / 2, y: top + height + 34, "text-anchor": "middle" }).textContent = xlabel;
  svgNode(g, "text", {
    x: 0,
    y: 0,
    "text-anchor": "middle",
    transform: `translate(${left - 46} ${top + height / 2}) rotate(-90)`,
  }).textContent = ylabel;
  svgNode(g, "text", { x: left + width / 2, y: top - 8, "text-anchor": "middle", class: "lrlab-title" }).textContent = title;
  const plotArea = svgNode(g, "g", { "clip-path": `url(#${clipId})` });
  // Far outside the box is drawn at its edge (SVG cannot draw at infinity).
  const clampX = (v) => Math.min(Math.max(v, left - 1e4), left + width + 1e4);
  const clampY = (v) => Math.min(Math.max(v, top - 1e4), top + height + 1e4);
  const px = (v) => clampX(Number.isFinite(sx(v)) ? sx(v) : sx(xlog ? xlim[0] / 10 : xlim[0] - 1e9));
  const py = (v) => (Number.isNaN(v) ? NaN : clampY(Number.isFinite(sy(v)) ? sy(v) : v > 0 ? top - 1e4 : top + height + 1e4));
  return {
    sx,
    sy,
    g: plotArea,
    line({ colour = COLOURS[0], width: strokeWidth = 1.5, dash = null, dots = 0, opacity = 1, connect = true } = {}) {
      const path = svgNode(plotArea, "path", {
        fill: "none",
        stroke: connect ? colour : "none",
        "stroke-width": strokeWidth,
        opacity,
        ...(dash ? { "stroke-dasharray": dash } : {}),
      });
      const marks = svgNode(plotArea, "path", { fill: colour, stroke: "none", opacity });
      return {
        set(xs, ys) {
          const points = xs.map((x, i) => [px(x), py(ys[i])]).filter(([x, y]) => !Number.isNaN(x) && !Number.isNaN(y));
          path.setAttribute("d", points.length ? `M${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join("L")}` : "");
          marks.setAttribute(
            "d",
            dots ? points.map(([x, y]) => `M${(x - dots).toFixed(1)},${y.toFixed(1)}a${dots},${dots} 0 1,0 ${2 * dots},0a${dots},${dots} 0 1,0 ${-2 * dots},0`).join("") : "",
          );
        },
        show(visible) {
          path.style.display = marks.style.display = visible ? "" : "none";
        },
        colour(value) {
          path.setAttribute("stroke", connect ? value : "none");
          marks.setAttribute("fill", value);
        },
      };
    },
  };
}

// An × of half-width r at (x, y), as an SVG path.
function crossPath(x, y, r) {
  return `M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}`;
}

// A legend: [[text, colour, mark]] in a column from (x, y), or in one row; each entry's mark is
// how its data is drawn: "line" (the default), "dash", "dots" (points alone), "line-dots" (points
// on a line) or "cross". `card`: on a white card, for a legend drawn over a panel.
function legend(svg, x, y, entries, { row = false, card = false } = {}) {
  const g = svgNode(svg, "g", { class: "lrlab-legend" });
  const back = card ? svgNode(g, "rect", { x: x - 6, y: y - 10, fill: "white", opacity: 0.85, stroke: "#ccc" }) : null;
  // Text is not measured (the SVG may not be on the page yet): 7 px a character is ample at 12 px.
  const widths = entries.map(([text]) => 26 + 7 * text.length);
  let [left, top] = [x, y];
  entries.forEach(([text, colour, mark = "line"], i) => {
    const line = { x1: left, x2: left + 20, y1: top, y2: top, stroke: colour, "stroke-width": 2 };
    if (mark === "line" || mark === "line-dots") svgNode(g, "line", line);
    if (mark === "dash") svgNode(g, "line", { ...line, "stroke-dasharray": "6 4" });
    if (mark === "dots") for (const dx of [4, 10, 16]) svgNode(g, "circle", { cx: left + dx, cy: top, r: 2.5, fill: colour });
    if (mark === "line-dots") svgNode(g, "circle", { cx: left + 10, cy: top, r: 3, fill: colour });
    if (mark === "cross") svgNode(g, "path", { d: crossPath(left + 10, top, 4.5), stroke: colour, "stroke-width": 2 });
    svgNode(g, "text", { x: left + 26, y: top + 4 }).textContent = text;
    if (row) left += widths[i] + 16;
    else top += 16;
  });
  if (back) {
    back.setAttribute("width", (row ? left - x - 16 : Math.max(...widths)) + 12);
    back.setAttribute("height", row ? 20 : 16 * entries.length + 4);
  }
  return g;
}

// ---- Python's rounding of exact ties -------------------------------------------------------------

// toFixed and toExponential round a number exactly halfway (10.25 to 3 digits, 2.5 to 0 decimals)
// away from zero; Python's format() rounds it to the even digit ("10.2", "2"). formatG and formatF
// are Python's "g" and "f" formats, ties included: the explorers' words are Python's, digit for digit.
function formatG(value, digits = 6) {
  if (!Number.isFinite(value) || value === 0) return roundedG(value, digits);
  const decimals = digits - 1 - Number(value.toExponential().split("e")[1]);
  const kept = tieKeptTowardZero(value, decimals);
  // `kept` has `digits` significant digits, which the nearest double gives back exactly.
  return roundedG(kept === null ? value : Math.sign(value) * Number(`${kept}e${-decimals}`), digits);
}

function formatF(value, decimals, plus = false) {
  const kept = Number.isFinite(value) ? tieKeptTowardZero(value, decimals) : null;
  if (kept === null) return roundedF(value, decimals, plus);
  const text = kept.toString().padStart(decimals + 1, "0");
  const sign = value < 0 ? "-" : plus ? "+" : "";
  return sign + (decimals ? `${text.slice(0, -decimals)}.${text.slice(-decimals)}` : text);
}

// Where `value` is exactly halfway between two numbers of `decimals` decimals (negative: tens,
// hundreds) and Python keeps the one nearer zero (it ends in an even digit): that one's digits, as
// a BigInt count of 10^-decimals. Otherwise null. Exact: the double is read as mantissa·2^power.
function tieKeptTowardZero(value, decimals) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const [mantissa, power] = biased === 0 ? [fraction, -1074] : [fraction | (1n << 52n), biased - 1075];
  const shift = decimals + 1; // |value|·10^shift = mantissa·2^power·10^shift: a tie if it is ...5
  if (value === 0 || -power > shift + 53) return null; // too many binary places to be a tie
  let [num, den] = [mantissa, 1n];
  if (power >= 0) num <<= BigInt(power);
  else den <<= BigInt(-power);
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  if (num % den !== 0n) return null;
  const scaled = num / den;
  return scaled % 10n === 5n && (scaled / 10n) % 2n === 0n ? scaled / 10n : null;
}
