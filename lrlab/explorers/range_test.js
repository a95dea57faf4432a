// Lesson 04: LR range tests re-read at other settings. Python hands over the recorded raw runs;
// the page smooths them, applies the stop rule and reads the suggestion rules off the curve with
// the same arithmetic as lrlab.finder (smooth_recorded, resmoothed, RangeTestResult.suggestion).

// JSON has no NaN or infinity: Python sends those losses as the strings "nan", "inf", "-inf".
function decodeLoss(value) {
  if (typeof value === "number") return value;
  return { nan: NaN, inf: Infinity, "-inf": -Infinity }[value] ?? NaN;
}

// finder._Smoother: a bias-corrected moving average that stops, after recording the step, at a
// non-finite loss or once it exceeds `divergenceFactor` times its best (while that best is > 0).
function smoothRecorded(raw, smoothing, divergenceFactor) {
  const smoothed = [];
  let [average, best] = [0, Infinity];
  for (const loss of raw) {
    average = smoothing * average + (1 - smoothing) * loss;
    const value = average / (1 - smoothing ** (smoothed.length + 1));
    const stop = !Number.isFinite(value) || (best > 0 && value > divergenceFactor * best);
    if (value < best) best = value; // Python's min(best, value) keeps `best` on a NaN
    smoothed.push(value);
    if (stop) break;
  }
  return smoothed;
}

// finder.resmoothed: the run cut where the stop rule fires.
function resmoothed(run, smoothing, divergenceFactor) {
  const losses = smoothRecorded(run.raw, smoothing, divergenceFactor);
  const n = losses.length;
  return { lrs: run.lrs.slice(0, n), losses, raw: run.raw.slice(0, n), stoppedEarly: n < run.lrs.length };
}

// NumPy's argmin/argmax: the first extreme, and the first NaN if there is one.
function argmin(values) {
  let best = 0;
  for (let i = 0; i < values.length; i += 1) {
    if (Number.isNaN(values[i])) return i;
    if (values[i] < values[best]) best = i;
  }
  return best;
}

function argmax(values) {
  return argmin(values.map((v) => -v));
}

// np.gradient(f, x) with edge_order=1, including its shortcut for evenly spaced x (the same
// formula, fewer roundings: it must be taken whenever NumPy takes it).
function gradient(f, x) {
  const dx = range(x.length - 1).map((i) => x[i + 1] - x[i]);
  const n = f.length;
  const out = new Array(n);
  if (dx.every((d) => d === dx[0])) {
    for (let i = 1; i < n - 1; i += 1) out[i] = (f[i + 1] - f[i - 1]) / (2 * dx[0]);
  } else {
    for (let i = 1; i < n - 1; i += 1) {
      const [dx1, dx2] = [dx[i - 1], dx[i]];
      const a = -dx2 / (dx1 * (dx1 + dx2));
      const b = (dx2 - dx1) / (dx1 * dx2);
      const c = dx1 / (dx2 * (dx1 + dx2));
      out[i] = a * f[i - 1] + b * f[i] + c * f[i + 1];
    }
  }
  out[0] = (f[1] - f[0]) / dx[0];
  out[n - 1] = (f[n - 1] - f[n - 2]) / dx[n - 2];
  return out;
}

// finder._longest_valley: (start, end) of the longest strictly decreasing subsequence; among
// equally long predecessors the latest wins, among equally long valleys the earliest.
function longestValley(losses) {
  const n = losses.length;
  const run = new Array(n).fill(1);
  const first = range(n);
  for (let i = 1; i < n; i += 1) {
    let j = -1;
    for (let k = 0; k < i; k += 1) if (losses[k] > losses[i] && (j < 0 || run[k] >= run[j])) j = k;
    if (j >= 0) [run[i], first[i]] = [run[j] + 1, first[j]];
  }
  const end = argmax(run);
  return [first[end], end];
}

