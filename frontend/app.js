/*
 * NLP2Filters web UI: the playground page (index.html), an ES module (no build step, no
 * dependencies). The API helper, error box, health pill, catalog picker and chips come from
 * common.js; the status words from statuses.js, generated from shared/statuses.py.
 * API data is only ever written with textContent / attributes, never innerHTML.
 */
import {
  $, store, clear, make, messageOf, formatScalar, formatValue, ApiError, api, streamEvents,
  objectsIn, keywordsOf, filterChip as plainFilterChip, sortChip, errorBox, catalogPicker,
  bindPriority, startShell,
} from "./common.js";
import { CatalogStatus, JobStatus, TERMINAL_JOB } from "./statuses.js";

const POLL_MS = 300; // pause before a read that follows a network failure
const LONG_POLL_S = 25; // seconds the server may hold one status read (at most 30)
const MAX_WAIT_MS = 10 * 60 * 1000; // stop watching a job after 10 minutes
const MAX_POLL_NETWORK_FAILURES = 5;
const CATALOG_REFRESH_MS = 2000; // while the selected catalog is still indexing

/**
 * The job status each progress step of index.html stands for, in their order; a step is its
 * index. A stage's name (an error's `stage`) is the status of that stage.
 */
const STEP_STATUSES = [JobStatus.QUEUED, JobStatus.EMBEDDING, JobStatus.LLM, JobStatus.FINISHED];
const LAST_STEP = STEP_STATUSES.length - 1;

const el = {
  catalogSelect: $("catalog-select"),
  reloadCatalogs: $("reload-catalogs"),
  catalogEmpty: $("catalog-empty"),
  catalogInfo: $("catalog-info"),
  catalogStatus: $("catalog-status"),
  catalogVersion: $("catalog-version"),
  catalogError: $("catalog-error"),
  catalogDescription: $("catalog-description"),
  catalogFieldsBody: $("catalog-fields-body"),
  catalogSortable: $("catalog-sortable"),
  form: $("query-form"),
  queryInput: $("query-input"),
  prioritySelect: $("priority-select"),
  submitBtn: $("submit-btn"),
  resultPanel: $("result-panel"),
  elapsed: $("elapsed"),
  steps: $("status-steps"),
  jobStatus: $("job-status"),
  jobMeta: $("job-meta"),
  jobError: $("job-error"),
  jobErrorHeading: $("job-error-heading"),
  jobErrorStageWrap: $("job-error-stage-wrap"),
  jobErrorStage: $("job-error-stage"),
  jobErrorCode: $("job-error-code"),
  jobErrorMessage: $("job-error-message"),
  resultBody: $("result-body"),
  filterChips: $("filter-chips"),
  noFilters: $("no-filters"),
  sortBlock: $("sort-block"),
  sortChips: $("sort-chips"),
  keywordsBlock: $("keywords-block"),
  keywords: $("keywords"),
  rawJson: $("raw-json"),
  copyJson: $("copy-json"),
  refineToggle: $("refine-toggle"),
  newConversation: $("new-conversation"),
  conversation: $("conversation"),
  conversationTurns: $("conversation-turns"),
  groupsBlock: $("groups-block"),
  groupList: $("group-list"),
  changesBlock: $("changes-block"),
  changeChips: $("change-chips"),
};
const errors = errorBox("error-box", "error-title", "error-message");

// ------------------------------------------------------------ conversation

/**
 * A conversation: the finished jobs of one line of follow-ups. With "Follow up" checked, a
 * submission names the last one as `refine` and its text is read as a change to that result;
 * each turn is listed with the changes it made, as chips.
 */
const conversation = { lastJobId: null, catalog: null, turns: 0 };

function resetConversation() {
  conversation.lastJobId = null;
  conversation.catalog = null;
  conversation.turns = 0;
  clear(el.conversationTurns);
  el.conversation.hidden = true;
  el.refineToggle.checked = false;
  el.refineToggle.disabled = true;
  el.newConversation.disabled = true;
}

