/*
 * NLP2Filters web UI: the operations page (operations.html), an ES module. Queues and
 * workers (GET /api/v1/queues), per-minute throughput and latency drawn as SVG line charts
 * (GET /api/v1/queues/history), and the dead-letter view with requeue (/api/v1/failed).
 * API data is only ever written with textContent / attributes, never innerHTML.
 */
import { $, clear, make, api, errorBox, startShell, messageOf } from "./common.js";
import { JobStatus } from "./statuses.js";

const REFRESH_MS = 5000;
const SVG = "http://www.w3.org/2000/svg";
const STAGES = ["embedding", "llm"];
const W = 560, H = 200, PAD = { left: 44, right: 12, top: 12, bottom: 26 };

const errors = errorBox("ops-error", "ops-error-title", "ops-error-message");

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text != null) node.textContent = String(text);
  return node;
}

function clock(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A round upper bound for the y axis (1, 2, 5 × 10^n). */
function niceMax(value) {
  if (!(value > 0)) return 1;
  const base = Math.pow(10, Math.floor(Math.log10(value)));
  return [1, 2, 5, 10].map((m) => m * base).find((m) => m >= value);
}

/**
 * One line per stage over the minutes; a gap where a minute has no value (null).
 * Every point carries a <title> (hover) and the figure a text summary (screen readers).
 */
function lineChart(container, minutes, valueOf, unit) {
  clear(container);
  const values = minutes.flatMap((m) => STAGES.map((s) => valueOf(m[s]))).filter((v) => v != null);
  const top = niceMax(Math.max(0, ...values));
  const x = (i) => PAD.left + (minutes.length > 1 ? i / (minutes.length - 1) : 0.5) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const chart = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart-svg", "aria-hidden": "true", focusable: "false" });
  for (const v of [0, top / 2, top]) {
    chart.appendChild(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }));
    chart.appendChild(svg("text", { x: PAD.left - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" },
      Number.isInteger(v) ? v : v.toFixed(1)));
  }
  if (minutes.length) {
    chart.appendChild(svg("text", { x: PAD.left, y: H - 6, class: "tick" }, clock(minutes[0].minute)));
    chart.appendChild(svg("text", { x: W - PAD.right, y: H - 6, class: "tick", "text-anchor": "end" },
      clock(minutes[minutes.length - 1].minute)));
  }
  const lines = chart.appendChild(svg("g"));
  const dots = chart.appendChild(svg("g"));
  for (const stage of STAGES) {
    let path = "";
    let pen = false;
    minutes.forEach((m, i) => {
      const v = valueOf(m[stage]);
      if (v == null) { pen = false; return; }
      path += (pen ? " L" : " M") + x(i).toFixed(1) + " " + y(v).toFixed(1);
      pen = true;
      const dot = svg("circle", { cx: x(i), cy: y(v), r: 3, class: "dot dot-" + stage });
      dot.appendChild(svg("title", {}, stage + " " + clock(m.minute) + ": " + v + " " + unit));
      dots.appendChild(dot);
    });
    if (path) lines.appendChild(svg("path", { d: path.trim(), class: "line line-" + stage }));
  }
  container.appendChild(chart);
  container.dataset.points = String(values.length);
}

function summary(minutes, valueOf, unit, reduce) {
  return STAGES.map((s) => {
    const vals = minutes.map((m) => valueOf(m[s])).filter((v) => v != null);
    return s + ": " + (vals.length ? reduce(vals) + " " + unit : "no data");
  }).join("; ");
}

// --------------------------------------------------------------- loading

async function loadQueues() {
  const data = await api("/api/v1/queues");
  const body = $("queues-body");
  clear(body);
  for (const q of Array.isArray(data.queues) ? data.queues : []) {
    const tr = make("tr", { attrs: { "data-queue": q.name } });
    const name = make("th", { attrs: { scope: "row" } });
    name.appendChild(make("code", { text: q.name }));
    tr.appendChild(name);
    for (const key of ["depth", "started", "scheduled", "failed", "finished_last_minute", "failed_last_minute"]) {
      tr.appendChild(make("td", { className: "num", text: q[key] == null ? "—" : q[key] }));
    }
    body.appendChild(tr);
  }
  for (const stage of STAGES) {
    const w = (data.workers || {})[stage] || {};
    $("workers-" + stage).textContent = (w.total == null ? "—" : w.total) + (w.total ? " (" + w.busy + " busy)" : "");
    $("workers-" + stage).dataset.count = String(w.total || 0);
  }
}

async function loadHistory() {
  const minutes = (await api("/api/v1/queues/history?minutes=" + $("history-minutes").value)).minutes || [];
  const done = (s) => (s ? s.finished + s.failed : 0);
  const latency = (s) => (s ? s.latency_ms : null);
  lineChart($("throughput-chart"), minutes, done, "jobs/min");
  lineChart($("latency-chart"), minutes, latency, "ms");
  $("throughput-summary").textContent = "Jobs per minute, total over the window. " +
    summary(minutes, done, "jobs", (v) => v.reduce((a, b) => a + b, 0));
  $("latency-summary").textContent = "Mean latency, latest minute with data. " +
    summary(minutes, latency, "ms", (v) => v[v.length - 1]);
}

async function requeue(jobId, button) {
  button.disabled = true;
  try {
    await api("/api/v1/failed/" + encodeURIComponent(jobId) + "/requeue", { method: "POST" });
    $("failed-note").textContent = "Job " + jobId + " requeued.";
  } catch (err) {
    errors.show(err, "Could not requeue " + jobId, "requeue");
    button.disabled = false;
    return;
  }
  await loadFailed();
}

async function loadFailed() {
  const data = await api("/api/v1/failed?limit=50");
  const items = Array.isArray(data.items) ? data.items : [];
  $("failed-total").textContent = data.total ? data.total + " in all" : "";
  $("failed-empty").hidden = items.length > 0;
  const body = $("failed-body");
  clear(body);
  for (const f of items) {
    const tr = make("tr", { attrs: { "data-job": f.job_id } });
    const id = make("th", { attrs: { scope: "row" } });
    id.appendChild(make("code", { text: String(f.job_id).slice(0, 12), title: f.job_id }));
    tr.appendChild(id);
    tr.appendChild(make("td", { text: f.failed_at ? new Date(f.failed_at).toLocaleString() : "—" }));
    tr.appendChild(make("td", { text: f.stage || "—" }));
    const reason = make("td");
    reason.appendChild(make("span", { className: "badge badge-small", text: f.code || "error", attrs: { "data-status": JobStatus.FAILED } }));
    reason.appendChild(make("span", { className: "cell-error-meta", text: messageOf(f.message) }));
    tr.appendChild(reason);
    tr.appendChild(make("td", { className: "cell-text", text: f.text || "" }));
    const actions = make("td");
    const btn = make("button", { className: "btn btn-ghost btn-small", text: "Requeue",
      attrs: { type: "button", "aria-label": "Requeue job " + f.job_id } });
    btn.addEventListener("click", () => requeue(f.job_id, btn));
    actions.appendChild(btn);
    tr.appendChild(actions);
    body.appendChild(tr);
  }
}

async function refresh() {
  try {
    await Promise.all([loadQueues(), loadHistory(), loadFailed()]);
    errors.clear("refresh");
    $("ops-updated").textContent = new Date().toLocaleTimeString();
  } catch (err) {
    errors.show(err, err.unreachable ? undefined : "Could not load the figures", "refresh");
  }
}

function init() {
  $("history-minutes").addEventListener("change", () => loadHistory().catch((err) => errors.show(err)));
  startShell(errors, refresh);
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
}

init();
