// Lesson 10: the norm of a normalized layer and its effective learning rate α/|w|² under SGD with
// weight decay. The same recursion as lrlab.scale.norm_trajectory and the same closed form as
// lrlab.scale.equilibrium_norm, in the same order of operations, so the page draws the very
// float64 numbers NumPy computes.

const NO_DECAY = "#999999";
const EQUILIBRIUM = "#000000";

// |w_t|, t = 0..steps: s <- rho·rho·s + lr·lr·G·G / s on the squared norm s (Pythagoras: the
// gradient, of size G/|w|, is orthogonal to w), rho = 1 − lr·wd.
function normTrajectory(steps, lr, wd, g, startNorm) {
  const rho = 1 - lr * wd;
  const squared = [startNorm * startNorm];
  for (let t = 0; t < steps; t += 1) {
    const s = squared[t];
    squared.push(rho * rho * s + (lr * lr * g * g) / s);
  }
  return squared.map(Math.sqrt);
}

// Where the recursion stands still: s² (1 − rho²) = lr² G², with 1 − rho² = lr·wd (2 − lr·wd).
function equilibriumNorm(lr, wd, g) {
  return Math.sqrt((lr * g) / Math.sqrt(lr * wd * (2 - lr * wd)));
}

// The first step from which every later one is within `tolerance` of `target` (relative);
// values.length if the last one is not.
function settlingStep(values, target, tolerance = 0.01) {
  let t = values.length;
  while (t > 0 && Math.abs(values[t - 1] / target - 1) <= tolerance) t -= 1;
  return t;
}

// Steps for the gap to the equilibrium to halve, near it: each step multiplies it by
// 2·rho² − 1 (the recursion's slope there), about 1 − 4·lr·wd; negative (the gap alternates in
// sign) once lr·wd > 1 − 1/√2.
function halvingSteps(lr, wd) {
  const rho = 1 - lr * wd;
  return Math.log(2) / -Math.log(Math.abs(2 * rho * rho - 1));
}

function equilibriumStatus({ lr, wd, settled, effective, target, norm, halving }) {
  const product = formatG(lr * wd, 3);
  const last = effective.length - 1;
  const when =
    settled === 0
      ? "within 1% of it from the start"
      : settled <= last
        ? `within 1% of it from step ${settled} on`
        : `still ${formatG(100 * Math.abs(effective[last] / target - 1), 3)}% away from it at step ${last}`;
  return (
    `α = ${formatG(lr, 3)}, λ = ${formatG(wd, 3)}, αλ = ${product}: the norm settles at ` +
    `<b>|w| = ${formatG(norm, 3)}</b> and the effective LR at <b>α/|w|² = ${formatG(target, 3)}</b>, ` +
    `${when}; near there the gap halves every ${formatG(halving, 3)} steps. ` +
    `All α and λ with αλ = ${product} settle at this effective LR; only the norm differs (it grows as the fourth root of α/λ).`
  );
}

// The extremes of both curves over the sliders' corners, with and without decay: fixed axes, so
// that moving a slider moves the curves, not the scales.
function extremes(model, steps, g, start) {
  const [lrs, wds] = [
    [model.get("lr_min"), model.get("lr_max")],
    [model.get("wd_min"), model.get("wd_max"), 0],
  ];
  const norms = [];
  const rates = [];
  for (const lr of lrs) {
    for (const wd of wds) {
      const path = normTrajectory(steps, lr, wd, g, start);
      norms.push(...path);
      rates.push(...path.map((n) => lr / (n * n)));
      if (wd > 0) norms.push(equilibriumNorm(lr, wd, g));
    }
  }
  const span = (values) => [Math.min(...values) / 1.5, Math.max(...values) * 1.5];
  return { norm: span(norms), rate: span(rates) };
}

function render({ model, el }) {
  const [g, start, steps] = [model.get("gradient_norm"), model.get("start_norm"), model.get("steps")];
  const view = frame(
    el,
    [
      lrSlider(model, "lr", { label: "learning rate α", min: model.get("lr_min"), max: model.get("lr_max") }),
      lrSlider(model, "weight_decay", { label: "weight decay λ", min: model.get("wd_min"), max: model.get("wd_max") }),
    ],
    { width: 860, height: 290, label: "The norm of a normalized layer and its effective learning rate under SGD with weight decay, per step, and the equilibrium" },
  );
  const limits = extremes(model, steps, g, start);
  const common = { xlim: [0, steps], ylog: true, xlabel: "SGD step" };
  const normBox = [72, 28, 290, 206];
  const left = axes(view.svg, { ...common, box: normBox, ylim: limits.norm, ylabel: "|w| (log scale)", title: "The norm settles" });
  const rateBox = [450, 28, 250, 206];
  const right = axes(view.svg, {
    ...common,
    box: rateBox,
    ylim: limits.rate,
    ylabel: "α_eff = α / |w|² (log scale)",
    title: "So does the effective LR",
  });
  // The reference first, so the chosen run is drawn over it.
  const normPlain = left.line({ colour: NO_DECAY, width: 1.2 });
  const ratePlain = right.line({ colour: NO_DECAY, width: 1.2 });
  const normLine = left.line();
  const rateLine = right.line();
  // Black and on top: visible where the curve reaches it.
  const normTarget = left.line({ colour: EQUILIBRIUM, dash: "6 4", width: 1.2 });
  const rateTarget = right.line({ colour: EQUILIBRIUM, dash: "6 4", width: 1.2 });
  // Outside the panels, right of them: no curve under it.
  legend(view.svg, 716, 40, [
    ["α and λ as set", COLOURS[0], "line"],
    ["their equilibrium", EQUILIBRIUM, "dash"],
    ["same α, no decay", NO_DECAY, "line"],
  ]);

  redrawOn(model, ["lr", "weight_decay"], () => {
    const [lr, wd] = [model.get("lr"), model.get("weight_decay")];
    const ts = range(steps + 1);
    const norms = normTrajectory(steps, lr, wd, g, start);
    const effective = norms.map((n) => lr / (n * n));
    const plain = normTrajectory(steps, lr, 0, g, start);
    const norm = equilibriumNorm(lr, wd, g);
    const target = lr / (norm * norm);
    normLine.set(ts, norms);
    rateLine.set(ts, effective);
    normPlain.set(ts, plain);
    ratePlain.set(ts, plain.map((n) => lr / (n * n)));
    normTarget.set([0, steps], [norm, norm]);
    rateTarget.set([0, steps], [target, target]);
    const settled = settlingStep(effective, target);
    const halving = halvingSteps(lr, wd);
    view.setStatus(equilibriumStatus({ lr, wd, settled, effective, target, norm, halving }));
    view.observe({ lr, weight_decay: wd, norms, effective, no_decay: plain, equilibrium_norm: norm, equilibrium_rate: target, settled, halving });
  });
}

export default { render };