/** "+ brand = Nike", "− colour = red", "brand: Adidas → Nike", "sort: price ↑". */
function changeChip(change) {
  const op = String(change.op);
  const li = make("li", { className: "chip chip-change change-" + op.replace(/[^a-z]/gi, ""),
                          attrs: { "data-op": op } });
  let text;
  if (change.filter && change.previous) {
    text = formatScalar(change.filter.field) + ": " + formatValue(change.previous.value) + " → " +
      formatValue(change.filter.value);
    if (change.previous.op !== change.filter.op) {
      text = formatScalar(change.filter.field) + " " + formatScalar(change.previous.op) + " " +
        formatValue(change.previous.value) + " → " + formatScalar(change.filter.op) + " " +
        formatValue(change.filter.value);
    }
  } else if (change.filter) {
    text = formatScalar(change.filter.field) + " " + formatScalar(change.filter.op) + " " +
      formatValue(change.filter.value);
  } else if (Array.isArray(change.sort)) {
    text = "sort: " + change.sort.map((k) => formatScalar(k.field) + " " +
      (k.order === "desc" ? "↓" : "↑")).join(", ");
  } else {
    text = "any of " + (Array.isArray(change.any_of) ? change.any_of.length : 0) + " groups";
  }
  const sign = { add: "+ ", remove: "− ", replace: "" }[op] || "";
  li.textContent = sign + text;
  return li;
}

/** A finished turn joins the conversation: listed with its changes; the next may refine it. */
function recordTurn(text, job) {
  const result = job.result || {};
  if (!el.refineToggle.checked || conversation.catalog !== job.catalog) {
    clear(el.conversationTurns);
    conversation.turns = 0;
  }
  conversation.lastJobId = job.job_id;
  conversation.catalog = job.catalog;
  conversation.turns += 1;
  const li = make("li", { className: "conversation-turn" });
  li.appendChild(make("span", { className: "turn-text", text: text }));
  const chips = make("ul", { className: "chips", attrs: { "aria-label": "changes" } });
  for (const c of objectsIn(result.changes)) chips.appendChild(changeChip(c));
  if (chips.childNodes.length) li.appendChild(chips);
  el.conversationTurns.appendChild(li);
  el.conversation.hidden = false;
  el.refineToggle.disabled = false;
  el.newConversation.disabled = false;
}

// ---------------------------------------------------------------- helpers

function seconds(ms) {
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
}

// ------------------------------------------------------------- catalogs

let catalogRefreshTimer = null;
const catalogDetails = new Map(); // name@version -> full catalog, when the list omits fields
const picker = catalogPicker({
  select: el.catalogSelect,
  reload: el.reloadCatalogs,
  errors: errors,
  showLoading: true,
  label: (c) => c.name + (c.status && c.status !== CatalogStatus.READY ? " (" + c.status + ")" : ""),
  onLoaded: (any) => {
    el.catalogEmpty.hidden = any;
    return renderCatalogInfo();
  },
  onUnavailable: () => { el.catalogInfo.hidden = true; },
  onDone: scheduleCatalogRefresh,
});

function selectedCatalog() {
  const name = el.catalogSelect.value;
  return picker.items.find((c) => c && c.name === name) || null;
}

function statusLabel(status) {
  return status ? String(status) : "unknown";
}

async function fieldsOf(catalog) {
  if (Array.isArray(catalog.fields)) return { fields: catalog.fields, sortable: catalog.sortable };
  const key = catalog.name + "@" + catalog.version;
  if (!catalogDetails.has(key)) {
    const full = await api("/api/v1/catalogs/" + encodeURIComponent(catalog.name));
    catalogDetails.set(key, full || {});
  }
  const full = catalogDetails.get(key);
  return { fields: Array.isArray(full.fields) ? full.fields : [], sortable: full.sortable };
}