// RangeTestResult.suggestion: the suggested learning rate, or null where the finder raises
// (fewer than 3 finite losses after the first 10% of the steps).
function suggestion(curve, method) {
  const { lrs, losses } = curve;
  const usable = range(losses.length).filter((i) => Number.isFinite(losses[i]) && i >= Math.floor(losses.length / 10));
  if (usable.length < 3) return null;
  const [x, y] = [usable.map((i) => lrs[i]), usable.map((i) => losses[i])];
  const bottom = argmin(y);
  let pick = bottom;
  if (method === "steepest") {
    const stop = bottom >= 2 ? bottom + 1 : y.length; // no descent: use the whole curve
    pick = argmin(gradient(y.slice(0, stop), x.slice(0, stop).map(Math.log)));
  } else if (method === "valley") {
    const [start, end] = longestValley(y);
    pick = start + Math.floor((2 * (end - start)) / 3);
  }
  return lrs[usable[pick]] / (method === "minimum/10" ? 10 : 1);
}

// RangeTestExplorer._describe: the picture in words, for a reader who cannot see it.
function describeCurve(curve, steps) {
  const { lrs, losses, stoppedEarly } = curve;
  const finite = range(losses.length).filter((i) => Number.isFinite(losses[i]));
  if (finite.length === 0) return `the first loss was not finite: the test stopped at once (step 1 of ${steps})`;
  const bottom = finite[argmin(finite.map((i) => losses[i]))];
  const start = losses[0];
  const quarter = start - 0.25 * (start - losses[bottom]); // a quarter of the fall
  const falling = range(bottom + 1).filter((i) => losses[i] <= quarter);
  const g = (v) => formatG(v, 3);
  const shape =
    `the smoothed loss starts at ${g(start)}, ` +
    (bottom > 0 && falling.length ? `falls from about lr = ${g(lrs[falling[0]])} ` : "") +
    `to its lowest, ${g(losses[bottom])}, at lr = ${g(lrs[bottom])}`;
  let end;
  if (stoppedEarly) {
    end = `then blows up: the test stopped early at step ${losses.length} of ${steps} (lr = ${g(lrs.at(-1))}, marked ×)`;
  } else if (bottom === losses.length - 1) {
    end = `the end of the range: it ran all ${steps} steps without blowing up`;
  } else {
    end = `then ends at ${g(losses.at(-1))}: it ran all ${steps} steps without blowing up`;
  }
  return `${shape}, ${end}`;
}

