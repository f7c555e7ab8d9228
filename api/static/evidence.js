// An answer's evidence table (Answer.table): one row per named trial, each cell with its
// citation markers, and a "Download CSV" button that builds the CSV here, from the JSON.
// Server text only ever becomes text nodes.
"use strict";

import { el } from "./dom.js";

// One CSV field: quoted when it holds a comma, quote or line break (RFC 4180); a leading
// = + - @ is prefixed with ' so a spreadsheet does not run it as a formula.
function field(text) {
  let s = String(text ?? "");
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The table as CSV: its columns, then "Citations" (each cited [n] with its document and
// quote), one line per row; the note, if any, as a last line.
export function tableCsv(table, citations) {
  const byN = new Map((citations || []).map((c) => [c.n, c]));
  const lines = [[...table.columns, "Citations"].map(field).join(",")];
  for (const row of table.rows) {
    const cells = row.map((cell) => {
      const marks = (cell.cited || []).map((n) => `[${n}]`).join("");
      return marks ? `${cell.text} ${marks}` : cell.text;
    });
    const cited = [...new Set(row.flatMap((cell) => cell.cited || []))].sort((a, b) => a - b);
    const refs = cited
      .map((n) => byN.get(n))
      .filter(Boolean)
      .map((c) => `[${c.n}] ${c.doc_id} ${c.start}-${c.end}: ${c.quote}`)
      .join(" | ");
    lines.push([...cells, refs].map(field).join(","));
  }
  if (table.note) lines.push(field(table.note));
  return lines.join("\r\n") + "\r\n";
}

function slug(text) {
  return String(text || "table").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "table";
}

// The table's view: a horizontally scrolling <table>, its note and the CSV button.
// ``marker(n)`` makes the citation button the answer text uses (it opens the reader).
export function tableView(table, citations, marker) {
  const box = el("div", null, "evidence");
  const scroller = el("div", null, "evidence-scroll");
  scroller.tabIndex = 0;
  scroller.setAttribute("role", "region");
  scroller.setAttribute("aria-label", "Evidence table");
  const grid = el("table", null, "evidence-table");
  const head = el("thead");
  const headRow = el("tr");
  for (const name of table.columns) {
    const th = el("th", name);
    th.scope = "col";
    headRow.appendChild(th);
  }
  head.appendChild(headRow);
  grid.appendChild(head);
  const body = el("tbody");
  for (const row of table.rows) {
    const tr = el("tr");
    row.forEach((cell, i) => {
      const td = el(i === 0 ? "th" : "td");
      if (i === 0) td.scope = "row";
      td.appendChild(document.createTextNode(cell.text));
      if (cell.text === "not stated") td.classList.add("not-stated");
      for (const n of cell.cited || []) td.appendChild(marker(n));
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  grid.appendChild(body);
  scroller.appendChild(grid);
  box.appendChild(scroller);
  if (table.note) box.appendChild(el("p", table.note, "evidence-note"));
  const download = el("button", "Download CSV", "secondary evidence-csv");
  download.type = "button";
  download.addEventListener("click", () => {
    const blob = new Blob([tableCsv(table, citations)], { type: "text/csv;charset=utf-8" });
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${slug(table.columns[table.columns.length - 1])}.csv`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });
  box.appendChild(download);
  return box;
}