function fieldDetails(field, sortable) {
  const parts = [];
  const type = field.type;
  if (type === "enum") {
    const n = Array.isArray(field.values) ? field.values.length : 0;
    parts.push(n + (n === 1 ? " value" : " values"));
    const s = field.synonyms && typeof field.synonyms === "object" ? Object.keys(field.synonyms).length : 0;
    if (s) parts.push(s + (s === 1 ? " synonym" : " synonyms"));
  } else if (type === "number") {
    const hasMin = typeof field.min === "number";
    const hasMax = typeof field.max === "number";
    if (hasMin && hasMax) parts.push(field.min + "–" + field.max);
    else if (hasMin) parts.push("≥ " + field.min);
    else if (hasMax) parts.push("≤ " + field.max);
    if (field.unit) parts.push(String(field.unit));
  } else if (type === "boolean") {
    parts.push("true / false");
  } else if (type === "date") {
    parts.push("YYYY-MM-DD");
  }
  if (sortable) parts.push("sortable");
  return parts.join(" · ");
}

async function renderCatalogInfo() {
  const catalog = selectedCatalog();
  updateSubmitState();
  if (!catalog) {
    el.catalogInfo.hidden = true;
    return;
  }
  store.set("catalog", catalog.name);
  el.catalogInfo.hidden = false;
  const status = statusLabel(catalog.status);
  el.catalogStatus.textContent = status;
  el.catalogStatus.dataset.status = status;
  el.catalogVersion.textContent = catalog.version != null ? "version " + catalog.version : "";
  const errText = catalog.error ? (typeof catalog.error === "object" && catalog.error.message
    ? messageOf(catalog.error.message) : messageOf(catalog.error)) : "";
  el.catalogError.hidden = !errText;
  el.catalogError.textContent = errText ? "Indexing error: " + errText : "";
  el.catalogDescription.textContent = catalog.description ? String(catalog.description) : "";
  el.catalogDescription.hidden = !catalog.description;

  let info;
  try {
    info = await fieldsOf(catalog);
  } catch (err) {
    info = { fields: [], sortable: [] };
    errors.show(err, "Could not load the catalog's fields");
  }
  if (selectedCatalog() !== catalog) return; // selection changed meanwhile
  const sortable = new Set(Array.isArray(info.sortable) ? info.sortable : []);
  clear(el.catalogFieldsBody);
  for (const field of info.fields) {
    if (!field || typeof field !== "object") continue;
    const tr = make("tr", { attrs: { "data-field": field.name } });
    const nameCell = make("th", { attrs: { scope: "row" } });
    nameCell.appendChild(make("code", { text: field.name }));
    if (field.description) nameCell.appendChild(make("span", { className: "field-desc", text: field.description }));
    tr.appendChild(nameCell);
    tr.appendChild(make("td", { className: "field-type type-" + String(field.type), text: field.type }));
    const details = make("td", { text: fieldDetails(field, sortable.has(field.name)) });
    if (field.type === "enum" && Array.isArray(field.values) && field.values.length) {
      const sample = field.values.slice(0, 25).map(String).join(", ");
      details.title = sample + (field.values.length > 25 ? ", …" : "");
    }
    tr.appendChild(details);
    el.catalogFieldsBody.appendChild(tr);
  }
  el.catalogSortable.textContent = sortable.size ? "Sortable: " + Array.from(sortable).join(", ") : "Not sortable";
  showExamples(exampleQueries(info.fields, Array.from(sortable)));
}

/**
 * Three requests written from the catalog's own fields (values, a range, a negation, a
 * sort), so the examples always make sense for the catalog that is selected.
 */
