// Lesson 01: gradient descent on f(x) = c/2·x², drag the learning rate and the start point.
// The same closed form as lrlab.landscapes.quadratic_trajectory: x_t = x0·(1 − lr·c)^t.

function descentPath(x0, curvature, lr, steps) {
  const factor = 1 - lr * curvature;
  return range(steps + 1).map((t) => x0 * factor ** t);
}

function descentVerdict(factor) {
  if (Math.abs(factor) >= 1) return Math.abs(factor) > 1 ? "diverges" : "bounces forever";
  return factor < 0 ? "converges with overshoot (a zig-zag)" : "converges smoothly";
}

function render({ model, el }) {
  const c = model.get("curvature");
  const steps = model.get("steps");
  const view = frame(
    el,
    [
      lrSlider(model, "lr", { min: model.get("lr_min"), max: model.get("lr_max") }),
      slider(model, "x0", { label: "start x₀", min: -4, max: 4, step: 0.1, format: (v) => formatF(v, 1) }),
    ],
    { width: 720, height: 288, label: "Gradient descent on f(x) = c/2·x²: the path on the loss curve, and the distance to the minimum per step" },
  );
  const loss = (x) => 0.5 * c * x * x;
  const left = axes(view.svg, {
    box: [62, 28, 270, 206],
    xlim: [-5, 5],
    ylim: [-0.5, 0.5 * c * 25 + 1],
    xlabel: "weight x",
    ylabel: "loss f(x)",
    title: "Descent on f(x) = c/2·x²",
  });
  const grid = range(201).map((i) => -5 + i * 0.05);
  left.line({ colour: "#999" }).set(grid, grid.map(loss));
  const pathLine = left.line({ colour: "#D55E00", width: 1, dots: 2.5 });
  const right = axes(view.svg, {
    box: [436, 28, 270, 206],
    xlim: [0, steps],
    ylim: [1e-6, 1e4],
    ylog: true,
    xlabel: "step t",
    ylabel: "distance to minimum |x_t|",
    title: "Distance per step (log scale)",
  });
  const distLine = right.line({ colour: "#0072B2", dots: 2 });

  redrawOn(model, ["lr", "x0"], () => {
    const [lr, x0] = [model.get("lr"), model.get("x0")];
    const path = descentPath(x0, c, lr, steps);
    const shown = path.map((x) => Math.min(Math.max(x, -5), 5));
    pathLine.set(shown, shown.map(loss));
    distLine.set(range(steps + 1), path.map((x) => Math.max(Math.abs(x), 1e-12)));
    const factor = 1 - lr * c;
    const verdict = descentVerdict(factor);
    view.setStatus(
      `lr = ${formatG(lr, 3)}: each step multiplies x by 1 − lr·c = ${formatF(factor, 3, true)}, so it ` +
        `<b>${verdict}</b> (stability limit 2/c = ${formatG(2 / c, 3)}).`,
    );
    view.observe({ lr, x0, path, factor, verdict });
  });
}

export default { render };