// The verdict after the description: the chosen rule's suggestion and the others'.
function verdict(suggestions, method, methods) {
  if (suggestions[method] === null) return "too few finite losses to suggest a learning rate";
  const others = methods.filter((m) => m !== method).map((m) => `${m} ${formatG(suggestions[m], 3)}`);
  return `the ${method} rule suggests <b>lr = ${formatG(suggestions[method], 3)}</b> (dashed line; other rules: ${others.join(", ")})`;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// A slider over a few fixed values (ipywidgets' SelectionSlider): it moves an index, says the value.
function selectionSlider(model, name, { label, options }) {
  const id = `lrlab-control-${++controlCount}`;
  const input = element("input", { type: "range", id, min: 0, max: options.length - 1, step: 1 });
  const readout = element("output", { for: id });
  const show = () => {
    const value = model.get(name);
    input.value = options.indexOf(value);
    readout.textContent = String(value);
    input.setAttribute("aria-valuetext", `${label} ${value}`);
  };
  input.addEventListener("input", () => {
    model.set(name, options[Number(input.value)]);
    model.save_changes();
  });
  model.on(`change:${name}`, show);
  show();
  return element("span", { class: "lrlab-control" }, element("label", { for: id }, label), input, readout);
}

const RAW_COLOUR = "#56B4E9";
const SMOOTH_COLOUR = "#0072B2";
const STOP_COLOUR = "#D55E00";
const PICK_COLOUR = "#404040";

function render({ model, el }) {
  const runs = model.get("runs").map((run) => ({ ...run, raw: run.raw_losses.map(decodeLoss) }));
  const methods = model.get("methods");
  const divergenceFactor = model.get("divergence_factor");
  const key = (low, high, steps) => JSON.stringify([low, high, steps]);
  const byKey = new Map(runs.map((run) => [key(run.low, run.high, run.steps), run]));
  const ranges = [...new Map(runs.map((run) => [key(run.low, run.high), [run.low, run.high]])).values()];
  const counts = [...new Set(runs.map((run) => run.steps))].sort((a, b) => a - b);

  const view = frame(
    el,
    [
      dropdown(model, "lr_range", { label: "LR range", options: ranges.map(([low, high]) => [`${formatG(low)} → ${formatG(high)}`, [low, high]]) }),
      selectionSlider(model, "steps", { label: "steps", options: counts }),
      slider(model, "smoothing", { label: "smoothing ρ", min: 0, max: 0.99, step: 0.01, format: (v) => formatF(v, 2) }),
      choice(model, "method", { label: "rule", options: methods.map((m) => [m, m]) }),
    ],
    {
      width: 720,
      height: 330,
      label: "LR range test: the training loss against the learning rate, raw and smoothed, where the test stops and the suggested learning rate",
    },
  );
  // The axes fit every run, so switching runs does not move them; the top is 1.5 times the
  // median first loss (NumPy's nanmedian: a run whose first loss is NaN is left out).
  const first = median(runs.map((run) => run.raw[0]).filter((v) => !Number.isNaN(v)));
  const lowLoss = Math.min(...runs.flatMap((run) => run.raw.filter(Number.isFinite)));
  const xlim = [Math.min(...ranges.map((r) => r[0])) / 1.5, Math.max(...ranges.map((r) => r[1])) * 1.5];
  const ylim = [Math.max(lowLoss - 0.1 * first, 0), 1.5 * first];
  const ax = axes(view.svg, {
    box: [62, 28, 640, 248],
    xlim,
    ylim,
    xlog: true,
    xlabel: "learning rate (log scale)",
    ylabel: "training loss",
    title: "LR range test: loss as the learning rate grows",
  });
  const rawDots = ax.line({ colour: RAW_COLOUR, dots: 2, connect: false, opacity: 0.6 });
  const smoothLine = ax.line({ colour: SMOOTH_COLOUR, width: 2 });
  const pickLine = ax.line({ colour: PICK_COLOUR, dash: "6 4" });
  const stopMark = svgNode(ax.g, "path", { stroke: STOP_COLOUR, "stroke-width": 2.5, fill: "none" });
  legend(
    view.svg,
    74,
    214,
    [
      ["raw batch loss", RAW_COLOUR, "dots"],
      ["smoothed loss", SMOOTH_COLOUR, "line"],
      ["where the test stops", STOP_COLOUR, "cross"],
      ["suggestion", PICK_COLOUR, "dash"],
    ],
    { card: true },
  );
  const clip = (values) => values.map((v) => Math.min(Math.max(v, 0), 1e6)); // np.clip(v, 0, 1e6)

  redrawOn(model, ["lr_range", "steps", "smoothing", "method"], () => {
    const [[low, high], steps] = [model.get("lr_range"), model.get("steps")];
    const [smoothing, method] = [model.get("smoothing"), model.get("method")];
    const curve = resmoothed(byKey.get(key(low, high, steps)), smoothing, divergenceFactor);
    const { lrs, losses, stoppedEarly } = curve;
    rawDots.set(lrs, clip(curve.raw));
    smoothLine.set(lrs, clip(losses));
    // The loss that stops the test is above 4x its best, far above the top of the axes: the mark
    // is drawn at the stopping LR, just inside the top edge, so it is seen.
    const stopY = stoppedEarly ? Math.min(Number.isFinite(losses.at(-1)) ? losses.at(-1) : ylim[1], 0.95 * ylim[1]) : null;
    stopMark.setAttribute("d", stoppedEarly ? crossPath(ax.sx(lrs.at(-1)), ax.sy(stopY), 5) : "");
    const suggestions = Object.fromEntries(methods.map((m) => [m, suggestion(curve, m)]));
    const suggested = suggestions[method];
    pickLine.show(suggested !== null);
    if (suggested !== null) pickLine.set([suggested, suggested], ylim);
    const decades = Math.log10(high / low);
    view.setStatus(
      `${steps} steps over ${formatF(decades, 0)} decades (${formatF(steps / decades, 0)} per decade), ` +
        `smoothing ρ = ${formatF(smoothing, 2)}: ${describeCurve(curve, steps)}; ${verdict(suggestions, method, methods)}.`,
    );
    view.observe({
      lr_range: [low, high],
      steps,
      smoothing,
      method,
      lrs,
      raw: clip(curve.raw),
      smoothed: losses,
      stopped_early: stoppedEarly,
      stop_index: stoppedEarly ? lrs.length - 1 : null,
      stop_lr: stoppedEarly ? lrs.at(-1) : null,
      stop_y: stopY,
      suggestions,
      suggested,
      xlim,
      ylim,
    });
  });
}

export default { render };