function exampleQueries(fields, sortable) {
  const enums = fields.filter((f) => f && f.type === "enum" && Array.isArray(f.values) && f.values.length);
  const numbers = fields.filter((f) => f && f.type === "number");
  const v = (f, i) => String(f.values[Math.min(i, f.values.length - 1)]);
  const amount = (f, share) => {
    const lo = typeof f.min === "number" ? f.min : 0;
    const hi = typeof f.max === "number" ? f.max : lo + 1000;
    const raw = lo + (hi - lo) * share;
    const step = Math.pow(10, Math.max(0, Math.floor(Math.log10(Math.max(raw, 1))) - 1));
    return Math.round(raw / step) * step;
  };
  const unit = (f) => (f.unit ? " " + f.unit : "");
  const num = numbers[0];
  const out = [];
  if (enums.length) {
    let text = enums.slice(0, 2).map((f) => v(f, 0)).join(" ");
    if (num) text += " under " + amount(num, 0.25) + unit(num);
    if (sortable.length) text += ", lowest " + sortable[0] + " first";
    out.push(text);
  }
  if (enums.length && enums[0].values.length > 2) {
    let text = v(enums[0], 1) + " or " + v(enums[0], 2);
    if (num) text += " between " + amount(num, 0.1) + " and " + amount(num, 0.5) + unit(num);
    out.push(text);
  }
  if (enums.length > 1) {
    const other = enums[enums.length - 1];
    out.push(v(enums[0], 0) + ", anything but " + v(other, 1) +
      (sortable.length > 1 ? ", highest " + sortable[1] + " first" : ""));
  }
  return out;
}

function showExamples(texts) {
  if (!texts.length) return;  // a catalog without enums: keep the general examples
  const list = document.querySelector(".example-list");
  clear(list);
  for (const text of texts) {
    const li = make("li");
    li.appendChild(make("button", { className: "example", text: text, attrs: { type: "button", "data-text": text } }));
    list.appendChild(li);
  }
}

function scheduleCatalogRefresh() {
  clearTimeout(catalogRefreshTimer);
  const catalog = selectedCatalog();
  if (catalog && catalog.status === CatalogStatus.INDEXING) {
    catalogRefreshTimer = setTimeout(() => picker.load({ quiet: true }), CATALOG_REFRESH_MS);
  }
}

// ---------------------------------------------------------------- query

let currentRun = null;
let posting = false;

function updateSubmitState() {
  el.submitBtn.disabled = posting || !el.catalogSelect.value;
}

function resetSteps() {
  for (const li of el.steps.children) {
    li.dataset.state = "pending";
    li.removeAttribute("aria-current");
    li.querySelector(".step-time").textContent = "";
    li.querySelector(".step-sr").textContent = ", not started";
  }
}

/** A step's state: pending, active, done, or the status that ended the job there. */
const STATE_SR = {
  pending: ", not started", active: ", in progress", done: ", complete",
  [JobStatus.FAILED]: ", failed", [JobStatus.CANCELED]: ", canceled",
};

/** Mark steps up to `idx`: earlier ones done, `idx` in `state`, later ones pending. */
function paintSteps(idx, state) {
  Array.from(el.steps.children).forEach((li, i) => {
    let s = "pending";
    if (i < idx) s = "done";
    else if (i === idx) s = state;
    li.dataset.state = s;
    li.querySelector(".step-sr").textContent = STATE_SR[s] || "";
    if (i === idx && s === "active") li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
  });
}

function stampStep(run, idx) {
  if (run.reached[idx] != null) return;
  run.reached[idx] = performance.now() - run.started;
  el.steps.children[idx].querySelector(".step-time").textContent = seconds(run.reached[idx]);
}

function setJobStatus(status, note) {
  el.jobStatus.dataset.status = status || "";
  el.jobStatus.textContent = "Status: " + (status || "—") + (note ? " — " + note : "");
}

function tickElapsed() {
  const run = currentRun;
  if (!run) return;
  const end = run.ended != null ? run.ended : performance.now();
  el.elapsed.textContent = seconds(end - run.started);
}

function startRun() {
  stopRun();
  const run = {
    started: performance.now(), ended: null, stopped: false, jobId: null,
    timer: null, ticker: null, failures: 0, lastStep: 0, reached: {},
  };
  currentRun = run;
  run.ticker = setInterval(tickElapsed, 100);

  el.resultPanel.hidden = false;
  el.resultPanel.setAttribute("aria-busy", "true");
  el.resultBody.hidden = true;
  el.jobError.hidden = true;
  clear(el.filterChips);
  clear(el.sortChips);
  el.rawJson.textContent = "";
  el.keywords.textContent = "";
  el.jobMeta.textContent = "";
  resetSteps();
  setJobStatus("submitting");
  tickElapsed();
  return run;
}

