// Lesson 05: pick a Keras schedule and its parameters; see its LR at every step and each epoch's
// first step, and the Keras code that builds it. Three things lrlab does in Python are re-done here,
// line for line: the explorer's parameters (ScheduleExplorer.schedule_params), the curve
// (lrlab.codegen.numpy_curve over lrlab.schedules) and the code text (lrlab.codegen.keras_code).
// The page cannot run Keras: tests/test_explorer_schedule.py checks all three against lrlab, and
// the code against Keras itself.

// ---- numbers as Python writes them ---------------------------------------------------------------

// Python's float(f"{value:.3g}"): formatG rounds a tie to even as Python does (0.03125 -> 0.0312,
// where toPrecision gives 0.0313).
function roundSignificant(value, digits = 3) {
  return Number(formatG(value, digits));
}

// Python's repr(float(value)): the shortest digits that read back as the same double (JS finds the
// same ones), fixed notation from 1e-4 up to 1e16 with ".0" on whole numbers, else "1e-05".
function pyFloat(value) {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa, power] = value.toExponential().split("e");
  const exponent = Number(power);
  if (exponent < -4 || exponent >= 16) {
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const text = String(value);
  return text.includes(".") ? text : `${text}.0`;
}

// ---- the explorer's parameters: ScheduleExplorer.schedule_params ---------------------------------

function scheduleParams(s, epochs) {
  const lr = roundSignificant(s.initial_lr);
  const [spe, n] = [s.steps_per_epoch, epochs];
  switch (s.schedule) {
    case "constant":
      return { initial_learning_rate: lr };
    case "time_based_decay":
    case "exponential_decay":
      return {
        initial_learning_rate: lr,
        decay_rate: roundSignificant(s.decay_rate),
        steps_per_epoch: s.per === "epoch" ? spe : null,
      };
    case "step_decay":
    case "piecewise_step_decay": {
      const factor = roundSignificant(s.factor);
      const params = { initial_learning_rate: lr, factor, step_size: s.step_size, steps_per_epoch: spe };
      return s.schedule === "piecewise_step_decay" ? { ...params, epochs: n } : params;
    }
    case "polynomial_decay":
      return {
        initial_learning_rate: lr,
        decay_steps: n * spe,
        end_learning_rate: roundSignificant(lr * s.final_fraction),
        power: 2.0,
      };
    case "cosine_decay":
      if (s.warmup_epochs === 0) {
        return { initial_learning_rate: lr, decay_steps: n * spe, alpha: roundSignificant(s.final_fraction) };
      }
      return {
        initial_learning_rate: 0.0,
        decay_steps: (n - s.warmup_epochs) * spe,
        alpha: roundSignificant(s.final_fraction),
        warmup_target: lr,
        warmup_steps: s.warmup_epochs * spe,
      };
    default: // cosine_decay_restarts
      return {
        initial_learning_rate: lr,
        first_decay_steps: s.step_size * spe,
        t_mul: 2.0,
        m_mul: roundSignificant(s.factor),
        alpha: roundSignificant(s.final_fraction),
      };
  }
}

// ---- the LR at one step: lrlab.schedules' formulas, called as lrlab.codegen.numpy_curve does ----

// t in the formula: the step itself, or the whole epochs completed (staircase).
const stepCounter = (step, perEpoch) => (perEpoch === null ? step : Math.floor(step / perEpoch));
// The warm-up ramp (schedules._ramp) and Keras's cosine factor (schedules._half_cosine).
const warmupRamp = (step, start, target, n) => start + ((target - start) * Math.min(step, n)) / n;
const cosineFactor = (fraction, alpha, amplitude = 1.0) =>
  (1 - alpha) * (0.5 * amplitude * (1 + Math.cos(Math.PI * fraction))) + alpha;

