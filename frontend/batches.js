/*
 * NLP2Filters web UI: the batch page (batches.html), an ES module (no build step, no
 * dependencies). The API helper, error box, health pill, catalog picker and chips come from
 * common.js; the status words from statuses.js, generated from shared/statuses.py.
 * API data is only ever written with textContent / attributes, never innerHTML.
 */
import {
  $, store, clear, make, formatScalar, ApiError, api, API_BASE, PRIORITIES,
  objectsIn, keywordsOf, filterChip, sortChip, errorBox, catalogPicker, bindPriority, startShell,
} from "./common.js";
import { BatchStatus, CatalogStatus, TERMINAL_BATCH } from "./statuses.js";

const POLL_MS = 1000;              // batch status
const RESULTS_MS = 2000;           // current results page, while the batch runs
const RETRY_MS = 3000;             // after a failed poll
const HIDDEN_POLL_MS = 5000;       // while the tab is in the background
const MAX_POLL_FAILURES = 10;      // consecutive non-network failures before giving up
const PAGE_SIZE = 50;

const CANCELABLE = new Set([BatchStatus.QUEUED, BatchStatus.IN_PROGRESS]);

const el = {
  form: $("batch-form"),
  catalog: $("batch-catalog"),
  reloadCatalogs: $("batch-reload-catalogs"),
  priority: $("batch-priority"),
  texts: $("batch-texts"),
  textsCount: $("batch-texts-count"),
  file: $("batch-file"),
  fileChosen: $("batch-file-chosen"),
  fileName: $("batch-file-name"),
  fileClear: $("batch-file-clear"),
  submit: $("batch-submit"),
  empty: $("batch-empty"),
  details: $("batch-details"),
  batchId: $("batch-id"),
  status: $("batch-status"),
  announce: $("batch-announce"),
  progress: $("batch-progress"),
  progressText: $("batch-progress-text"),
  failed: $("batch-failed"),
  eta: $("batch-eta"),
  rate: $("batch-rate"),
  created: $("batch-created"),
  started: $("batch-started"),
  finished: $("batch-finished"),
  cancel: $("cancel-btn"),
  download: $("download-link"),
  resultsPanel: $("results-panel"),
  resultsRange: $("results-range"),
  resultsTable: $("results-table"),
  resultsBody: $("results-body"),
  resultsEmpty: $("results-empty"),
  resultsPage: $("results-page"),
  prev: $("prev-page"),
  next: $("next-page"),
};
const errors = errorBox("batch-error", "batch-error-title", "batch-error-message");

// ---------------------------------------------------------------- helpers

function plural(n, one, many) {
  return n + " " + (n === 1 ? one : many);
}

function batchPath(id) {
  return "/api/v1/batches/" + encodeURIComponent(id);
}

// ------------------------------------------------------------- formatting

/** 12 -> "12 s", 180 -> "3 min", 5400 -> "1 h 30 min". */
function formatDuration(sec) {
  if (typeof sec !== "number" || !Number.isFinite(sec) || sec < 0) return "—";
  const s = Math.round(sec);
  if (s < 60) return s + " s";
  const m = Math.round(s / 60);
  if (m < 60) return m + " min";
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return h + " h" + (rest ? " " + rest + " min" : "");
}

function formatRate(rate) {
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate <= 0) return "—";
  const digits = rate >= 100 ? 0 : rate >= 10 ? 1 : 2;
  return rate.toFixed(digits) + " queries/s";
}

function formatTime(value) {
  if (value == null || value === "") return "—";
  let ms;
  if (typeof value === "number") ms = value < 1e12 ? value * 1000 : value; // epoch seconds or ms
  else ms = Date.parse(String(value));
  if (!Number.isFinite(ms)) return String(value);
  return new Date(ms).toLocaleString();
}

function statusText(status) {
  return status ? String(status).replace(/_/g, " ") : "unknown";
}

// ------------------------------------------------------------- catalogs

const picker = catalogPicker({
  select: el.catalog,
  reload: el.reloadCatalogs,
  errors: errors,
  errorSource: "catalogs",
  label: (c) => c.name + (c.version != null ? " v" + c.version : "") +
    (c.status && c.status !== CatalogStatus.READY ? " (" + c.status + ")" : ""),
  onDone: updateSubmitState,
});

// ---------------------------------------------------------------- input

let posting = false;

function updateSubmitState() {
  el.submit.disabled = posting || !el.catalog.value;
}