function stopRun() {
  const run = currentRun;
  if (!run) return;
  run.stopped = true;
  clearTimeout(run.timer);
  clearInterval(run.ticker);
  if (run.abort) run.abort.abort();
}

function endRun(run) {
  if (run.ended == null) run.ended = performance.now();
  run.stopped = true;
  clearTimeout(run.timer);
  clearInterval(run.ticker);
  if (run === currentRun) {
    tickElapsed();
    el.resultPanel.removeAttribute("aria-busy");
  }
}

function renderMeta(run, job) {
  const parts = [];
  if (run.jobId) parts.push("job " + run.jobId);
  const catalog = (job && (job.catalog || (job.result && job.result.catalog))) || run.catalog;
  const version = job && (job.catalog_version || (job.result && job.result.catalog_version));
  if (catalog) parts.push("catalog " + catalog + (version ? " v" + version : ""));
  if (run.priority) parts.push("priority " + run.priority);
  if (job && job.created_at && job.updated_at && TERMINAL_JOB.has(job.status)) {
    const a = Date.parse(job.created_at);
    const b = Date.parse(job.updated_at);
    if (!Number.isNaN(a) && !Number.isNaN(b) && b >= a) parts.push("server time " + seconds(b - a));
  }
  const model = job && job.result && job.result.model;
  if (model && typeof model === "object") {
    const names = Object.entries(model).map(([k, v]) => k + ": " + messageOf(v));
    if (names.length) parts.push(names.join(", "));
  }
  el.jobMeta.textContent = parts.join(" · ");
}

async function submitQuery(event) {
  if (event) event.preventDefault();
  if (posting) return;
  const text = el.queryInput.value.trim();
  const catalog = el.catalogSelect.value;
  const priority = el.prioritySelect.value || "normal";
  if (!text) {
    errors.show(new Error("Please type a search request first."), "Nothing to search for");
    el.queryInput.focus();
    return;
  }
  if (!catalog) {
    errors.show(new Error("Choose a catalog first (none is loaded)."), "No catalog selected");
    el.catalogSelect.focus();
    return;
  }
  errors.clear();
  const run = startRun();
  run.catalog = catalog;
  run.priority = priority;
  posting = true;
  updateSubmitState();
  el.submitBtn.setAttribute("aria-busy", "true");
  try {
    const body = { text: text, catalog: catalog, priority: priority };
    if (el.refineToggle.checked && conversation.lastJobId && conversation.catalog === catalog) {
      body.refine = conversation.lastJobId;
    }
    run.text = text;
    const resp = await api("/api/v1/queries", { method: "POST", body: JSON.stringify(body) });
    if (run !== currentRun || run.stopped) return;
    if (!resp || !resp.job_id) throw new ApiError("The backend did not return a job id.", {});
    run.jobId = String(resp.job_id);
    renderMeta(run, null);
    applyStatus(run, resp.status || JobStatus.QUEUED, null);
    follow(run);
  } catch (err) {
    if (run === currentRun) {
      endRun(run);
      setJobStatus("error");
      errors.show(err);
    }
  } finally {
    posting = false;
    el.submitBtn.removeAttribute("aria-busy");
    updateSubmitState();
  }
}

function applyStatus(run, status, job) {
  const step = STEP_STATUSES.indexOf(status);
  if (step >= 0) {
    // stages may be skipped between two polls: stamp everything up to this one
    for (let i = 0; i <= step; i++) stampStep(run, i);
    run.lastStep = step;
    paintSteps(step, step === LAST_STEP ? "done" : "active");
  } else if (status === JobStatus.FAILED || status === JobStatus.CANCELED) {
    const errStep = STEP_STATUSES.indexOf(job && job.error && job.error.stage);
    paintSteps(errStep >= 0 && errStep !== LAST_STEP ? errStep : run.lastStep, status);
  }
  setJobStatus(status);
}

