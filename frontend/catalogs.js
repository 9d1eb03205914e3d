/*
 * NLP2Filters web UI: the catalog page (catalogs.html), an ES module. Lists the registered
 * catalogs with their indexing status, and uploads or edits one: the JSON is checked in the
 * browser first (syntax, with line and column), then by the API, whose error is shown inline.
 * API data is only ever written with textContent / attributes, never innerHTML.
 */
import { $, clear, make, api, errorBox, startShell, messageOf } from "./common.js";
import { CatalogStatus } from "./statuses.js";

const STATUS_EVERY_MS = 1000;
const NAME = /^[a-z0-9_-]{1,64}$/;
const EXAMPLE = {
  name: "bikes",
  description: "Bicycles for sale",
  fields: [
    { name: "type", type: "enum", values: ["road", "mountain", "city", "gravel"],
      synonyms: { mtb: "mountain", commuter: "city" } },
    { name: "brand", type: "enum", values: ["Trek", "Giant", "Canyon", "Specialized"] },
    { name: "price", type: "number", unit: "EUR", min: 0, max: 20000 },
    { name: "electric", type: "boolean" },
    { name: "released", type: "date" },
  ],
  sortable: ["price", "released"],
};

const listErrors = errorBox("catalog-list-error", "catalog-list-error-title", "catalog-list-error-message");
const problems = errorBox("catalog-problems", "catalog-problems-title", "catalog-problems-message");
let watching = null;  // the timer that follows a saved catalog's indexing

// ------------------------------------------------------------------ list

function statusBadge(status) {
  return make("span", { className: "badge", text: status || "unknown", attrs: { "data-status": status || "" } });
}

async function loadList() {
  let data;
  try {
    data = await api("/api/v1/catalogs");
  } catch (err) {
    listErrors.show(err, err.unreachable ? undefined : "Could not load catalogs", "list");
    return;
  }
  listErrors.clear("list");
  const items = (data && Array.isArray(data.items) ? data.items : [])
    .filter((c) => c && typeof c.name === "string")
    .sort((a, b) => a.name.localeCompare(b.name));
  const body = $("catalog-list-body");
  clear(body);
  $("catalog-list-empty").hidden = items.length > 0;
  for (const c of items) {
    const tr = make("tr", { attrs: { "data-name": c.name } });
    const name = make("th", { attrs: { scope: "row" } });
    name.appendChild(make("code", { text: c.name }));
    tr.appendChild(name);
    tr.appendChild(make("td", { text: c.version == null ? "—" : "v" + c.version }));
    const status = make("td");
    status.appendChild(statusBadge(c.status));
    if (c.error) status.appendChild(make("span", { className: "cell-error", text: messageOf(c.error) }));
    tr.appendChild(status);
    tr.appendChild(make("td", { text: Array.isArray(c.fields) ? c.fields.length : "—" }));
    const actions = make("td", { className: "row-actions" });
    const edit = make("button", { className: "btn btn-ghost btn-small", text: "Edit",
      attrs: { type: "button", "aria-label": "Edit " + c.name } });
    edit.addEventListener("click", () => openInEditor(c));
    const del = make("button", { className: "btn btn-ghost btn-small", text: "Delete",
      attrs: { type: "button", "aria-label": "Delete " + c.name } });
    del.addEventListener("click", () => remove(c.name));
    actions.append(edit, del);
    tr.appendChild(actions);
    body.appendChild(tr);
  }
}

/** The catalog as the API takes it: its own fields, without version and status. */
function editable(c) {
  const out = {};
  for (const key of ["name", "description", "fields", "sortable"]) {
    if (c[key] != null) out[key] = c[key];
  }
  return out;
}

function openInEditor(c) {
  $("catalog-file").value = "";
  $("catalog-name").value = c.name;
  $("catalog-json").value = JSON.stringify(editable(c), null, 2);
  problems.clear();
  $("catalog-json").removeAttribute("aria-invalid");
  $("catalog-json").focus();
}

async function remove(name) {
  if (!window.confirm("Delete catalog " + name + "? Queries can no longer use it.")) return;
  try {
    await api("/api/v1/catalogs/" + encodeURIComponent(name), { method: "DELETE" });
  } catch (err) {
    listErrors.show(err, "Could not delete " + name, "list");
  }
  loadList();
}