const SCHEDULE_CURVES = {
  constant: (step, p) => p.initial_learning_rate,
  time_based_decay: (step, p) => p.initial_learning_rate / (1.0 + p.decay_rate * stepCounter(step, p.steps_per_epoch)),
  exponential_decay: (step, p) => p.initial_learning_rate * Math.exp(-p.decay_rate * stepCounter(step, p.steps_per_epoch)),
  step_decay: (step, p) => p.initial_learning_rate * p.factor ** Math.floor(Math.floor(step / p.steps_per_epoch) / p.step_size),
  piecewise_step_decay: (step, p) => SCHEDULE_CURVES.step_decay(step, p),
  polynomial_decay(step, p) {
    const done = Math.min(step, p.decay_steps) / p.decay_steps;
    return (p.initial_learning_rate - p.end_learning_rate) * (1 - done) ** p.power + p.end_learning_rate;
  },
  cosine_decay(step, p) {
    const warm = p.warmup_target !== undefined && p.warmup_target !== null;
    const [start, peak, w] = warm ? [p.initial_learning_rate, p.warmup_target, p.warmup_steps] : [0, p.initial_learning_rate, 0];
    if (w && step < w) return warmupRamp(step, start, peak, w);
    const t = Math.min(Math.max(step - w, 0.0), p.decay_steps);
    return peak * cosineFactor(t / p.decay_steps, p.alpha);
  },
  cosine_decay_restarts(step, p) {
    const [n, t] = [p.first_decay_steps, p.t_mul];
    let done = step / n; // in first cycles' lengths
    let restart;
    if (t === 1.0) {
      restart = Math.floor(done);
      done -= restart;
    } else {
      const start = (i) => (1 - t ** i) / (1 - t);
      restart = Math.floor(Math.log(1 - done * (1 - t)) / Math.log(t));
      // The logarithm can land just below a cycle's first step: settle on the cycle that holds it.
      if (done >= start(restart + 1)) restart += 1;
      if (done < start(restart)) restart -= 1;
      done = (done - start(restart)) / t ** restart;
    }
    return p.initial_learning_rate * cosineFactor(done, p.alpha, p.m_mul ** restart);
  },
};

function scheduleCurve(name, params, steps) {
  return range(steps).map((step) => SCHEDULE_CURVES[name](step, params));
}

// ---- the Keras code: lrlab.codegen.keras_code, character for character ---------------------------

const KERAS_SCHEDULES = "keras.optimizers.schedules.";

