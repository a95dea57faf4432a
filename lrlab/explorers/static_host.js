// Render an anywidget explorer from its saved state, with no kernel and no widget manager: the
// course site and the browser tests of the explorers' math use this. The model is the small part of
// anywidget's API the explorers use (get, set, on, off, save_changes, send); `set` notifies the
// "change:<name>" listeners at once, as a kernel-less widget manager does.

export function staticModel(state) {
  const values = { ...state };
  const listeners = new Map();
  return {
    get: (name) => values[name],
    set(name, value) {
      values[name] = value;
      for (const callback of listeners.get(`change:${name}`) ?? []) callback();
      for (const callback of listeners.get("change") ?? []) callback();
    },
    on(event, callback) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(callback);
    },
    off(event, callback) {
      if (event === undefined) listeners.clear();
      else if (callback === undefined) listeners.delete(event);
      else listeners.get(event)?.delete(callback);
    },
    save_changes() {},
    send() {},
  };
}

// Import the widget's ES module from its source text (a blob: URL keeps it on the page itself).
async function importModule(source) {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    return await import(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

// Render the widget whose saved state is `state` (with its `_esm` and `_css`) into `el`;
// returns the model, so a caller (a test) can set values as a slider would.
export async function renderStatic(el, state) {
  const module = await importModule(state._esm);
  const widget = module.default ?? module;
  const model = staticModel(state);
  if (state._css) {
    const style = document.createElement("style");
    style.textContent = state._css;
    el.before(style);
  }
  await widget.initialize?.({ model });
  await widget.render?.({ model, el });
  return model;
}

// Every widget a page holds: <script type="application/vnd.jupyter.widget-state+json"> (the
// notebook's saved widget state) and, where each should appear, a
// <script type="application/vnd.jupyter.widget-view+json"> naming its model. Views of models
// that are not anywidget's (a plain ipywidgets slider) are left as they are.
export async function renderPage(root = document) {
  const states = {};
  for (const tag of root.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]')) {
    Object.assign(states, JSON.parse(tag.textContent).state);
  }
  const models = [];
  for (const tag of root.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')) {
    const saved = states[JSON.parse(tag.textContent).model_id];
    if (!saved || saved.model_module !== "anywidget") continue;
    const el = document.createElement("div");
    el.className = "lrlab-explorer-host";
    tag.after(el);
    models.push(await renderStatic(el, saved.state));
  }
  return models;
}