function linesOf(text) {
  return String(text).replace(/^\uFEFF/, "").split(/\r\n|\r|\n/).map((s) => s.trim()).filter(Boolean);
}

function chosenFile() {
  return el.file.files && el.file.files.length ? el.file.files[0] : null;
}

function isJsonl(file) {
  return /\.(jsonl|ndjson)$/i.test(file.name);
}

function formatBytes(n) {
  if (n < 1024) return plural(n, "byte", "bytes");
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}

function updateTextsCount() {
  const n = linesOf(el.texts.value).length;
  el.textsCount.textContent = plural(n, "query", "queries") + ". Empty lines are skipped." +
    (chosenFile() ? " A file is chosen: it is used instead." : "");
}

function updateFileInfo() {
  const file = chosenFile();
  el.fileChosen.hidden = !file;
  el.fileName.textContent = file
    ? file.name + " (" + formatBytes(file.size) + ", " + (isJsonl(file) ? "JSONL upload" : "one query per line") + ")"
    : "";
  updateTextsCount();
}

function readFileText(file) {
  if (typeof file.text === "function") return file.text();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error || new Error("Could not read the file."));
    reader.readAsText(file);
  });
}

/** The request for the current input: {path, body, headers} or null with an error shown. */
async function buildRequest(catalog, priority) {
  const file = chosenFile();
  if (file && isJsonl(file)) {
    const query = "?catalog=" + encodeURIComponent(catalog) + "&priority=" + encodeURIComponent(priority);
    return { body: file, headers: { "Content-Type": "application/x-ndjson" }, query: query };
  }
  let texts;
  if (file) {
    let content;
    try {
      content = await readFileText(file);
    } catch (err) {
      errors.show(err, "Could not read " + file.name, "submit");
      return null;
    }
    texts = linesOf(content);
    if (!texts.length) {
      errors.show(new Error(file.name + " has no non-empty lines."), "Nothing to submit", "submit");
      el.file.focus();
      return null;
    }
  } else {
    texts = linesOf(el.texts.value);
    if (!texts.length) {
      errors.show(new Error("Type at least one search request (one per line), or choose a file."),
        "Nothing to submit", "submit");
      el.texts.focus();
      return null;
    }
  }
  return { body: JSON.stringify({ catalog: catalog, texts: texts, priority: priority }), headers: {}, query: "" };
}

async function submitBatch(event) {
  if (event) event.preventDefault();
  if (posting) return;
  const catalog = el.catalog.value;
  const priority = PRIORITIES.includes(el.priority.value) ? el.priority.value : "normal";
  if (!catalog) {
    errors.show(new Error("Choose a catalog first (none is loaded)."), "No catalog selected", "submit");
    el.catalog.focus();
    return;
  }
  errors.clear();
  posting = true;
  updateSubmitState();
  el.submit.setAttribute("aria-busy", "true");
  try {
    const req = await buildRequest(catalog, priority);
    if (!req) return;
    const resp = await api("/api/v1/batches" + req.query, { method: "POST", body: req.body, headers: req.headers });
    if (!resp || resp.batch_id == null || resp.batch_id === "") {
      throw new ApiError("The backend did not return a batch id.", {});
    }
    const id = String(resp.batch_id);
    setHash(id);
    watch(id, resp);
  } catch (err) {
    errors.show(err, undefined, "submit");
  } finally {
    posting = false;
    el.submit.removeAttribute("aria-busy");
    updateSubmitState();
  }
}

// ------------------------------------------------------------- the hash

