// The reader: a cited document with the quoted span highlighted.
"use strict";

import { $, el, errorMessage } from "./dom.js";
import { provenanceLine } from "./provenance.js";

const documents = new Map(); // doc_id -> Promise of the document (text and metadata)
let activeMarker = null;

export function forgetDocument(docId) {
  documents.delete(docId);
}

function loadDocument(docId) {
  if (!documents.has(docId)) {
    const promise = fetch(`/v1/documents/${encodeURIComponent(docId)}`).then(async (r) => {
      if (!r.ok) throw new Error(await errorMessage(r));
      return r.json();
    });
    promise.catch(() => documents.delete(docId));
    documents.set(docId, promise);
  }
  return documents.get(docId);
}

export async function openCitation(citation, button) {
  const reader = $("reader");
  const text = $("reader-text");
  const warning = $("reader-warning");
  if (activeMarker) activeMarker.classList.remove("active");
  activeMarker = button;
  button.classList.add("active");
  reader.hidden = false;
  document.body.classList.add("reading");
  $("reader-title").textContent = citation.title;
  $("reader-meta").textContent = `${citation.doc_id} · characters ${citation.start}–${citation.end}`;
  const line = provenanceLine(citation);
  $("reader-provenance").replaceChildren(...(line ? [line] : []));
  $("reader-provenance").hidden = !line;
  warning.hidden = true;
  text.replaceChildren(document.createTextNode("Loading…"));
  let doc;
  try {
    doc = await loadDocument(citation.doc_id);
  } catch (err) {
    text.replaceChildren();
    warning.textContent = `The document could not be opened: ${err.message}`;
    warning.hidden = false;
    return;
  }
  const full = doc.text;
  let start = citation.start;
  let end = citation.end;
  if (full.slice(start, end) !== citation.quote) {
    // The document changed since this answer: never highlight the wrong text.
    const found = full.indexOf(citation.quote);
    warning.textContent =
      found >= 0
        ? "The document has changed since this answer; the quote was found at a new place."
        : "The document has changed since this answer; the quoted text is no longer in it.";
    warning.hidden = false;
    if (found < 0) {
      text.replaceChildren(document.createTextNode(full));
      return;
    }
    start = found;
    end = found + citation.quote.length;
  }
  const mark = el("mark", full.slice(start, end));
  mark.id = "reader-mark";
  text.replaceChildren(
    document.createTextNode(full.slice(0, start)),
    mark,
    document.createTextNode(full.slice(end)),
  );
  mark.scrollIntoView({ block: "center" });
}

export function closeReader() {
  $("reader").hidden = true;
  document.body.classList.remove("reading");
  const marker = activeMarker;
  activeMarker = null;
  if (marker) {
    marker.classList.remove("active");
    if (document.body.contains(marker)) marker.focus();
  }
}