/** Paint one view of the job; true when it is terminal (the run is then over). */
function showJob(run, job) {
  const status = job && typeof job.status === "string" ? job.status : "unknown";
  applyStatus(run, status, job);
  if (!TERMINAL_JOB.has(status)) return false;
  endRun(run);
  renderMeta(run, job);
  renderTerminal(job);
  if (status === JobStatus.FINISHED && run.text) recordTurn(run.text, job);
  return true;
}

/**
 * Live status from the job's event stream (GET /api/v1/jobs/{id}/events, pushed by the
 * server on every change); when the stream cannot be opened, breaks or times out,
 * long-polling (GET /api/v1/jobs/{id}?wait=S) takes over where it left off.
 */
async function follow(run) {
  run.abort = new AbortController();
  el.jobStatus.dataset.transport = "events";
  try {
    await streamEvents("/api/v1/jobs/" + encodeURIComponent(run.jobId) + "/events",
      (name, data) => {
        if (name === "job" && run === currentRun && !run.stopped) showJob(run, data);
      }, { signal: run.abort.signal });
  } catch (_) {
    /* no stream (old proxy, network): long-polling below */
  }
  if (run.stopped || run !== currentRun) return;
  el.jobStatus.dataset.transport = "polling";
  poll(run);
}

async function poll(run) {
  if (run.stopped) return;
  let job;
  try {
    // the server answers when the job ends, or after LONG_POLL_S with its state then
    job = await api("/api/v1/jobs/" + encodeURIComponent(run.jobId) + "?wait=" + LONG_POLL_S,
      { signal: run.abort && run.abort.signal });
  } catch (err) {
    if (run.stopped || run !== currentRun) return;
    if (err.unreachable && ++run.failures < MAX_POLL_NETWORK_FAILURES) {
      setJobStatus(el.jobStatus.dataset.status, "connection lost, retrying…");
      run.timer = setTimeout(() => poll(run), POLL_MS * 3);
      return;
    }
    endRun(run);
    setJobStatus("error");
    errors.show(err, err.status === 404 ? "Job not found" : undefined);
    return;
  }
  if (run.stopped || run !== currentRun) return;
  run.failures = 0;
  if (showJob(run, job)) return;
  if (performance.now() - run.started > MAX_WAIT_MS) {
    const status = el.jobStatus.dataset.status;
    endRun(run);
    errors.show(new Error("Stopped waiting after " + seconds(MAX_WAIT_MS) + "; the job is still " +
      status + ". Job id: " + run.jobId), "Still running");
    return;
  }
  run.timer = setTimeout(() => poll(run), 0);  // the next long-poll; the wait is server-side
}

// --------------------------------------------------------------- result

function sameValue(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  return a === b || String(a) === String(b);
}

function provenanceFor(filter, provenance) {
  if (!Array.isArray(provenance) || !provenance.length) return [];
  const sameField = provenance.filter((p) => p && p.field === filter.field);
  const exact = sameField.filter((p) => {
    if (sameValue(p.value, filter.value)) return true;
    if (Array.isArray(filter.value) && !Array.isArray(p.value)) {
      return filter.value.some((v) => sameValue(v, p.value));
    }
    return false;
  });
  if (exact.length) return exact;
  // A field with a single filter: its provenance is unambiguous even if values were normalized.
  return sameField;
}

function provenanceText(p) {
  const parts = [];
  if (p.span != null && p.span !== "") parts.push("from '" + formatScalar(p.span) + "'");
  if (p.stage) parts.push("via " + formatScalar(p.stage));
  let text = parts.join(" ");
  if (typeof p.score === "number" && Number.isFinite(p.score)) {
    text += (text ? ", " : "") + "score " + p.score.toFixed(2);
  }
  return text;
}

let provenanceIds = 0;  // ties each chip's button to its own provenance note

/**
 * The shared filter chip. With provenance, the chip's text is a button and where the filter
 * came from is a note inside the chip, shown on keyboard focus and toggled by click, tap,
 * Enter or Space: a tooltip reaches neither keyboard nor touch users. The note is also the
 * button's description, so a screen reader reads it on focus.
 */
