// Lesson 03: gradient descent with momentum on the bowl L(w) = c₁/2·w₁² + c₂/2·w₂². Drag the
// learning rate and the momentum β. Each function below is its namesake in lrlab/landscapes.py, with
// the same operations in the same order, so the page's numbers are NumPy's (tests/test_explorer_bowl_2d.py).

// heavy_ball_trajectory: v <- β·v − lr·c·w, w <- w + v (Keras SGD(momentum=β)), v = 0 at the start.
function heavyBallTrajectory(x0, c, lr, steps, beta) {
  let [w, v] = [[...x0], [0, 0]];
  const path = [[...w]];
  for (let t = 0; t < steps; t += 1) {
    v = v.map((vi, i) => beta * vi - lr * c[i] * w[i]);
    w = w.map((wi, i) => wi + v[i]);
    path.push([...w]);
  }
  return path;
}

// quadratic_loss: sum of c/2·w² (overflows to inf, or nan once the path is nan, as NumPy does).
function quadraticLoss(w, c) {
  return 0.5 * c[0] * (w[0] * w[0]) + 0.5 * c[1] * (w[1] * w[1]);
}

// stability_limit: 2(1 + β) / max c.
function stabilityLimit(c, beta) {
  return (2.0 * (1.0 + beta)) / Math.max(...c);
}

// effective_learning_rate: lr / (1 − β), the step momentum builds up on a constant slope.
function effectiveLearningRate(lr, beta) {
  return lr / (1.0 - beta);
}

// _dominant_roots, one direction: the eigenvalue of [[1 + β − lr·c, −β], [1, 0]] with the larger
// modulus, as {re, im}.
function dominantRoot(c, lr, beta) {
  const b = 1.0 + beta - lr * c;
  const disc = b * b - 4.0 * beta;
  const sqrt = Math.sqrt(Math.abs(disc));
  if (disc >= 0) return { re: b >= 0 ? (b + sqrt) / 2 : (b - sqrt) / 2, im: 0 };
  return { re: b / 2, im: 0.5 * sqrt };
}

// np.abs of a complex number (a hypotenuse, safe from overflow).
function modulus(root) {
  return Math.hypot(root.re, root.im);
}

// The slowest direction's rate per step: max |root| over the directions (convergence_rate's max).
function slowestRate(c, lr, beta) {
  return Math.max(...c.map((ci) => modulus(dominantRoot(ci, lr, beta))));
}

// steps_to_shrink: steps until the distance is `factor` times smaller at `rate` per step.
function stepsToShrink(rate, factor = 100.0) {
  if (rate >= 1) return Infinity;
  if (rate === 0) return 1.0;
  return Math.max(Math.log(factor) / -Math.log(rate), 1.0);
}

// fastest_rate: the best slowest-direction rate any one lr reaches, by the same 100 rounds of
// ternary search over log(lr) from limit·1e-9 to the limit.
function fastestRate(c, beta) {
  let low = Math.log(stabilityLimit(c, beta) * 1e-9);
  let high = Math.log(stabilityLimit(c, beta));
  const slowest = (logLr) => slowestRate(c, Math.exp(logLr), beta);
  for (let i = 0; i < 100; i += 1) {
    const [a, b] = [low + (high - low) / 3, high - (high - low) / 3];
    if (slowest(a) <= slowest(b)) high = b;
    else low = a;
  }
  return slowest((low + high) / 2);
}

// descent_regime, in the same order of tests: diverges, bounces forever, too slow (more than
// `slow` times the best lr's steps to get 100× closer), converges with overshoot, smoothly.
function descentRegime(c, lr, beta, slow = 3.0) {
  const roots = c.map((ci) => dominantRoot(ci, lr, beta));
  const rate = Math.max(...roots.map(modulus));
  if (rate > 1 + 1e-12) return "diverges";
  if (rate >= 1 - 1e-12) return "bounces forever";
  const best = stepsToShrink(fastestRate(c, beta));
  if (stepsToShrink(rate) > slow * best) return "too slow";
  if (roots.some((root) => root.re < 0 || Math.abs(root.im) > 0)) return "converges with overshoot";
  return "converges smoothly";
}

// ---- the status line's words (what the old matplotlib explorer printed) ---------------------------
// Numbers are printed with formatG/formatF: Python's text even for exact ties (10.25 -> 10.2).

