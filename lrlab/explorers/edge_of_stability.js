// Lesson 09: replay full-batch gradient-descent runs at the edge of stability. Python hands over
// the recorded runs (lrlab.sharpness.GradientDescentRun) as lists of numbers; a drag only slices
// them, as the matplotlib version's draw() sliced its NumPy arrays.

const NEUTRAL = "#4d4d4d"; // the legend's colour: it names the kinds of line, not one run

// "1 step", "0 steps", "12 steps".
function countOf(n, noun) {
  return n === 1 ? `${n} ${noun}` : `${n} ${noun}s`;
}

// What the picture and the status line show of `run` at `step` (clipped to the run's length):
// the loss so far, the sharpness measured so far (steps <= step), the last of those, and how
// many steps raised the loss (np.sum(np.diff(losses[:step + 1]) > 0)).
function replay(run, step) {
  const shown = Math.min(step, run.losses.length - 1);
  const losses = run.losses.slice(0, shown + 1);
  const seen = range(run.sharpness_steps.length).filter((i) => run.sharpness_steps[i] <= shown);
  const k = seen[seen.length - 1];
  let ups = 0;
  for (let t = 1; t <= shown; t += 1) if (losses[t] - losses[t - 1] > 0) ups += 1;
  return {
    step: shown,
    losses,
    sharpnessSteps: seen.map((i) => run.sharpness_steps[i]),
    sharpness: seen.map((i) => run.sharpness[i]),
    k,
    ups,
  };
}

// The status line, in the precisions of lesson 09's table: losses to 4 decimals, sharpness and
// 2/α to 2, the share of 2/α as a whole percentage (Python's "{:.0%}").
function replayStatus(run, r) {
  const history = r.step === 0 ? "before the first step" : `it went <b>up</b> ${countOf(r.ups, "time")} in ${countOf(r.step, "step")} so far`;
  const sharp = run.sharpness[r.k];
  const limit = run.stability_limit;
  return (
    `α = ${run.label}, step ${r.step}: loss ${formatF(run.losses[r.step], 4)}, ${history}; sharpness ` +
    `${formatF(sharp, 2)} (measured at step ${run.sharpness_steps[r.k]}) = ` +
    `<b>${formatF((sharp / limit) * 100, 0)}% of 2/α = ${formatF(limit, 2)}</b>.`
  );
}

function render({ model, el }) {
  // JSON has no inf or nan: Python sends a loss that is not finite as null, drawn as a gap.
  const runs = model.get("runs").map((run) => ({ ...run, losses: run.losses.map((v) => v ?? NaN) }));
  const last = Math.max(...runs.map((run) => run.losses.length - 1));
  const view = frame(
    el,
    [
      choice(model, "lr", { label: "learning rate α", options: runs.map((run) => [run.label, run.learning_rate]) }),
      slider(model, "step", { label: "step", min: 0, max: last, step: 1, format: (v) => String(v) }),
    ],
    { width: 860, height: 290, label: "Replay of full-batch gradient descent: the loss so far, and the sharpness measured so far against the limit 2/α" },
  );
  const positive = runs.flatMap((run) => run.losses).filter((v) => Number.isFinite(v) && v > 0);
  const lossBox = [72, 28, 300, 206];
  const lossLim = [Math.min(...positive) / 1.3, Math.max(...positive) * 1.3];
  const left = axes(view.svg, {
    box: lossBox,
    xlim: [0, last],
    ylim: lossLim,
    ylog: true,
    xlabel: "gradient-descent step",
    ylabel: "training loss (log scale)",
    title: "Full-batch loss",
  });
  const lossLine = left.line({ width: 1.2 });
  const dot = left.line({ colour: "black", dots: 3.5, connect: false });
  const top = Math.max(...runs.map((run) => Math.max(...run.sharpness, run.stability_limit)));
  const right = axes(view.svg, {
    box: [452, 28, 250, 206],
    xlim: [0, last],
    ylim: [0, top * 1.1],
    xlabel: "gradient-descent step",
    ylabel: "sharpness λ_max",
    title: "Sharpness vs the limit 2/α",
  });
  const sharpLine = right.line({ width: 1.2, dots: 2 });
  const limitLine = right.line({ colour: NEUTRAL, dash: "6 4" });
  // Outside the panel, right of it: no curve under it.
  legend(view.svg, 716, 40, [
    ["sharpness (dots)", NEUTRAL, "line-dots"],
    ["2/α", NEUTRAL, "dash"],
  ]);

  redrawOn(model, ["lr", "step"], () => {
    const index = runs.findIndex((run) => run.learning_rate === model.get("lr"));
    const run = runs[index];
    const colour = COLOURS[index % COLOURS.length];
    const r = replay(run, model.get("step"));
    lossLine.set(range(r.step + 1), r.losses);
    lossLine.colour(colour);
    dot.set([r.step], [run.losses[r.step]]);
    sharpLine.set(r.sharpnessSteps, r.sharpness);
    sharpLine.colour(colour);
    const limit = [[0, run.losses.length - 1], [run.stability_limit, run.stability_limit]];
    limitLine.set(...limit);
    view.setStatus(replayStatus(run, r));
    view.observe({
      lr: run.learning_rate,
      step: r.step,
      colour,
      loss_steps: range(r.step + 1),
      losses: r.losses,
      dot: [r.step, run.losses[r.step]],
      sharpness_steps: r.sharpnessSteps,
      sharpness: r.sharpness,
      limit,
      ups: r.ups,
    });
  });
}

export default { render };
