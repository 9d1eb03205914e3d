/*
 * NLP2Filters web UI: what the pages share (the API helper, the health pill, the error box,
 * the catalog picker, chips). An ES module: each page's own module imports what it uses,
 * so there is no build step and nothing is hung on window. Module scripts run after the
 * document is parsed, so the page's elements exist when they run.
 *
 * Every call goes to window.NLP2F_API_BASE + path (config.js, a classic script that runs
 * first: the Docker image swaps it for the same-origin one).
 * API data is only ever written with textContent / attributes, never innerHTML.
 */
import { CatalogStatus } from "./statuses.js";

export const API_BASE = String(window.NLP2F_API_BASE == null ? "" : window.NLP2F_API_BASE).replace(/\/+$/, "");
const HEALTH_EVERY_MS = 15000;

const OP_SYMBOLS = { eq: "=", neq: "≠", in: "∈", nin: "∉", gt: ">", gte: "≥", lt: "<", lte: "≤" };
export const PRIORITIES = ["normal", "high", "low"];

export const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ DOM

export const store = {
  get(key) {
    try { return window.localStorage.getItem("nlp2f." + key); } catch (_) { return null; }
  },
  set(key, value) {
    try { window.localStorage.setItem("nlp2f." + key, value); } catch (_) { /* private mode */ }
  },
};

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function make(tag, opts) {
  const node = document.createElement(tag);
  if (opts) {
    if (opts.className) node.className = opts.className;
    if (opts.text != null) node.textContent = String(opts.text);
    if (opts.title) node.title = opts.title;
    if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, String(v));
  }
  return node;
}

// ----------------------------------------------------------- formatting

function describeBackend() {
  return API_BASE || window.location.origin;
}

export function messageOf(value) {
  if (value == null) return "";
  if (typeof value === "string") return value;
  try { return JSON.stringify(value); } catch (_) { return String(value); }
}

export function formatScalar(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return messageOf(v);
}

export function formatValue(v) {
  if (Array.isArray(v)) return "{" + v.map(formatScalar).join(", ") + "}";
  return formatScalar(v);
}

// ------------------------------------------------------------------ API

export class ApiError extends Error {
  constructor(message, info) {
    super(message);
    this.name = "ApiError";
    this.status = (info && info.status) || 0;
    this.code = (info && info.code) || "";
    this.unreachable = Boolean(info && info.unreachable);
  }
}

const KEY_STORE = "nlp2f_api_key";

/** The API key the user saved in this browser (only needed when the server sets API_KEYS). */
function apiKey() {
  try { return localStorage.getItem(KEY_STORE) || ""; } catch (_) { return ""; }
}

/** The footer's API key field: saved on change, never shown back in clear. */
function bindApiKey() {
  const input = $("api-key");
  if (!input) return;
  input.value = apiKey();
  input.addEventListener("change", () => {
    try {
      if (input.value.trim()) localStorage.setItem(KEY_STORE, input.value.trim());
      else localStorage.removeItem(KEY_STORE);
    } catch (_) { /* storage disabled: the key lasts for this page only */ }
  });
}

/** fetch + JSON + the API's error shape {"error": {"code", "message"}}. */
export async function api(path, options) {
  const opts = Object.assign({ method: "GET" }, options || {});
  const headers = authHeaders({ Accept: "application/json" });
  if (opts.body != null) headers["Content-Type"] = "application/json";
  opts.headers = Object.assign(headers, opts.headers || {});
  let resp;
  try {
    resp = await fetch(API_BASE + path, opts);
  } catch (err) {
    throw new ApiError(
      "Backend unreachable: could not connect to " + describeBackend() + ". Is the backend running?",
      { unreachable: true });
  }
  const raw = await resp.text().catch(() => "");
  let data = null;
  if (raw) {
    try { data = JSON.parse(raw); } catch (_) { data = null; }
  }
  if (!resp.ok) {
    const err = data && typeof data === "object" ? data.error : null;
    if (err && typeof err === "object") {
      throw new ApiError(messageOf(err.message) || ("HTTP " + resp.status),
        { status: resp.status, code: messageOf(err.code) });
    }
    if (err) throw new ApiError(messageOf(err), { status: resp.status });
    if (data && typeof data === "object" && data.detail != null) {
      throw new ApiError(messageOf(data.detail), { status: resp.status });
    }
    if (data === null && (resp.status === 502 || resp.status === 503 || resp.status === 504)) {
      throw new ApiError("Backend unreachable: the proxy answered HTTP " + resp.status + ". Is the backend running?",
        { status: resp.status, unreachable: true });
    }
    throw new ApiError("Request failed: HTTP " + resp.status + (resp.statusText ? " " + resp.statusText : ""),
      { status: resp.status });
  }
  if (raw && data === null) {
    throw new ApiError("The backend sent a response that is not JSON (HTTP " + resp.status + ").",
      { status: resp.status });
  }
  return data;
}