// ---------------------------------------------------------------- editor

/** Line and column of a JSON.parse error, from the offset the message gives. */
function where(text, err) {
  const m = /position (\d+)/.exec(String(err && err.message));
  if (!m) return "";
  const before = text.slice(0, Number(m[1]));
  const line = before.split("\n").length;
  return " (line " + line + ", column " + (before.length - before.lastIndexOf("\n")) + ")";
}

function invalid(message, title) {
  $("catalog-json").setAttribute("aria-invalid", "true");
  problems.show(new Error(message), title || "Not saved: the catalog has a problem");
}

/** The editor's catalog, or null after showing why it cannot be sent. */
function parsed() {
  const text = $("catalog-json").value;
  if (!text.trim()) {
    invalid("Paste a catalog, choose a file or load the example first.", "Nothing to save");
    return null;
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch (err) {
    invalid("The JSON does not parse" + where(text, err) + ": " + err.message, "Not saved: invalid JSON");
    return null;
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    invalid("A catalog is a JSON object with a \"fields\" list.");
    return null;
  }
  const name = $("catalog-name").value.trim() || (typeof body.name === "string" ? body.name : "");
  if (!NAME.test(name)) {
    invalid("Give the catalog a name of 1-64 characters of a-z, 0-9, _ and -.", "Not saved: name");
    $("catalog-name").focus();
    return null;
  }
  $("catalog-name").value = name;
  return { name: name, body: body };
}

async function save(event) {
  event.preventDefault();
  const catalog = parsed();
  if (!catalog) return;
  const button = $("catalog-save");
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    const saved = await api("/api/v1/catalogs/" + encodeURIComponent(catalog.name), {
      method: "PUT", body: JSON.stringify(catalog.body),
    });
    problems.clear();
    $("catalog-json").removeAttribute("aria-invalid");
    showSaved(saved);
    follow(saved.name);
    loadList();
  } catch (err) {
    if (err.unreachable) problems.show(err);
    else invalid(err.message, "Not saved (HTTP " + err.status + (err.code ? ", " + err.code : "") + ")");
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function showSaved(c) {
  $("catalog-saved").hidden = false;
  $("catalog-saved-name").textContent = c.name;
  $("catalog-saved-version").textContent = c.version == null ? "" : "v" + c.version;
  const badge = $("catalog-saved-status");
  badge.textContent = c.status;
  badge.dataset.status = c.status;
  const notes = {
    [CatalogStatus.INDEXING]: "Indexing the catalog's values… queries can use it once it is ready.",
    [CatalogStatus.READY]: "Ready: queries can use this catalog now.",
    [CatalogStatus.FAILED]: "Indexing failed: " + messageOf(c.error || "see the worker logs"),
  };
  $("catalog-saved-note").textContent = notes[c.status] || "";
}

/** Follow a saved catalog until its index is built (or failed). */
function follow(name) {
  clearTimeout(watching);
  const tick = async () => {
    let c;
    try {
      c = await api("/api/v1/catalogs/" + encodeURIComponent(name));
    } catch (_) {
      watching = setTimeout(tick, STATUS_EVERY_MS * 3);
      return;
    }
    showSaved(c);
    if (c.status === CatalogStatus.INDEXING) watching = setTimeout(tick, STATUS_EVERY_MS);
    else loadList();
  };
  watching = setTimeout(tick, STATUS_EVERY_MS);
}

function readFile() {
  const file = $("catalog-file").files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    const text = String(reader.result);
    $("catalog-json").value = text;
    try {
      const body = JSON.parse(text);
      if (body && typeof body.name === "string") $("catalog-name").value = body.name;
      problems.clear();
      $("catalog-json").removeAttribute("aria-invalid");
    } catch (err) {
      invalid("The file is not valid JSON" + where(text, err) + ": " + err.message, "Not saved: invalid JSON");
    }
  };
  reader.onerror = () => invalid("The file could not be read.", "Not saved");
  reader.readAsText(file);
}

function init() {
  $("catalog-form").addEventListener("submit", save);
  $("catalog-file").addEventListener("change", readFile);
  $("catalog-list-reload").addEventListener("click", loadList);
  $("catalog-example").addEventListener("click", () => openInEditor(EXAMPLE));
  startShell(listErrors, loadList);
  loadList();
}

init();
