// Where a cited or listed document comes from: its kind of source, publisher, date (only as
// precise as the document states it) and a link to the original. Server text only ever
// becomes text nodes; a link is made only of an http(s) address.
"use strict";

import { el } from "./dom.js";

const KINDS = {
  summary: "Summary",
  paper: "Paper",
  abstract: "Abstract",
  registry: "Registry record",
  interview: "Interview",
  news: "News",
};
const SUMMARY_NOTE = "Written for this corpus from public sources: a summary, not a primary report";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function formatDate(date, precision) {
  if (!date) return "";
  const [year, month, day] = String(date).split("-");
  if (precision === "year" || !month) return year;
  const name = MONTHS[Number(month) - 1] || month;
  if (precision === "month" || !day) return `${name} ${year}`;
  return `${Number(day)} ${name} ${year}`;
}

// The provenance facts of `p` (a citation, or a document's `provenance`) as one line of
// inline elements, or null when it states none of them.
export function provenanceLine(p, className = "provenance") {
  if (!p) return null;
  const parts = [];
  if (p.source_type) {
    const kind = String(p.source_type).toLowerCase();
    const badge = el("span", KINDS[kind] || p.source_type, `kind kind-${kind.replace(/[^a-z0-9]+/g, "-")}`);
    if (kind === "summary") {
      badge.title = SUMMARY_NOTE;
      badge.textContent = "Summary (not a primary report)";
    }
    parts.push(badge);
  }
  if (p.publisher) parts.push(el("span", p.publisher, "publisher"));
  if (p.date) {
    const time = el("time", formatDate(p.date, p.date_precision), "date");
    time.dateTime = p.date;
    parts.push(time);
  }
  if (p.url && /^https?:\/\//i.test(p.url)) {
    const link = el("a", "Original", "original");
    link.href = p.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.title = p.url;
    parts.push(link);
  }
  if (!parts.length) return null;
  const line = el("span", null, className);
  parts.forEach((part, i) => {
    if (i) line.appendChild(document.createTextNode(" · "));
    line.appendChild(part);
  });
  return line;
}

// The trial a document is listed under: its first trial, else "Other documents".
export const OTHER = "Other documents";

export function trialOf(doc) {
  const trial = doc.metadata ? doc.metadata.trial : null;
  const first = Array.isArray(trial) ? trial[0] : trial;
  return first ? String(first) : OTHER;
}

// Documents ordered by trial (others last), keeping their order within a trial.
export function byTrial(documents) {
  const groups = new Map();
  for (const d of documents) {
    const key = trialOf(d);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(d);
  }
  const names = [...groups.keys()].filter((k) => k !== OTHER).sort((a, b) => a.localeCompare(b));
  if (groups.has(OTHER)) names.push(OTHER);
  return names.map((name) => ({ trial: name, documents: groups.get(name) }));
}