// One direction of the path, from its dominant eigenvalue.
function describeDirection(i, ci, root) {
  const name = `${["w₁ (flat", "w₂ (steep"][i]}, c${"₁₂"[i]} = ${formatG(ci)})`;
  const rate = modulus(root);
  if (rate === 0) return `${name} lands on the minimum in one step`;
  let how;
  if (root.im === 0 && root.re > 0) how = "approaches the minimum from one side";
  else if (root.im === 0) how = "crosses the minimum every step (zig-zag)";
  else how = `swings past the minimum and back, crossing it about every ${formatF(Math.PI / Math.atan2(root.im, root.re), 0)} steps`;
  const change =
    rate < 1 ? `shrinking ×${formatF(rate, 3)} per step` : rate === 1 ? "neither shrinking nor growing" : `growing ×${formatF(rate, 3)} per step`;
  return `${name} ${how}, ${change}`;
}

// np.linalg.norm of a point: sqrt of its dot product with itself.
function norm(w) {
  return Math.sqrt(w[0] * w[0] + w[1] * w[1]);
}

// The first step whose point is outside the picture's [-5, 5]² (or nan), or -1.
function leavesPicture(path) {
  return path.findIndex((w) => !(Math.max(Math.abs(w[0]), Math.abs(w[1])) <= 5));
}

function describePath(path, steps) {
  const from = `Path (left): from (${formatG(path[0][0])}, ${formatG(path[0][1])})`;
  const outside = leavesPicture(path);
  if (outside >= 0) return `${from}, it leaves the picture at step ${outside}.`;
  const [start, last] = [norm(path[0]), path[path.length - 1]];
  const end = norm(last);
  const closer = end < start ? `${formatG(start / end, 3)}× closer to the minimum` : `${formatG(end / start, 3)}× farther from the minimum`;
  return `${from} to (${formatG(last[0], 2)}, ${formatG(last[1], 2)}) after ${steps} steps, ${closer}:`;
}

function describeLoss(losses) {
  const overflow = losses.findIndex((loss) => !Number.isFinite(loss));
  if (overflow >= 0) return `Loss (right, log scale): from ${formatG(losses[0], 3)}, it overflows at step ${overflow}.`;
  const rises = range(losses.length - 1).filter((t) => losses[t + 1] - losses[t] > 0).length;
  const [first, last] = [losses[0], losses[losses.length - 1]];
  const trend =
    rises === 0 ? "falling at every step" : last < first ? `falling overall but rising at ${rises} of ${losses.length - 1} steps` : "growing";
  return `Loss (right, log scale): from ${formatG(first, 3)} to ${formatG(last, 3)}, ${trend}.`;
}

function describeSpeed(needed, best, beta) {
  const bestText = `the best lr for this bowl at momentum ${formatF(beta, 2)} needs about ${formatF(best, 0)}`;
  if (!Number.isFinite(needed)) return `It never gets 100× closer; ${bestText}.`;
  const ratio = needed > best * 1.05 ? ` (${formatF(needed / best, 1)} times as many)` : "";
  return `Speed: about ${formatF(needed, 0)} steps to shrink the path 100×${ratio}; ${bestText}.`;
}

// ---- the picture ----------------------------------------------------------------------------------

// np.geomspace(start, stop, n): 10 to the evenly spaced exponents, both ends exact.
function geomspace(start, stop, n) {
  const [a, b] = [Math.log10(start), Math.log10(stop)];
  const step = (b - a) / (n - 1);
  return range(n).map((i) => (i === 0 ? start : i === n - 1 ? stop : 10 ** (i * step + a)));
}

// The contour L(w) = level of the bowl is the ellipse with semi-axes sqrt(2·level/cᵢ): drawn as
// one, exact where matplotlib's contour interpolated a grid.
function contours(ax, c, levels) {
  for (const level of levels) {
    const [a, b] = c.map((ci) => Math.sqrt((2 * level) / ci));
    svgNode(ax.g, "ellipse", {
      cx: ax.sx(0),
      cy: ax.sy(0),
      rx: ax.sx(a) - ax.sx(0),
      ry: ax.sy(0) - ax.sy(b),
      fill: "none",
      stroke: "#b3b3b3",
      "stroke-width": 0.8,
    });
  }
}