function filterChip(filter, provenance, filtersOnField) {
  const li = plainFilterChip(filter);
  let prov = provenanceFor(filter, provenance);
  if (filtersOnField > 1) {
    // several filters on one field (e.g. a range): only trust value matches
    prov = prov.filter((p) => sameValue(p.value, filter.value) ||
      (Array.isArray(filter.value) && filter.value.some((v) => sameValue(v, p.value))));
  }
  if (!prov.length) return li;
  const id = "provenance-" + ++provenanceIds;
  const button = make("button", {
    className: "chip-toggle",
    attrs: { type: "button", "aria-controls": id, "aria-describedby": id },
  });
  button.append(...li.childNodes);
  const note = make("span", { className: "chip-provenance", attrs: { id: id } });
  for (const p of prov) {
    const t = provenanceText(p);
    note.appendChild(make("span", {
      className: "provenance-line",
      text: prov.length > 1 ? formatScalar(Array.isArray(p.value) ? formatValue(p.value) : p.value) + ": " + t : t,
    }));
  }
  li.append(button, note);
  li.classList.add("has-provenance");
  bindProvenance(button, note);
  return li;
}

/**
 * Shown while the button has keyboard focus (:focus-visible: a click or tap focuses it too,
 * and then toggles it instead); click, tap, Enter and Space toggle it; Escape or leaving the
 * chip hides it (WCAG 1.4.13: content on focus can be dismissed).
 */
function bindProvenance(button, note) {
  const show = (open) => {
    note.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  };
  show(false);
  button.addEventListener("focus", () => { if (button.matches(":focus-visible")) show(true); });
  button.addEventListener("blur", () => show(false));
  button.addEventListener("click", () => show(note.hidden));
  button.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !note.hidden) {
      e.preventDefault();
      show(false);
    }
  });
}

function renderTerminal(job) {
  el.resultBody.hidden = true;
  el.jobError.hidden = true;
  if (job.status === JobStatus.FINISHED) {
    renderResult(job.result);
    loadRenderings(job.job_id);
    return;
  }
  el.jobError.hidden = false;
  if (job.status === JobStatus.CANCELED) {
    el.jobErrorHeading.textContent = "Canceled";
    el.jobErrorStageWrap.hidden = true;
    el.jobErrorCode.textContent = "";
    el.jobErrorMessage.textContent = "The job was canceled before it finished.";
    return;
  }
  const error = job.error && typeof job.error === "object" ? job.error : {};
  el.jobErrorHeading.textContent = "Failed";
  el.jobErrorStageWrap.hidden = !error.stage;
  el.jobErrorStage.textContent = error.stage ? formatScalar(error.stage) : "";
  el.jobErrorCode.textContent = error.code ? "(" + formatScalar(error.code) + ")" : "";
  el.jobErrorMessage.textContent = error.message ? formatScalar(error.message)
    : (typeof job.error === "string" ? job.error : "The job failed without an error message.");
}

function renderResult(result) {
  el.resultBody.hidden = false;
  clear(el.filterChips);
  clear(el.sortChips);
  if (!result || typeof result !== "object") {
    el.noFilters.hidden = false;
    el.sortBlock.hidden = true;
    el.keywordsBlock.hidden = true;
    el.groupsBlock.hidden = true;
    el.changesBlock.hidden = true;
    el.rawJson.textContent = messageOf(result);
    return;
  }
  const filters = objectsIn(result.filters);
  const perField = {};
  for (const f of filters) perField[f.field] = (perField[f.field] || 0) + 1;
  for (const f of filters) el.filterChips.appendChild(filterChip(f, result.provenance, perField[f.field]));
  el.noFilters.hidden = filters.length > 0;

  clear(el.groupList);
  const groups = Array.isArray(result.any_of) ? result.any_of.filter(Array.isArray) : [];
  for (const group of groups) {
    const li = make("li", { className: "group" });
    const chips = make("ul", { className: "chips" });
    for (const f of objectsIn(group)) chips.appendChild(plainFilterChip(f));
    li.appendChild(chips);
    el.groupList.appendChild(li);
  }
  el.groupsBlock.hidden = groups.length === 0;

  clear(el.changeChips);
  const changes = objectsIn(result.changes);
  for (const c of changes) el.changeChips.appendChild(changeChip(c));
  el.changesBlock.hidden = changes.length === 0;

  const sort = objectsIn(result.sort);
  for (const s of sort) el.sortChips.appendChild(sortChip(s));
  el.sortBlock.hidden = sort.length === 0;

  const keywords = keywordsOf(result);
  el.keywords.textContent = keywords;
  el.keywordsBlock.hidden = !keywords;

  el.rawJson.textContent = JSON.stringify(result, null, 2);
}