// ---------------------------------------------------------------- events

/** The request headers of every call: JSON, and the saved API key if any. */
function authHeaders(extra) {
  const headers = Object.assign({}, extra || {});
  const key = apiKey();
  if (key) headers.Authorization = "Bearer " + key;
  return headers;
}

/**
 * Server-Sent Events read with fetch (EventSource cannot send the API key header).
 * onEvent(name, data) runs for each event. Resolves with the last event's name when the
 * server closes the stream; rejects when the stream cannot be opened or breaks, so the
 * caller can fall back to polling. Abort it with opts.signal.
 */
export async function streamEvents(path, onEvent, opts) {
  const resp = await fetch(API_BASE + path, {
    headers: authHeaders({ Accept: "text/event-stream" }),
    signal: opts && opts.signal,
    cache: "no-store",
  });
  if (!resp.ok || !resp.body) throw new ApiError("event stream unavailable (HTTP " + resp.status + ")", { status: resp.status });
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let last = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return last;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (!data) continue;  // a comment (keep-alive) or the retry hint
      let parsed = null;
      try { parsed = JSON.parse(data); } catch (_) { continue; }
      last = name;
      onEvent(name, parsed);
    }
  }
}

// --------------------------------------------------------------- health

/** The header's status pill (#backend-status), the same on every page. */
function setBackendState(state, text) {
  $("backend-status").dataset.state = state;
  $("backend-status-text").textContent = text;
}

async function checkHealth() {
  let resp;
  try {
    resp = await fetch(API_BASE + "/health", { headers: { Accept: "application/json" } });
  } catch (_) {
    setBackendState("down", "Backend unreachable");
    return false;
  }
  let data = null;
  try { data = await resp.json(); } catch (_) { data = null; }
  if (resp.ok) {
    setBackendState("up", "Backend online");
    return true;
  }
  if (!data && (resp.status === 502 || resp.status === 504)) {
    setBackendState("down", "Backend unreachable");
    return false;
  }
  let reason = "";
  if (data && typeof data === "object") {
    reason = messageOf(data.reason || (data.error && (data.error.message || data.error)) || data.detail || "");
  }
  setBackendState("degraded", "Backend degraded" + (reason ? ": " + reason : " (HTTP " + resp.status + ")"));
  return false;
}

/**
 * The page frame, whose markup is in each page: the footer's API address and key, a health
 * check now and every HEALTH_EVERY_MS. When the backend comes back, a "Backend unreachable"
 * error is cleared and onBack() runs.
 */
export function startShell(errors, onBack) {
  $("api-base").textContent = describeBackend();
  bindApiKey();
  checkHealth();
  setInterval(async () => {
    const wasDown = $("backend-status").dataset.state !== "up";
    const up = await checkHealth();
    if (up && wasDown) {
      if (errors.showing("Backend unreachable")) errors.clear();
      if (onBack) onBack();
    }
  }, HEALTH_EVERY_MS);
}

// ------------------------------------------------------------ error box

/**
 * An error box (role=alert) made of a box, a title and a message element.
 * show(err, title, source) / clear(source): with a source, clear() only hides the box
 * while it still shows an error from that source.
 */
export function errorBox(boxId, titleId, messageId) {
  const box = $(boxId);
  const titleEl = $(titleId);
  const messageEl = $(messageId);

  function show(err, title, source) {
    const isApi = err instanceof ApiError;
    let heading = title || "Error";
    if (!title && isApi) {
      if (err.unreachable) heading = "Backend unreachable";
      else if (err.status) heading = "Request failed (HTTP " + err.status + (err.code ? ", " + err.code : "") + ")";
    }
    box.hidden = false;
    titleEl.textContent = heading;
    messageEl.textContent = err && err.message ? err.message : messageOf(err);
    box.dataset.code = isApi ? err.code : "";
    box.dataset.source = source || "";
    if (isApi && err.unreachable) setBackendState("down", "Backend unreachable");
  }

  function hide(source) {
    if (source && box.dataset.source !== source) return;
    box.hidden = true;
    titleEl.textContent = "Error";
    messageEl.textContent = "";
    box.dataset.code = "";
    box.dataset.source = "";
  }

  function showing(title) {
    return !box.hidden && titleEl.textContent === title;
  }

  return { show: show, clear: hide, showing: showing };
}