// A five-pointed star (the minimum) of outer radius r at (x, y).
function star(parent, x, y, r) {
  const points = range(10).map((k) => {
    const [radius, angle] = [k % 2 ? r * 0.4 : r, (Math.PI / 5) * k - Math.PI / 2];
    return `${(x + radius * Math.cos(angle)).toFixed(1)},${(y + radius * Math.sin(angle)).toFixed(1)}`;
  });
  svgNode(parent, "polygon", { points: points.join(" "), fill: "black" });
}

// Numbers for data-observed: JSON has no inf or nan, so those travel as "Infinity", "-Infinity"
// and "NaN" (Python's float() reads all three).
function observable(value) {
  if (Array.isArray(value)) return value.map(observable);
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, observable(v)]));
  return value;
}

const clip = (value, low, high) => Math.min(Math.max(value, low), high); // nan stays nan

function render({ model, el }) {
  const [c, x0, steps] = [model.get("curvatures"), model.get("x0"), model.get("steps")];
  const view = frame(
    el,
    [
      lrSlider(model, "lr", { min: model.get("lr_min"), max: model.get("lr_max") }),
      slider(model, "momentum", { label: "momentum β", min: 0, max: model.get("momentum_max"), step: 0.05, format: (v) => formatF(v, 2) }),
    ],
    {
      width: 760,
      height: 326,
      label: "Gradient descent with momentum on the bowl L = c₁/2·w₁² + c₂/2·w₂²: the path over the contours, and the loss per step",
    },
  );
  const left = axes(view.svg, {
    box: [70, 30, 250, 250],
    xlim: [-5, 5],
    ylim: [-5, 5],
    xlabel: "weight w₁ (flat direction)",
    ylabel: "weight w₂ (steep direction)",
    title: `Path on L = ${formatG(c[0])}/2·w₁² + ${formatG(c[1])}/2·w₂²`,
  });
  // The old picture's levels: geomspace(0.05, the largest loss on [-5, 5]², 12).
  const levels = geomspace(0.05, quadraticLoss([5, 5], c), 12);
  contours(left, c, levels);
  const pathLine = left.line({ colour: "#D55E00", width: 1, dots: 2 });
  star(left.g, left.sx(0), left.sy(0), 6); // over the path, so the minimum stays in sight
  const start = quadraticLoss(x0, c);
  const right = axes(view.svg, {
    box: [452, 30, 290, 250],
    xlim: [0, steps],
    ylim: [1e-6, start * 1e4],
    ylog: true,
    xlabel: "step t",
    ylabel: "loss L(w_t) (log scale)",
    title: "Loss per step",
  });
  const lossLine = right.line({ colour: "#0072B2", dots: 2 });

  redrawOn(model, ["lr", "momentum"], () => {
    const [lr, beta] = [model.get("lr"), model.get("momentum")];
    const path = heavyBallTrajectory(x0, c, lr, steps, beta);
    const losses = path.map((w) => quadraticLoss(w, c));
    pathLine.set(
      path.map((w) => clip(w[0], -6, 6)),
      path.map((w) => clip(w[1], -6, 6)),
    );
    // As the old plot: nan drawn at 1e30, and everything within [1e-12, 1e30].
    lossLine.set(
      range(steps + 1),
      losses.map((loss) => clip(Number.isNaN(loss) ? 1e30 : loss, 1e-12, 1e30)),
    );
    const roots = c.map((ci) => dominantRoot(ci, lr, beta));
    const rates = roots.map(modulus);
    const regime = descentRegime(c, lr, beta);
    const limit = stabilityLimit(c, beta);
    const effective = effectiveLearningRate(lr, beta);
    const fastest = fastestRate(c, beta);
    const [needed, best] = [stepsToShrink(Math.max(...rates)), stepsToShrink(fastest)];
    const settings =
      `lr = ${formatG(lr, 3)}, momentum β = ${formatF(beta, 2)} (effective lr α/(1−β) = ` +
      `${formatG(effective, 3)}; stability limit 2(1+β)/max c = ${formatG(limit, 3)})`;
    view.setStatus(
      `<b>${regime}</b> at ${settings}. ${describePath(path, steps)} ` +
        `${roots.map((root, i) => describeDirection(i, c[i], root)).join("; ")}. ${describeLoss(losses)} ` +
        `${describeSpeed(needed, best, beta)}`,
    );
    view.observe(
      observable({
        lr,
        momentum: beta,
        path,
        losses,
        roots: roots.map((root) => [root.re, root.im]),
        rates,
        regime,
        limit,
        effective,
        fastest,
        needed,
        best,
        levels,
      }),
    );
  });
}

export default { render };