function hashBatchId() {
  const hash = window.location.hash.replace(/^#/, "");
  if (!hash) return null;
  let id = null;
  try { id = new URLSearchParams(hash).get("batch"); } catch (_) { id = null; }
  return id && id.trim() ? id.trim() : null;
}

function setHash(id) {
  const hash = "#batch=" + encodeURIComponent(id);
  if (window.location.hash === hash) return;
  try {
    window.history.replaceState(null, "", hash);
  } catch (_) {
    window.location.hash = hash; // fires hashchange; watch() ignores the same id
  }
}

// ------------------------------------------------------------- watching

let current = null; // the watched batch: {id, stopped, batch, offset, ...}

function stopWatching() {
  const w = current;
  if (!w) return;
  w.stopped = true;
  clearTimeout(w.pollTimer);
  clearTimeout(w.resultsTimer);
}

function isTerminal(w) {
  return Boolean(w.batch && TERMINAL_BATCH.has(w.batch.status));
}

function watch(id, initial) {
  if (current && current.id === id && !current.stopped) {
    if (initial) applyBatch(current, initial);
    return;
  }
  stopWatching();
  const w = {
    id: id, stopped: false, batch: null, offset: 0, failures: 0,
    pollTimer: null, resultsTimer: null, resultsSeq: 0, resultsKey: null, lastStatus: null,
  };
  current = w;

  el.empty.hidden = true;
  el.details.hidden = false;
  el.resultsPanel.hidden = false;
  el.batchId.textContent = id;
  el.download.href = API_BASE + batchPath(id) + "/results?format=jsonl";
  el.download.setAttribute("download", "batch-" + id.replace(/[^A-Za-z0-9._-]/g, "_") + "-results.jsonl");
  clear(el.resultsBody);
  el.resultsEmpty.hidden = true;
  el.resultsRange.textContent = "";
  el.resultsPage.textContent = "";
  el.prev.disabled = true;
  el.next.disabled = true;
  resetBatchView();
  if (initial && typeof initial === "object") applyBatch(w, initial);
  else setStatus(w, "loading");

  pollBatch(w);
  resultsLoop(w);
}

function resetBatchView() {
  el.progress.value = 0;
  el.progressText.textContent = "0/0 (0%)";
  el.failed.textContent = "0";
  el.failed.dataset.count = "0";
  el.eta.textContent = "—";
  el.rate.textContent = "—";
  el.created.textContent = "—";
  el.started.textContent = "—";
  el.finished.textContent = "—";
  el.cancel.disabled = true;
}

function setStatus(w, status) {
  el.status.dataset.status = status;
  el.status.textContent = statusText(status);
  if (status !== w.lastStatus) {
    w.lastStatus = status;
    if (status !== "loading") el.announce.textContent = "Batch " + w.id + " is " + statusText(status) + ".";
  }
}

function num(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function applyBatch(w, batch) {
  if (!batch || typeof batch !== "object") return;
  w.batch = Object.assign({}, w.batch || {}, batch);
  const b = w.batch;
  const status = typeof b.status === "string" && b.status ? b.status : "unknown";
  setStatus(w, status);

  const total = num(b.total);
  const processed = num(b.processed) || 0;
  let progress = num(b.progress);
  if (progress == null) progress = total ? processed / total : 0;
  if (status === BatchStatus.FINISHED && !total) progress = 1;
  progress = Math.min(1, Math.max(0, progress));
  el.progress.value = Math.round(progress * 1000) / 10;
  const pct = Math.floor(progress * 100 + 1e-9);
  el.progressText.textContent = processed + "/" + (total == null ? "?" : total) + " (" + pct + "%)";

  const failed = num(b.failed) || 0;
  el.failed.textContent = String(failed);
  el.failed.dataset.count = String(failed);

  const terminal = TERMINAL_BATCH.has(status);
  el.eta.textContent = terminal ? "—" : formatDuration(num(b.eta_seconds));
  el.rate.textContent = formatRate(num(b.rate_per_second));
  el.created.textContent = formatTime(b.created_at);
  el.started.textContent = formatTime(b.started_at);
  el.finished.textContent = formatTime(b.finished_at);

  setCancelEnabled(CANCELABLE.has(status) && !w.canceling);
  if (total != null) updatePager(w);
}

/** Disable a button without dropping keyboard focus on the floor. */
function setDisabled(btn, disabled, fallback) {
  if (disabled && document.activeElement === btn) {
    btn.disabled = true;
    if (fallback && !fallback.disabled) fallback.focus();
    else el.resultsTable.parentElement.focus();
    return;
  }
  btn.disabled = disabled;
}

function setCancelEnabled(enabled) {
  if (!enabled && document.activeElement === el.cancel) {
    el.cancel.disabled = true;
    el.download.focus();
    return;
  }
  el.cancel.disabled = !enabled;
}

function schedule(w, key, fn, ms) {
  if (w.stopped) return;
  clearTimeout(w[key]);
  w[key] = setTimeout(fn, document.hidden ? Math.max(ms, HIDDEN_POLL_MS) : ms);
}

async function pollBatch(w) {
  if (w.stopped) return;
  let batch;
  try {
    batch = await api(batchPath(w.id));
  } catch (err) {
    if (w.stopped || w !== current) return;
    w.failures += 1;
    if (err.status === 404) {
      setStatus(w, "not_found");
      setCancelEnabled(false);
      errors.show(err, "Batch not found", "poll");
      stopWatching();
      return;
    }
    errors.show(err, err.unreachable ? undefined : "Could not refresh the batch", "poll");
    if (!err.unreachable && w.failures >= MAX_POLL_FAILURES) {
      stopWatching();
      return;
    }
    schedule(w, "pollTimer", () => pollBatch(w), RETRY_MS);
    return;
  }
  if (w.stopped || w !== current) return;
  if (w.failures) errors.clear("poll");
  w.failures = 0;
  const wasTerminal = isTerminal(w);
  applyBatch(w, batch);
  if (isTerminal(w)) {
    clearTimeout(w.resultsTimer);
    if (!wasTerminal || w.resultsKey == null) loadResults(w, w.offset);
    return;
  }
  schedule(w, "pollTimer", () => pollBatch(w), POLL_MS);
}

async function resultsLoop(w) {
  if (w.stopped) return;
  await loadResults(w, w.offset);
  if (w.stopped || w !== current || isTerminal(w)) return;
  schedule(w, "resultsTimer", () => resultsLoop(w), RESULTS_MS);
}

async function cancelBatch() {
  const w = current;
  if (!w || w.stopped || w.canceling) return;
  w.canceling = true;
  setCancelEnabled(false);
  el.cancel.setAttribute("aria-busy", "true");
  try {
    const batch = await api(batchPath(w.id), { method: "DELETE" });
    if (w !== current) return;
    errors.clear();
    w.canceling = false;
    const wasTerminal = isTerminal(w);
    applyBatch(w, batch);
    if (isTerminal(w)) {
      clearTimeout(w.pollTimer);
      clearTimeout(w.resultsTimer);
      if (!wasTerminal) loadResults(w, w.offset);
    }
  } catch (err) {
    if (w !== current) return;
    w.canceling = false;
    errors.show(err, "Could not cancel the batch", "cancel");
    if (w.batch) setCancelEnabled(CANCELABLE.has(w.batch.status));
  } finally {
    el.cancel.removeAttribute("aria-busy");
  }
}

// -------------------------------------------------------------- results

async function loadResults(w, offset) {
  if (w.stopped && !isTerminal(w)) return;
  const seq = ++w.resultsSeq;
  let data;
  try {
    data = await api(batchPath(w.id) + "/results?offset=" + offset + "&limit=" + PAGE_SIZE);
  } catch (err) {
    if (w !== current || seq !== w.resultsSeq) return;
    // A batch that is still queued may have no results to show yet: stay quiet about a 404/409.
    if (!(err.status === 404 || err.status === 409) || isTerminal(w)) {
      errors.show(err, err.unreachable ? undefined : "Could not load results", "results");
    }
    return;
  }
  if (w !== current || seq !== w.resultsSeq) return;
  errors.clear("results");
  w.offset = offset;
  const items = objectsIn(data && data.items);
  w.nextOffset = data && typeof data.next_offset === "number" ? data.next_offset : null;
  w.pageCount = items.length;
  const key = offset + ":" + JSON.stringify(items);
  if (key !== w.resultsKey) {
    w.resultsKey = key;
    renderResults(items);
  }
  updatePager(w);
}

function updatePager(w) {
  const total = w.batch ? num(w.batch.total) : null;
  const n = w.pageCount || 0;
  el.resultsRange.textContent = n
    ? "Items " + (w.offset + 1) + "–" + (w.offset + n) + (total != null ? " of " + total : "")
    : "";
  const page = Math.floor(w.offset / PAGE_SIZE) + 1;
  const pages = total ? Math.max(1, Math.ceil(total / PAGE_SIZE)) : null;
  el.resultsPage.textContent = "Page " + page + (pages ? " of " + pages : "");
  setDisabled(el.prev, w.offset <= 0, el.next);
  setDisabled(el.next, w.nextOffset == null, el.prev);
}

function goToPage(delta) {
  const w = current;
  if (!w) return;
  let offset;
  if (delta > 0) {
    if (w.nextOffset == null) return;
    offset = w.nextOffset;
  } else {
    if (w.offset <= 0) return;
    offset = Math.max(0, w.offset - PAGE_SIZE);
  }
  w.resultsKey = null;
  loadResults(w, offset).then(() => {
    if (w === current && w.offset === offset) {
      el.announce.textContent = el.resultsRange.textContent || el.resultsPage.textContent;
    }
  });
}

function filtersCell(item) {
  const td = make("td", { className: "col-filters" });
  const result = item.result && typeof item.result === "object" ? item.result : null;
  if (!result) {
    td.appendChild(make("span", { className: "muted", text: "—" }));
    return td;
  }
  const filters = objectsIn(result.filters);
  const sort = objectsIn(result.sort);
  if (filters.length || sort.length) {
    const ul = make("ul", { className: "chips chips-compact" });
    for (const f of filters) ul.appendChild(filterChip(f, true));
    for (const s of sort) ul.appendChild(sortChip(s, true));
    td.appendChild(ul);
  } else {
    td.appendChild(make("span", { className: "muted", text: "No filters" }));
  }
  const keywords = keywordsOf(result);
  if (keywords) td.appendChild(make("p", { className: "cell-keywords muted", text: "keywords: " + keywords }));
  return td;
}

function errorCell(item) {
  const td = make("td", { className: "col-error" });
  const error = item.error;
  if (!error) return td;
  if (typeof error !== "object") {
    td.appendChild(make("span", { className: "cell-error", text: formatScalar(error) }));
    return td;
  }
  td.appendChild(make("span", {
    className: "cell-error",
    text: error.message ? formatScalar(error.message) : (error.code ? formatScalar(error.code) : "Failed"),
  }));
  const meta = [];
  if (error.stage) meta.push("stage " + formatScalar(error.stage));
  if (error.code) meta.push(formatScalar(error.code));
  if (meta.length) td.appendChild(make("span", { className: "cell-error-meta muted", text: meta.join(" · ") }));
  return td;
}

function renderResults(items) {
  const withCustomId = items.some((it) => it.custom_id != null && it.custom_id !== "");
  for (const th of el.resultsTable.querySelectorAll("thead .col-custom-id")) th.hidden = !withCustomId;
  const rows = document.createDocumentFragment();
  for (const item of items) {
    const status = typeof item.status === "string" && item.status ? item.status : "unknown";
    const tr = make("tr", { attrs: { "data-index": formatScalar(item.index), "data-status": status } });
    tr.appendChild(make("th", { className: "col-index", text: formatScalar(item.index), attrs: { scope: "row" } }));
    const idCell = make("td", { className: "col-custom-id", text: item.custom_id == null ? "" : formatScalar(item.custom_id) });
    idCell.hidden = !withCustomId;
    tr.appendChild(idCell);
    tr.appendChild(make("td", { className: "col-text", text: item.text == null ? "" : formatScalar(item.text) }));
    const statusCell = make("td", { className: "col-status" });
    statusCell.appendChild(make("span", { className: "badge badge-small", text: statusText(status), attrs: { "data-status": status } }));
    tr.appendChild(statusCell);
    tr.appendChild(filtersCell(item));
    tr.appendChild(errorCell(item));
    rows.appendChild(tr);
  }
  clear(el.resultsBody);
  el.resultsBody.appendChild(rows);
  el.resultsEmpty.hidden = items.length > 0;
}

// ---------------------------------------------------------------- wiring

function init() {
  bindPriority(el.priority);

  el.form.addEventListener("submit", submitBatch);
  el.catalog.addEventListener("change", () => store.set("catalog", el.catalog.value));
  el.reloadCatalogs.addEventListener("click", () => {
    errors.clear("catalogs");
    picker.load();
  });
  el.texts.addEventListener("input", updateTextsCount);
  el.file.addEventListener("change", updateFileInfo);
  el.fileClear.addEventListener("click", () => {
    el.file.value = "";
    updateFileInfo();
    el.file.focus();
  });
  el.cancel.addEventListener("click", cancelBatch);
  el.prev.addEventListener("click", () => goToPage(-1));
  el.next.addEventListener("click", () => goToPage(1));
  window.addEventListener("hashchange", () => {
    const id = hashBatchId();
    if (id && (!current || current.id !== id || current.stopped)) {
      errors.clear();
      watch(id);
    }
  });

  updateFileInfo();
  updateSubmitState();
  startShell(errors, () => {
    if (!picker.items.length) picker.load({ quiet: true });
  });
  picker.load();
  const resumeId = hashBatchId();
  if (resumeId) watch(resumeId);
}

init();