const SCHEDULE_CODE = {
  constant: (p) => [
    "# Constant: a plain float, the LR never changes (momentum is a separate optimizer setting)",
    `learning_rate = ${pyFloat(p.initial_learning_rate)}`,
  ],
  time_based_decay(p) {
    const [lr, k, spe] = [pyFloat(p.initial_learning_rate), pyFloat(p.decay_rate), p.steps_per_epoch];
    const [head, args] =
      spe === null
        ? [`t = optimizer step: lr = ${lr} / (1 + ${k} * step)`, "decay_steps=1"]
        : [`t = epoch: lr = ${lr} / (1 + ${k} * floor(step / ${spe}))`, `decay_steps=${spe}`];
    return [
      `# Time-based decay, ${head}`,
      `learning_rate = ${KERAS_SCHEDULES}InverseTimeDecay(`,
      `    initial_learning_rate=${lr}, ${args}, decay_rate=${k}` + (spe === null ? "" : ", staircase=True"),
      ")",
    ];
  },
  exponential_decay(p) {
    const [lr, k, spe] = [pyFloat(p.initial_learning_rate), pyFloat(p.decay_rate), p.steps_per_epoch];
    let head, args;
    if (spe === null) {
      head = `t = optimizer step: lr = ${lr} * exp(-${k} * step)`;
      args = p.decay_rate ? `decay_steps=1 / ${k}, decay_rate=math.exp(-1)` : "decay_steps=1, decay_rate=1.0";
    } else {
      head = `t = epoch: lr = ${lr} * exp(-${k} * floor(step / ${spe}))`;
      args = `decay_steps=${spe}, decay_rate=math.exp(-${k}), staircase=True`;
    }
    return [
      `# Exponential decay, ${head}`,
      `learning_rate = ${KERAS_SCHEDULES}ExponentialDecay(`,
      `    initial_learning_rate=${lr}, ${args}`,
      ")",
    ];
  },
  step_decay(p) {
    const [lr, f, size, spe] = [pyFloat(p.initial_learning_rate), pyFloat(p.factor), p.step_size, p.steps_per_epoch];
    return [
      `# Step decay: lr = ${lr} * ${f} ** floor(epoch / ${size}), ${spe} steps per epoch`,
      `learning_rate = ${KERAS_SCHEDULES}ExponentialDecay(`,
      `    initial_learning_rate=${lr}, decay_steps=${size * spe}, decay_rate=${f}, staircase=True`,
      ")",
    ];
  },
  piecewise_step_decay(p) {
    const [lr, f, size, spe] = [pyFloat(p.initial_learning_rate), pyFloat(p.factor), p.step_size, p.steps_per_epoch];
    const drops = Math.max(Math.floor((p.epochs - 1) / size), 0); // drops within the epochs trained
    return [
      `# Step decay as PiecewiseConstantDecay: drop by ${f} every ${size} epoch(s) of ${spe} steps.`,
      "# Boundaries are inclusive (step == boundary keeps the old LR), hence the - 1.",
      `boundaries = [i * ${size * spe} - 1 for i in range(1, ${drops + 1})]`,
      `values = [${lr} * ${f} ** i for i in range(${drops + 1})]`,
      `learning_rate = ${KERAS_SCHEDULES}PiecewiseConstantDecay(boundaries, values)`,
    ];
  },
  polynomial_decay(p) {
    const [lr, end, power, n] = [pyFloat(p.initial_learning_rate), pyFloat(p.end_learning_rate), pyFloat(p.power), p.decay_steps];
    return [
      `# Polynomial decay from ${lr} to ${end} over ${n} steps, power ${power}, then flat`,
      `learning_rate = ${KERAS_SCHEDULES}PolynomialDecay(`,
      `    initial_learning_rate=${lr}, decay_steps=${n}, end_learning_rate=${end}, power=${power}`,
      ")",
    ];
  },
  cosine_decay(p) {
    const [lr, n, a] = [pyFloat(p.initial_learning_rate), p.decay_steps, pyFloat(p.alpha)];
    if (p.warmup_target === undefined || p.warmup_target === null) {
      return [
        `# Cosine decay from ${lr} to ${a} * ${lr} over ${n} steps`,
        `learning_rate = ${KERAS_SCHEDULES}CosineDecay(`,
        `    initial_learning_rate=${lr}, decay_steps=${n}, alpha=${a}`,
        ")",
      ];
    }
    const [target, w] = [pyFloat(p.warmup_target), p.warmup_steps];
    return [
      `# Linear warm-up ${lr} -> ${target} over ${w} steps, then cosine decay over ${n} more steps`,
      `learning_rate = ${KERAS_SCHEDULES}CosineDecay(`,
      `    initial_learning_rate=${lr}, decay_steps=${n}, alpha=${a},`,
      `    warmup_target=${target}, warmup_steps=${w},`,
      ")",
    ];
  },
  cosine_decay_restarts: (p) => [
    `# Cosine decay with warm restarts: first cycle ${p.first_decay_steps} steps, each next one t_mul times longer`,
    `learning_rate = ${KERAS_SCHEDULES}CosineDecayRestarts(`,
    `    initial_learning_rate=${pyFloat(p.initial_learning_rate)}, first_decay_steps=${p.first_decay_steps}, ` +
      `t_mul=${pyFloat(p.t_mul)}, m_mul=${pyFloat(p.m_mul)}, alpha=${pyFloat(p.alpha)}`,
    ")",
  ],
};

function kerasCode(name, params) {
  const lines = SCHEDULE_CODE[name](params);
  const imports = lines.some((line) => line.includes("math.")) ? ["import math", "import keras"] : ["import keras"];
  return [...imports, "", ...lines, "optimizer = keras.optimizers.SGD(learning_rate=learning_rate)"].join("\n");
}

// ---- the page -------------------------------------------------------------------------------------

// Grey out, and switch off, the controls this schedule does not use.
function enableControls(controls, used) {
  for (const [name, control] of Object.entries(controls)) {
    const on = used.includes(name);
    control.style.opacity = on ? "" : "0.45";
    for (const input of control.querySelectorAll("input, button, select")) input.disabled = !on;
  }
}