// ------------------------------------------------------------ renderings

let renderings = null;

/** The text of one rendering: JSON for the search engines, a WHERE clause for SQL. */
function renderingText(format, body) {
  if (format !== "sql") return JSON.stringify(body, null, 2);
  let text = "WHERE " + body.where + "\n-- parameters (" + body.placeholder + "): " + JSON.stringify(body.params);
  if (body.order_by) text += "\nORDER BY " + body.order_by;
  return text;
}

function selectTab(tab, focus) {
  for (const t of document.querySelectorAll("#render-tabs [role=tab]")) {
    const on = t === tab;
    t.setAttribute("aria-selected", on ? "true" : "false");
    t.tabIndex = on ? 0 : -1;
  }
  const panel = $("render-panel");
  panel.setAttribute("aria-labelledby", tab.id);
  panel.dataset.format = tab.dataset.format;
  panel.textContent = renderings ? renderingText(tab.dataset.format, renderings[tab.dataset.format]) : "";
  if (focus) tab.focus();
}

async function loadRenderings(jobId) {
  $("renderings").hidden = true;
  renderings = null;
  if (!jobId) return;
  try {
    const data = await api("/api/v1/jobs/" + encodeURIComponent(jobId) + "/renderings");
    renderings = data.renderings;
  } catch (_) {
    return;  // an older backend without renderings: the JSON above is still there
  }
  $("renderings").hidden = false;
  selectTab(document.querySelector("#render-tabs [aria-selected=true]"), false);
}

/** Tabs as the ARIA pattern wants them: click, or arrow keys / Home / End. */
function bindTabs() {
  const tabs = Array.from(document.querySelectorAll("#render-tabs [role=tab]"));
  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab, false));
    tab.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      selectTab(tabs[(next + tabs.length) % tabs.length], true);
    });
  }
}

async function copyJson() {
  const text = el.rawJson.textContent;
  if (!text) return;
  const label = el.copyJson.textContent;
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      ok = true;
    }
  } catch (_) { ok = false; }
  if (!ok) {
    const range = document.createRange();
    range.selectNodeContents(el.rawJson);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
  }
  el.copyJson.textContent = ok ? "Copied" : "Select & copy manually";
  setTimeout(() => { el.copyJson.textContent = label; }, 1500);
}

// ---------------------------------------------------------------- wiring

function init() {
  bindPriority(el.prioritySelect);

  el.form.addEventListener("submit", submitQuery);
  el.queryInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      if (typeof el.form.requestSubmit === "function") el.form.requestSubmit(el.submitBtn);
      else submitQuery(null);
    }
  });
  el.catalogSelect.addEventListener("change", () => {
    resetConversation();
    renderCatalogInfo();
    scheduleCatalogRefresh();
  });
  el.reloadCatalogs.addEventListener("click", () => {
    errors.clear();
    catalogDetails.clear();
    picker.load();
  });
  el.copyJson.addEventListener("click", copyJson);
  el.newConversation.addEventListener("click", () => {
    resetConversation();
    el.queryInput.focus();
  });
  bindTabs();
  document.querySelector(".example-list").addEventListener("click", (e) => {
    const btn = e.target.closest(".example");
    if (!btn) return;
    el.queryInput.value = btn.dataset.text || btn.textContent;
    el.queryInput.focus();
  });

  updateSubmitState();
  startShell(errors, () => {
    if (!picker.items.length) picker.load({ quiet: true });
  });
  picker.load(); // shows "Backend unreachable" in the error box if it cannot connect
}

init();