// ------------------------------------------------------------- settings

/** Restore the remembered priority into a <select> and remember each change. */
export function bindPriority(select) {
  const saved = store.get("priority");
  if (saved && PRIORITIES.includes(saved)) select.value = saved;
  select.addEventListener("change", () => store.set("priority", select.value));
}

// ------------------------------------------------------------- catalogs

function placeholder(select, text) {
  clear(select);
  select.appendChild(make("option", { text: text, attrs: { value: "" } }));
  select.disabled = true;
}

/** Fill a catalog <select>, keeping the current or remembered choice. False when there is none. */
function fillCatalogSelect(select, catalogs, label) {
  const previous = select.value || store.get("catalog") || "";
  if (!catalogs.length) {
    placeholder(select, "No catalogs");
    return false;
  }
  clear(select);
  const sorted = catalogs.slice().sort((a, b) => a.name.localeCompare(b.name));
  for (const c of sorted) {
    select.appendChild(make("option", { text: label(c), attrs: { value: c.name } }));
  }
  select.disabled = false;
  const keep = sorted.find((c) => c.name === previous) || sorted.find((c) => c.status === CatalogStatus.READY) || sorted[0];
  select.value = keep.name;
  return true;
}

/**
 * A catalog <select> with a Reload button, filled from GET /api/v1/catalogs.
 * opts: select, reload (button), errors (errorBox), label(catalog) -> option text,
 * errorSource (for errors.show), showLoading (a "Loading…" option while none is loaded),
 * onLoaded(any) (awaited), onUnavailable(), onDone().
 * picker.items holds the last list; picker.load({quiet}) reloads it.
 */
export function catalogPicker(opts) {
  const picker = { items: [], loading: false, load: load };

  async function load(loadOpts) {
    const quiet = Boolean(loadOpts && loadOpts.quiet);
    if (picker.loading) return;
    picker.loading = true;
    opts.reload.disabled = true;
    opts.select.setAttribute("aria-busy", "true");
    if (opts.showLoading && !picker.items.length) placeholder(opts.select, "Loading…");
    try {
      const data = await api("/api/v1/catalogs");
      picker.items = data && Array.isArray(data.items)
        ? data.items.filter((c) => c && typeof c.name === "string") : [];
      const any = fillCatalogSelect(opts.select, picker.items, opts.label);
      if (opts.onLoaded) await opts.onLoaded(any);
    } catch (err) {
      if (!quiet) opts.errors.show(err, err.unreachable ? undefined : "Could not load catalogs", opts.errorSource);
      if (!picker.items.length) {
        placeholder(opts.select, "Catalogs unavailable");
        if (opts.onUnavailable) opts.onUnavailable();
      }
    } finally {
      picker.loading = false;
      opts.reload.disabled = false;
      opts.select.removeAttribute("aria-busy");
      if (opts.onDone) opts.onDone();
    }
  }

  return picker;
}

// --------------------------------------------------------------- result

/** The objects in a list from the API (anything else is dropped); [] for a non-list. */
export function objectsIn(list) {
  return Array.isArray(list) ? list.filter((x) => x && typeof x === "object") : [];
}

export function keywordsOf(result) {
  const k = result.keywords;
  if (typeof k === "string") return k.trim();
  return Array.isArray(k) ? k.map(formatScalar).join(" ").trim() : "";
}

/** <li> chip "field op value" for one filter; small: the compact variant. */
export function filterChip(filter, small) {
  const op = String(filter.op);
  const field = formatScalar(filter.field);
  const li = make("li", {
    className: "chip chip-filter" + (small ? " chip-small" : "") + " op-" + op.replace(/[^a-z]/gi, ""),
    attrs: { "data-field": field, "data-op": op },
  });
  li.appendChild(make("span", { className: "chip-field", text: field }));
  li.appendChild(document.createTextNode(" "));
  li.appendChild(make("span", { className: "chip-op", text: OP_SYMBOLS[op] || op }));
  li.appendChild(document.createTextNode(" "));
  li.appendChild(make("span", { className: "chip-value", text: formatValue(filter.value) }));
  return li;
}

/** <li> chip "sort: field ↑/↓" for one sort key. */
export function sortChip(s, small) {
  const desc = String(s.order).toLowerCase() === "desc";
  const field = formatScalar(s.field);
  return make("li", {
    className: "chip chip-sort" + (small ? " chip-small" : ""),
    text: "sort: " + field + " " + (desc ? "↓" : "↑"),
    title: field + ", " + (desc ? "descending" : "ascending"),
    attrs: { "data-field": field, "data-order": desc ? "desc" : "asc" },
  });
}
