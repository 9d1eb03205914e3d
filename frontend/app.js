/*
 * NLP2Filters web UI. Plain JS, no build step, no dependencies.
 *
 * Every call goes to window.NLP2F_API_BASE + path (see config.js).
 * API data is only ever written with textContent / attributes, never innerHTML.
 */
"use strict";

(function () {
  const API_BASE = String(window.NLP2F_API_BASE == null ? "" : window.NLP2F_API_BASE).replace(/\/+$/, "");
  const POLL_MS = 300;
  const MAX_WAIT_MS = 10 * 60 * 1000; // stop watching a job after 10 minutes
  const MAX_POLL_NETWORK_FAILURES = 5;
  const HEALTH_EVERY_MS = 15000;
  const CATALOG_REFRESH_MS = 2000; // while the selected catalog is still indexing

  const OP_SYMBOLS = { eq: "=", neq: "≠", in: "∈", nin: "∉", gt: ">", gte: "≥", lt: "<", lte: "≤" };
  const STEPS = ["queued", "embedding", "llm", "done"];
  const STATUS_TO_STEP = { queued: "queued", embedding: "embedding", llm: "llm", finished: "done" };
  const TERMINAL = new Set(["finished", "failed", "canceled"]);

  const $ = (id) => document.getElementById(id);
  const el = {
    backendStatus: $("backend-status"),
    backendStatusText: $("backend-status-text"),
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
    errorBox: $("error-box"),
    errorTitle: $("error-title"),
    errorMessage: $("error-message"),
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
    apiBase: $("api-base"),
  };

  // ---------------------------------------------------------------- helpers

  const store = {
    get(key) {
      try { return window.localStorage.getItem("nlp2f." + key); } catch (_) { return null; }
    },
    set(key, value) {
      try { window.localStorage.setItem("nlp2f." + key, value); } catch (_) { /* private mode */ }
    },
  };

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function make(tag, opts) {
    const node = document.createElement(tag);
    if (opts) {
      if (opts.className) node.className = opts.className;
      if (opts.text != null) node.textContent = String(opts.text);
      if (opts.title) node.title = opts.title;
      if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, String(v));
    }
    return node;
  }

  function describeBackend() {
    return API_BASE || window.location.origin;
  }

  function seconds(ms) {
    return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
  }

  class ApiError extends Error {
    constructor(message, info) {
      super(message);
      this.name = "ApiError";
      this.status = (info && info.status) || 0;
      this.code = (info && info.code) || "";
      this.unreachable = Boolean(info && info.unreachable);
    }
  }

  function messageOf(value) {
    if (value == null) return "";
    if (typeof value === "string") return value;
    try { return JSON.stringify(value); } catch (_) { return String(value); }
  }

  /** fetch + JSON + the API's error shape {"error": {"code", "message"}}. */
  async function api(path, options) {
    const opts = Object.assign({ method: "GET" }, options || {});
    const headers = { Accept: "application/json" };
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

  // ------------------------------------------------------------ error box

  function showError(err, title) {
    const isApi = err instanceof ApiError;
    let heading = title || "Error";
    if (!title && isApi) {
      if (err.unreachable) heading = "Backend unreachable";
      else if (err.status) heading = "Request failed (HTTP " + err.status + (err.code ? ", " + err.code : "") + ")";
    }
    el.errorBox.hidden = false;
    el.errorTitle.textContent = heading;
    el.errorMessage.textContent = err && err.message ? err.message : messageOf(err);
    el.errorBox.dataset.code = isApi ? err.code : "";
    if (isApi && err.unreachable) setBackendState("down", "Backend unreachable");
  }

  function clearError() {
    el.errorBox.hidden = true;
    el.errorTitle.textContent = "Error";
    el.errorMessage.textContent = "";
    el.errorBox.dataset.code = "";
  }

  // --------------------------------------------------------------- health

  function setBackendState(state, text) {
    el.backendStatus.dataset.state = state;
    el.backendStatusText.textContent = text;
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

  // ------------------------------------------------------------- catalogs

  let catalogs = [];
  let catalogRefreshTimer = null;
  let catalogsLoading = false;
  const catalogDetails = new Map(); // name@version -> full catalog, when the list omits fields

  function selectedCatalog() {
    const name = el.catalogSelect.value;
    return catalogs.find((c) => c && c.name === name) || null;
  }

  function statusLabel(status) {
    return status ? String(status) : "unknown";
  }

  async function loadCatalogs(opts) {
    const quiet = Boolean(opts && opts.quiet);
    if (catalogsLoading) return;
    catalogsLoading = true;
    el.reloadCatalogs.disabled = true;
    el.catalogSelect.setAttribute("aria-busy", "true");
    if (!catalogs.length) {
      clear(el.catalogSelect);
      el.catalogSelect.appendChild(make("option", { text: "Loading…", attrs: { value: "" } }));
      el.catalogSelect.disabled = true;
    }
    try {
      const data = await api("/api/v1/catalogs");
      catalogs = data && Array.isArray(data.items) ? data.items.filter((c) => c && typeof c.name === "string") : [];
      renderCatalogSelect();
      await renderCatalogInfo();
    } catch (err) {
      if (!quiet) showError(err, err.unreachable ? undefined : "Could not load catalogs");
      if (!catalogs.length) {
        clear(el.catalogSelect);
        el.catalogSelect.appendChild(make("option", { text: "Catalogs unavailable", attrs: { value: "" } }));
        el.catalogSelect.disabled = true;
        el.catalogInfo.hidden = true;
      }
    } finally {
      catalogsLoading = false;
      el.reloadCatalogs.disabled = false;
      el.catalogSelect.removeAttribute("aria-busy");
      scheduleCatalogRefresh();
    }
  }

  function renderCatalogSelect() {
    const previous = el.catalogSelect.value || store.get("catalog") || "";
    clear(el.catalogSelect);
    if (!catalogs.length) {
      el.catalogSelect.appendChild(make("option", { text: "No catalogs", attrs: { value: "" } }));
      el.catalogSelect.disabled = true;
      el.catalogEmpty.hidden = false;
      el.catalogInfo.hidden = true;
      return;
    }
    el.catalogEmpty.hidden = true;
    const sorted = catalogs.slice().sort((a, b) => a.name.localeCompare(b.name));
    for (const c of sorted) {
      const suffix = c.status && c.status !== "ready" ? " (" + c.status + ")" : "";
      el.catalogSelect.appendChild(make("option", { text: c.name + suffix, attrs: { value: c.name } }));
    }
    el.catalogSelect.disabled = false;
    const keep = sorted.find((c) => c.name === previous) || sorted.find((c) => c.status === "ready") || sorted[0];
    el.catalogSelect.value = keep.name;
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
      showError(err, "Could not load the catalog's fields");
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
  }

  function scheduleCatalogRefresh() {
    clearTimeout(catalogRefreshTimer);
    const catalog = selectedCatalog();
    if (catalog && catalog.status === "indexing") {
      catalogRefreshTimer = setTimeout(() => loadCatalogs({ quiet: true }), CATALOG_REFRESH_MS);
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

  const STATE_SR = {
    pending: ", not started", active: ", in progress", done: ", complete",
    failed: ", failed", canceled: ", canceled",
  };

  /** Mark steps up to `step`: earlier ones done, `step` in `state`, later ones pending. */
  function paintSteps(step, state) {
    const idx = STEPS.indexOf(step);
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

  function stampStep(run, step) {
    if (run.reached[step] != null) return;
    run.reached[step] = performance.now() - run.started;
    const li = el.steps.querySelector('[data-step="' + step + '"]');
    if (li) li.querySelector(".step-time").textContent = seconds(run.reached[step]);
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
      timer: null, ticker: null, failures: 0, lastStep: "queued", reached: {},
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
    if (job && job.created_at && job.updated_at && TERMINAL.has(job.status)) {
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
      showError(new Error("Please type a search request first."), "Nothing to search for");
      el.queryInput.focus();
      return;
    }
    if (!catalog) {
      showError(new Error("Choose a catalog first (none is loaded)."), "No catalog selected");
      el.catalogSelect.focus();
      return;
    }
    clearError();
    const run = startRun();
    run.catalog = catalog;
    run.priority = priority;
    posting = true;
    updateSubmitState();
    el.submitBtn.setAttribute("aria-busy", "true");
    try {
      const resp = await api("/api/v1/queries", {
        method: "POST",
        body: JSON.stringify({ text: text, catalog: catalog, priority: priority }),
      });
      if (run !== currentRun || run.stopped) return;
      if (!resp || !resp.job_id) throw new ApiError("The backend did not return a job id.", {});
      run.jobId = String(resp.job_id);
      renderMeta(run, null);
      applyStatus(run, resp.status || "queued", null);
      poll(run);
    } catch (err) {
      if (run === currentRun) {
        endRun(run);
        setJobStatus("error");
        showError(err);
      }
    } finally {
      posting = false;
      el.submitBtn.removeAttribute("aria-busy");
      updateSubmitState();
    }
  }

  function applyStatus(run, status, job) {
    const step = STATUS_TO_STEP[status];
    if (step) {
      // stages may be skipped between two polls: stamp everything up to this one
      for (const s of STEPS.slice(0, STEPS.indexOf(step) + 1)) stampStep(run, s);
      run.lastStep = step;
      paintSteps(step, step === "done" ? "done" : "active");
    } else if (status === "failed" || status === "canceled") {
      const errStage = job && job.error && job.error.stage;
      const failStep = STEPS.includes(errStage) && errStage !== "done" ? errStage : run.lastStep;
      paintSteps(failStep, status);
    }
    setJobStatus(status);
  }

  async function poll(run) {
    if (run.stopped) return;
    let job;
    try {
      job = await api("/api/v1/jobs/" + encodeURIComponent(run.jobId));
    } catch (err) {
      if (run.stopped || run !== currentRun) return;
      if (err.unreachable && ++run.failures < MAX_POLL_NETWORK_FAILURES) {
        setJobStatus(el.jobStatus.dataset.status, "connection lost, retrying…");
        run.timer = setTimeout(() => poll(run), POLL_MS * 3);
        return;
      }
      endRun(run);
      setJobStatus("error");
      showError(err, err.status === 404 ? "Job not found" : undefined);
      return;
    }
    if (run.stopped || run !== currentRun) return;
    run.failures = 0;
    const status = job && typeof job.status === "string" ? job.status : "unknown";
    applyStatus(run, status, job);
    if (TERMINAL.has(status)) {
      endRun(run);
      renderMeta(run, job);
      renderTerminal(job);
      return;
    }
    if (performance.now() - run.started > MAX_WAIT_MS) {
      endRun(run);
      showError(new Error("Stopped waiting after " + seconds(MAX_WAIT_MS) + "; the job is still " +
        status + ". Job id: " + run.jobId), "Still running");
      return;
    }
    run.timer = setTimeout(() => poll(run), POLL_MS);
  }

  // --------------------------------------------------------------- result

  function formatScalar(v) {
    if (v === null || v === undefined) return "null";
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return messageOf(v);
  }

  function formatValue(v) {
    if (Array.isArray(v)) return "{" + v.map(formatScalar).join(", ") + "}";
    return formatScalar(v);
  }

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

  function filterChip(filter, provenance, filtersOnField) {
    const op = String(filter.op);
    const li = make("li", {
      className: "chip chip-filter op-" + op.replace(/[^a-z]/gi, ""),
      attrs: { "data-field": filter.field, "data-op": op },
    });
    li.appendChild(make("span", { className: "chip-field", text: filter.field }));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(make("span", { className: "chip-op", text: OP_SYMBOLS[op] || op }));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(make("span", { className: "chip-value", text: formatValue(filter.value) }));

    let prov = provenanceFor(filter, provenance);
    if (filtersOnField > 1) {
      // several filters on one field (e.g. a range): only trust value matches
      prov = prov.filter((p) => sameValue(p.value, filter.value) ||
        (Array.isArray(filter.value) && filter.value.some((v) => sameValue(v, p.value))));
    }
    if (prov.length) {
      const lines = prov.map((p) => {
        const t = provenanceText(p);
        return prov.length > 1 ? formatScalar(Array.isArray(p.value) ? formatValue(p.value) : p.value) + ": " + t : t;
      });
      li.title = lines.join("\n");
      li.classList.add("has-provenance");
    }
    return li;
  }

  function renderTerminal(job) {
    el.resultBody.hidden = true;
    el.jobError.hidden = true;
    if (job.status === "finished") {
      renderResult(job.result);
      return;
    }
    el.jobError.hidden = false;
    if (job.status === "canceled") {
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
      el.rawJson.textContent = messageOf(result);
      return;
    }
    const filters = Array.isArray(result.filters) ? result.filters.filter((f) => f && typeof f === "object") : [];
    const perField = {};
    for (const f of filters) perField[f.field] = (perField[f.field] || 0) + 1;
    for (const f of filters) el.filterChips.appendChild(filterChip(f, result.provenance, perField[f.field]));
    el.noFilters.hidden = filters.length > 0;

    const sort = Array.isArray(result.sort) ? result.sort.filter((s) => s && typeof s === "object") : [];
    for (const s of sort) {
      const desc = String(s.order).toLowerCase() === "desc";
      el.sortChips.appendChild(make("li", {
        className: "chip chip-sort",
        text: "sort: " + s.field + " " + (desc ? "↓" : "↑"),
        title: s.field + ", " + (desc ? "descending" : "ascending"),
        attrs: { "data-field": s.field, "data-order": desc ? "desc" : "asc" },
      }));
    }
    el.sortBlock.hidden = sort.length === 0;

    const keywords = typeof result.keywords === "string" ? result.keywords.trim()
      : Array.isArray(result.keywords) ? result.keywords.join(" ").trim() : "";
    el.keywords.textContent = keywords;
    el.keywordsBlock.hidden = !keywords;

    el.rawJson.textContent = JSON.stringify(result, null, 2);
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
    el.apiBase.textContent = describeBackend();

    const savedPriority = store.get("priority");
    if (savedPriority && ["normal", "high", "low"].includes(savedPriority)) el.prioritySelect.value = savedPriority;

    el.form.addEventListener("submit", submitQuery);
    el.queryInput.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        if (typeof el.form.requestSubmit === "function") el.form.requestSubmit(el.submitBtn);
        else submitQuery(null);
      }
    });
    el.catalogSelect.addEventListener("change", () => {
      renderCatalogInfo();
      scheduleCatalogRefresh();
    });
    el.prioritySelect.addEventListener("change", () => store.set("priority", el.prioritySelect.value));
    el.reloadCatalogs.addEventListener("click", () => {
      clearError();
      catalogDetails.clear();
      loadCatalogs();
    });
    el.copyJson.addEventListener("click", copyJson);
    for (const btn of document.querySelectorAll(".example")) {
      btn.addEventListener("click", () => {
        el.queryInput.value = btn.dataset.text || btn.textContent;
        el.queryInput.focus();
      });
    }

    updateSubmitState();
    checkHealth();
    loadCatalogs(); // shows "Backend unreachable" in the error box if it cannot connect
    setInterval(async () => {
      const wasDown = el.backendStatus.dataset.state !== "up";
      const up = await checkHealth();
      if (up && wasDown) {
        if (!el.errorBox.hidden && el.errorTitle.textContent === "Backend unreachable") clearError();
        if (!catalogs.length) loadCatalogs({ quiet: true });
      }
    }, HEALTH_EVERY_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