function render({ model, el }) {
  const epochs = model.get("epochs");
  const labels = Object.fromEntries(model.get("labels"));
  const uses = model.get("uses");
  const logSlider = (name, label, min, max, step) =>
    slider(model, name, { label, min, max, step, log: true, format: (v) => formatG(v, 3) });
  const controls = {
    initial_lr: lrSlider(model, "initial_lr", { label: "initial LR", min: 1e-3, max: 1.0 }),
    decay_rate: logSlider("decay_rate", "decay rate k", 1e-4, 1.0, 0.05),
    per: choice(model, "per", { label: "t counts", options: [["step", "step"], ["epoch", "epoch"]] }),
    factor: slider(model, "factor", { label: "factor", min: 0.05, max: 1.0, step: 0.05, format: (v) => formatF(v, 2) }),
    step_size: slider(model, "step_size", { label: "step size (epochs)", min: 1, max: 10, step: 1, format: String }),
    final_fraction: logSlider("final_fraction", "final LR / initial", 1e-3, 1.0, 0.1),
    // The warm-up leaves at least one epoch of cosine decay.
    warmup_epochs: slider(model, "warmup_epochs", {
      label: "warm-up epochs",
      min: 0,
      max: Math.min(5, epochs - 1),
      step: 1,
      format: String,
    }),
  };
  const view = frame(
    el,
    [
      dropdown(model, "schedule", { label: "schedule", options: model.get("labels").map(([key, text]) => [text, key]) }),
      ...Object.values(controls),
      slider(model, "steps_per_epoch", { label: "steps per epoch", min: 1, max: 100, step: 1, format: String }),
    ],
    { width: 760, height: 322, label: "A learning-rate schedule: the LR at every optimizer step and at each epoch's first step" },
  );
  const plot = axes(view.svg, {
    box: [72, 28, 660, 222],
    xlim: [0, epochs],
    ylim: [1e-5, 2.0],
    ylog: true,
    xlabel: "epoch (step / steps per epoch)",
    ylabel: "learning rate (log scale)",
    title: "Learning rate at every optimizer step",
  });
  const stepLine = plot.line({ colour: COLOURS[0] });
  const epochDots = plot.line({ colour: COLOURS[1], dots: 3, connect: false });
  // In one row under the plot, so it never hides the curve.
  legend(
    view.svg,
    180,
    306,
    [
      ["per step (schedule object)", COLOURS[0], "line"],
      ["each epoch's first step (what history logs)", COLOURS[1], "dots"],
    ],
    { row: true },
  );

  // ScheduleExplorer.SETTINGS: what the controls set.
  const settings = [
    ...["schedule", "initial_lr", "decay_rate", "per", "factor"],
    ...["step_size", "final_fraction", "warmup_epochs", "steps_per_epoch"],
  ];
  redrawOn(model, settings, () => {
    const s = Object.fromEntries(settings.map((key) => [key, model.get(key)]));
    enableControls(controls, uses[s.schedule]);
    const [name, spe, steps] = [s.schedule, s.steps_per_epoch, epochs * s.steps_per_epoch];
    const params = scheduleParams(s, epochs);
    const curve = scheduleCurve(name, params, steps);
    const epochLrs = range(epochs).map((epoch) => curve[epoch * spe]);
    stepLine.set(range(steps).map((step) => step / spe), curve);
    epochDots.set(range(epochs), epochLrs);
    const code = kerasCode(name, params);
    // Python's .3g of the value rounded to 3 digits as Python rounds (formatG rounds a tie up).
    const g3 = (value) => formatG(roundSignificant(value), 3);
    view.setStatus(
      `<b>${escapeHtml(labels[name])}</b>: LR ${g3(curve[0])} at step 0, ${g3(curve[steps - 1])} at the last step ` +
        `(${steps} steps = ${epochs} epochs × ${spe}). This Keras code builds the plotted curve (the page does not run ` +
        `Keras; the course's tests run the code it writes, for every schedule, and compare it with the curve ` +
        `step by step):` +
        `<pre>${escapeHtml(code)}</pre>`,
    );
    view.observe({ name, params, code, curve, epoch_lrs: epochLrs });
  });
}

export default { render };
