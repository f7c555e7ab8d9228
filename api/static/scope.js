// The scope of the next questions: a trial, a source type and a document, each chosen from what
// is indexed, sent as `filters` with every question until cleared and always shown above the
// question box as removable chips. "Ask this document" (after an upload, or from the documents
// panel) scopes the questions to that one document. Names and titles are shown as text only.
"use strict";

import { $, el } from "./dom.js";

const FIELDS = [
  { key: "trial", label: "Trial", all: "All trials" },
  { key: "source_type", label: "Source type", all: "All source types" },
  { key: "doc_id", label: "Document", all: "All documents" },
];

const scope = { trial: null, source_type: null, doc_id: null }; // one value each, or null
let indexed = []; // the documents as last listed
const listeners = [];

// Called with no arguments whenever the scope or what is indexed changes.
export function onScopeChange(listener) {
  listeners.push(listener);
}

function changed() {
  render();
  for (const listener of listeners) listener();
}

function trialsOf(doc) {
  const value = doc.metadata ? doc.metadata.trial : null;
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v) => typeof v === "string" && v.trim()).map((v) => v.trim());
}

function sourceTypeOf(doc) {
  const value = doc.metadata ? doc.metadata.source_type : null;
  return typeof value === "string" && value.trim() ? value.trim() : null;
}

function titleOf(docId) {
  const doc = indexed.find((d) => d.doc_id === docId);
  return doc ? doc.title || docId : docId;
}

function shown(key, value) {
  return key === "doc_id" ? titleOf(value) : value;
}

// The filters of the next question ({trial: ["AQUILA"], ...}), or null when none is set.
export function currentFilters() {
  const filters = {};
  for (const { key } of FIELDS) if (scope[key]) filters[key] = [scope[key]];
  return Object.keys(filters).length ? filters : null;
}

// The scope in words, for a turn asked under it ("" when every document is asked).
export function scopeLabel() {
  return FIELDS.filter(({ key }) => scope[key])
    .map(({ key, label }) => `${label}: ${shown(key, scope[key])}`)
    .join(" · ");
}

function announce(text) {
  const status = $("status");
  status.textContent = text;
  status.classList.remove("error");
}

function set(key, value, quiet) {
  if (scope[key] === (value || null)) return;
  scope[key] = value || null;
  if (!quiet) {
    const label = FIELDS.find((f) => f.key === key).label;
    announce(value ? `Questions now go to ${label.toLowerCase()} “${shown(key, value)}” only.`
      : `${label} filter removed.`);
  }
  changed();
}

// Scope every next question to one document (the filters set before are replaced).
export function askDocument(doc) {
  if (!indexed.some((d) => d.doc_id === doc.doc_id)) indexed.push(doc);
  scope.trial = null;
  scope.source_type = null;
  scope.doc_id = doc.doc_id;
  announce(`Questions now go to “${doc.title || doc.doc_id}” only, until you remove the filter.`);
  changed();
  $("question").focus();
}

export function clearScope() {
  for (const { key } of FIELDS) scope[key] = null;
  announce("Filters cleared: questions go to every document.");
  changed();
}

// What is indexed changed (listed, uploaded, deleted): the choices follow, and a filter whose
// value is no longer indexed is dropped (and said so).
export function setDocuments(documents) {
  indexed = documents.slice();
  const still = {
    trial: (v) => indexed.some((d) => trialsOf(d).includes(v)),
    source_type: (v) => indexed.some((d) => sourceTypeOf(d) === v),
    doc_id: (v) => indexed.some((d) => d.doc_id === v),
  };
  const dropped = FIELDS.filter(({ key }) => scope[key] && !still[key](scope[key]));
  for (const { key } of dropped) scope[key] = null;
  if (dropped.length) {
    const names = dropped.map((f) => f.label.toLowerCase()).join(" and ");
    announce(`The ${names} filter was removed: nothing indexed matches it any more.`);
  }
  changed();
}

function options(key) {
  const counts = new Map();
  const add = (value, text) => {
    const entry = counts.get(value) || { text, n: 0 };
    entry.n += 1;
    counts.set(value, entry);
  };
  for (const doc of indexed) {
    if (key === "trial") for (const t of trialsOf(doc)) add(t, t);
    else if (key === "source_type") {
      const type = sourceTypeOf(doc);
      if (type) add(type, type);
    } else if (
      (!scope.trial || trialsOf(doc).includes(scope.trial)) &&
      (!scope.source_type || sourceTypeOf(doc) === scope.source_type)
    ) {
      add(doc.doc_id, doc.title || doc.doc_id);
    }
  }
  if (scope[key] && !counts.has(scope[key])) counts.set(scope[key], { text: shown(key, scope[key]), n: 1 });
  const sorted = [...counts.entries()].sort((a, b) =>
    a[1].text.localeCompare(b[1].text, undefined, { sensitivity: "base" }),
  );
  return sorted.map(([value, { text, n }]) => ({
    value,
    text: key === "doc_id" ? text : `${text} (${n})`,
  }));
}

function render() {
  for (const { key, all } of FIELDS) {
    const select = $(`filter-${key}`);
    const choice = el("option", all);
    choice.value = "";
    const items = [choice];
    for (const { value, text } of options(key)) {
      const option = el("option", text);
      option.value = value;
      items.push(option);
    }
    select.replaceChildren(...items);
    select.value = scope[key] || "";
  }
  const chips = $("scope-chips");
  chips.replaceChildren();
  const active = FIELDS.filter(({ key }) => scope[key]);
  for (const { key, label } of active) {
    const chip = el("li", null, "chip");
    chip.dataset.key = key;
    const text = `${label}: ${shown(key, scope[key])}`;
    const shownText = el("span", text, "chip-text");
    shownText.title = text; // the whole title, where the chip is too narrow for it
    chip.appendChild(shownText);
    const remove = el("button", "✕", "chip-remove");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove the filter ${text}`);
    remove.addEventListener("click", () => {
      set(key, null);
      $("question").focus();
    });
    chip.appendChild(remove);
    chips.appendChild(chip);
  }
  $("scope-label").textContent = active.length ? "Asking only:" : "Asking all documents";
  $("scope-clear").hidden = active.length < 2;
  document.body.classList.toggle("scoped", active.length > 0);
}

function togglePanel(open) {
  const panel = $("filters-panel");
  panel.hidden = !open;
  $("filters-toggle").setAttribute("aria-expanded", String(open));
  if (open) $("filter-trial").focus();
  else $("filters-toggle").focus();
}

export function initScope() {
  for (const { key } of FIELDS) {
    $(`filter-${key}`).addEventListener("change", (event) => set(key, event.target.value));
  }
  $("filters-toggle").addEventListener("click", () => togglePanel($("filters-panel").hidden));
  $("filters-done").addEventListener("click", () => togglePanel(false));
  $("filters-panel").addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      togglePanel(false);
    }
  });
  $("scope-clear").addEventListener("click", () => {
    clearScope();
    $("question").focus();
  });
  render();
}
