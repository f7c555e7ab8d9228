// The TrialQA chat page. Plain JavaScript, no build step, nothing fetched from elsewhere.
// Everything that comes from the server (answers, quotes, document text, titles, ids, file
// names, error messages, history) is shown with text nodes / textContent, never as HTML: no
// innerHTML, insertAdjacentHTML or document.write, no href or src made from server text, ids
// in request paths encodeURIComponent-ed. The page's Content-Security-Policy (api/headers.py)
// lets only this file run, should that ever slip.
"use strict";

const $ = (id) => document.getElementById(id);
const STORAGE_KEY = "trialqa.conversation";

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const state = {
  conversationId: localStorage.getItem(STORAGE_KEY),
  busy: false,
  documents: new Map(), // doc_id -> Promise of the document (text and metadata)
  activeMarker: null,
  // The key uploads and deletes present when the server sets TRIALQA_API__API_KEY: asked for
  // after a 401, kept for this tab only.
  apiKey: sessionStorage.getItem("trialqa-api-key") || "",
};

function writeHeaders() {
  return state.apiKey ? { Authorization: `Bearer ${state.apiKey}` } : {};
}

function askForKey(message) {
  setUploadStatus(`${message} Enter the server's API key, then try again.`, "error");
  $("key-form").hidden = false;
  $("api-key").focus();
}

// ---------------------------------------------------------------------------------------------
// Errors and JSON

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) return body.error.message;
  } catch (_) {
    /* not JSON */
  }
  return `${response.status} ${response.statusText}`.trim();
}

function setStatus(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

// ---------------------------------------------------------------------------------------------
// Server-sent events over fetch (POST bodies are not possible with EventSource)

async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { name, data: JSON.parse(data.join("\n")) };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering one turn

const CALC_NAMES = {
  response_rate: "Response rate",
  counts_from_percent: "Counts behind a percent",
  compare_arms: "Two-arm comparison",
  imwg_cumulative: "IMWG cumulative response rates",
  ae_incidence: "Adverse-event incidence",
};

function pct(x) {
  const v = Math.round(x * 1000) / 10;
  return `${v}%`;
}

function num(x, digits = 2) {
  return String(Math.round(x * 10 ** digits) / 10 ** digits);
}

// Every interval a calculation's result holds, in words: "95% CI 82.4–100% (clopper-pearson)".
function intervals(result) {
  const out = [];
  const level = result.confidence ? `${Math.round(result.confidence * 100)}% CI` : "CI";
  const rateInterval = (r, label) => {
    if (typeof r.ci_low !== "number" || typeof r.ci_high !== "number") return;
    const method = r.method ? ` (${r.method})` : "";
    out.push(`${label ? label + ": " : ""}${level} ${pct(r.ci_low)}–${pct(r.ci_high)}${method}`);
  };
  rateInterval(result, "");
  for (const [key, value] of Object.entries(result)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      rateInterval(value, key.replace(/_/g, " "));
    }
  }
  const pairs = [
    ["rd", "risk difference", (x) => `${num(x * 100, 1)} points`],
    ["rr", "relative risk", (x) => num(x)],
    ["or", "odds ratio", (x) => num(x)],
    ["nn", "number needed", (x) => num(x, 1)],
  ];
  for (const [prefix, label, fmt] of pairs) {
    const lo = result[`${prefix}_ci_low`];
    const hi = result[`${prefix}_ci_high`];
    if (typeof lo === "number" && typeof hi === "number") {
      out.push(`${label}: ${level} ${fmt(lo)} to ${fmt(hi)}`);
    }
  }
  return out;
}

function inputsText(inputs) {
  return Object.entries(inputs)
    .map(([k, v]) => `${k.replace(/_/g, " ")} = ${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join(" · ");
}

class TurnView {
  constructor(question) {
    this.citations = new Map(); // n -> citation object
    this.root = el("li", null, "turn");
    const q = el("div", null, "q");
    q.appendChild(el("span", "You", "who"));
    q.appendChild(el("p", question, "q-text"));
    this.root.appendChild(q);
    this.rewritten = el("p", null, "rewritten");
    this.rewritten.hidden = true;
    this.root.appendChild(this.rewritten);

    const a = el("div", null, "a");
    this.badge = el("p", "Not answered by the indexed documents", "badge");
    this.badge.hidden = true;
    a.appendChild(this.badge);
    this.text = el("p", null, "answer-text");
    a.appendChild(this.text);
    this.calcs = el("div", null, "calcs");
    this.calcs.hidden = true;
    a.appendChild(this.calcs);
    this.sourcesTitle = el("h3", "Sources", "sources-title");
    this.sourcesTitle.hidden = true;
    a.appendChild(this.sourcesTitle);
    this.sources = el("ol", null, "sources");
    a.appendChild(this.sources);
    this.root.appendChild(a);
  }

  setStandalone(question, standalone) {
    if (standalone && standalone !== question) {
      this.rewritten.textContent = `Searched as: “${standalone}”`;
      this.rewritten.hidden = false;
    }
  }

  marker(n) {
    const c = this.citations.get(n);
    const button = el("button", String(n), "cite");
    button.type = "button";
    button.dataset.n = String(n);
    if (c) {
      button.title = `${c.title} — characters ${c.start}–${c.end}`;
      button.setAttribute("aria-label", `Citation ${n}: ${c.title}`);
      button.addEventListener("click", () => openCitation(c, button));
    } else {
      button.disabled = true;
    }
    return button;
  }

  // Text with [n] markers -> text nodes and marker buttons.
  appendMarked(parent, text) {
    const parts = text.split(/(\[\d+\])/);
    for (const part of parts) {
      const m = /^\[(\d+)\]$/.exec(part);
      if (m) parent.appendChild(this.marker(Number(m[1])));
      else if (part) parent.appendChild(document.createTextNode(part));
    }
  }

  addCitations(citations) {
    for (const c of citations) {
      if (this.citations.has(c.n)) continue;
      this.citations.set(c.n, c);
      const item = el("li", null, "source");
      item.value = c.n;
      item.dataset.n = String(c.n);
      const head = el("div", null, "source-head");
      head.appendChild(this.marker(c.n));
      const meta = el("span", null, "meta");
      meta.appendChild(el("span", c.title, "source-title"));
      meta.appendChild(document.createTextNode(` · ${c.doc_id} · characters ${c.start}–${c.end}`));
      head.appendChild(meta);
      item.appendChild(head);
      item.appendChild(el("blockquote", c.quote));
      this.sources.appendChild(item);
    }
    this.sourcesTitle.hidden = this.citations.size === 0;
  }

  appendSentence(piece) {
    this.addCitations(piece.citations || []);
    this.appendMarked(this.text, piece.text);
  }

  showCalculations(calculations) {
    this.calcs.replaceChildren();
    this.calcs.hidden = !calculations.length;
    if (!calculations.length) return;
    this.calcs.appendChild(el("h3", "Calculations"));
    const list = el("ul");
    for (const calc of calculations) {
      const item = el("li", null, "calc");
      const name = Object.hasOwn(CALC_NAMES, calc.name) ? CALC_NAMES[calc.name] : calc.name;
      item.appendChild(el("div", name, "calc-name"));
      item.appendChild(el("div", calc.text, "calc-text"));
      const facts = el("dl");
      const add = (term, value) => {
        if (!value) return;
        facts.appendChild(el("dt", term));
        facts.appendChild(el("dd", value));
      };
      add("Inputs", inputsText(calc.inputs || {}));
      add("Interval", intervals(calc.result || {}).join("; "));
      item.appendChild(facts);
      if (calc.cited && calc.cited.length) {
        const from = el("div", "From ", "calc-from");
        for (const n of calc.cited) from.appendChild(this.marker(n));
        item.appendChild(from);
      }
      list.appendChild(item);
    }
    this.calcs.appendChild(list);
  }

  // The final answer replaces whatever streamed: it is the record.
  showAnswer(answer) {
    this.root.classList.remove("streaming");
    this.root.classList.toggle("abstained", Boolean(answer.abstained));
    this.badge.hidden = !answer.abstained;
    this.sourcesTitle.textContent = answer.abstained ? "Closest passages" : "Sources";
    this.citations.clear();
    this.sources.replaceChildren();
    this.addCitations(answer.citations);
    this.text.replaceChildren();
    this.appendMarked(this.text, answer.answer);
    this.showCalculations(answer.calculations || []);
  }

  showError(message) {
    this.root.classList.remove("streaming");
    this.root.classList.add("failed");
    this.text.replaceChildren(document.createTextNode(`Error: ${message}`));
  }
}

function addTurn(question) {
  $("intro").hidden = true;
  const view = new TurnView(question);
  $("turns").appendChild(view.root);
  return view;
}

// ---------------------------------------------------------------------------------------------
// Asking (streamed)

function rememberConversation(id) {
  state.conversationId = id;
  if (id) localStorage.setItem(STORAGE_KEY, id);
  else localStorage.removeItem(STORAGE_KEY);
}

async function ask(question) {
  state.busy = true;
  $("ask").disabled = true;
  setStatus("Searching the documents…");
  const body = { question };
  if (state.conversationId) body.conversation_id = state.conversationId;
  let view = null;
  try {
    const response = await fetch("/v1/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      setStatus(`Error: ${await errorMessage(response)}`, true);
      return;
    }
    $("question").value = "";
    view = addTurn(question);
    view.root.classList.add("streaming");
    view.root.scrollIntoView({ block: "nearest" });
    let finished = false;
    for await (const { name, data } of readEvents(response)) {
      if (name === "meta") {
        rememberConversation(data.conversation_id);
        view.setStandalone(data.question, data.standalone_question);
      } else if (name === "sentence") {
        setStatus("");
        view.appendSentence(data);
      } else if (name === "answer") {
        view.showAnswer(data);
        finished = true;
      } else if (name === "error") {
        view.showError(data.error ? data.error.message : "the answer failed");
        setStatus(`Error: ${data.error ? data.error.message : "the answer failed"}`, true);
        return;
      }
    }
    if (!finished) view.showError("the answer was cut off; please ask again");
    setStatus("");
    view.root.scrollIntoView({ block: "nearest" });
  } catch (err) {
    if (view) view.showError("the server could not be reached");
    setStatus("Error: the server could not be reached.", true);
  } finally {
    state.busy = false;
    $("ask").disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Conversation history

async function restoreConversation() {
  if (!state.conversationId) return;
  const response = await fetch(`/v1/conversations/${encodeURIComponent(state.conversationId)}`);
  if (response.status === 404) {
    rememberConversation(null);
    return;
  }
  if (!response.ok) {
    setStatus(`Error: the conversation could not be loaded (${await errorMessage(response)})`, true);
    return;
  }
  const conversation = await response.json();
  for (const turn of conversation.turns) {
    const view = addTurn(turn.question);
    view.setStandalone(turn.question, turn.standalone_question);
    view.showAnswer(turn.answer);
  }
}

function newConversation() {
  rememberConversation(null);
  $("turns").replaceChildren();
  $("intro").hidden = false;
  closeReader();
  setStatus("");
  $("question").focus();
}

// ---------------------------------------------------------------------------------------------
// The reader: a cited document with the quoted span highlighted

function loadDocument(docId) {
  if (!state.documents.has(docId)) {
    const promise = fetch(`/v1/documents/${encodeURIComponent(docId)}`).then(async (r) => {
      if (!r.ok) throw new Error(await errorMessage(r));
      return r.json();
    });
    promise.catch(() => state.documents.delete(docId));
    state.documents.set(docId, promise);
  }
  return state.documents.get(docId);
}

async function openCitation(citation, button) {
  const reader = $("reader");
  const text = $("reader-text");
  const warning = $("reader-warning");
  if (state.activeMarker) state.activeMarker.classList.remove("active");
  state.activeMarker = button;
  button.classList.add("active");
  reader.hidden = false;
  document.body.classList.add("reading");
  $("reader-title").textContent = citation.title;
  $("reader-meta").textContent = `${citation.doc_id} · characters ${citation.start}–${citation.end}`;
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

function closeReader() {
  $("reader").hidden = true;
  document.body.classList.remove("reading");
  const marker = state.activeMarker;
  state.activeMarker = null;
  if (marker) {
    marker.classList.remove("active");
    if (document.body.contains(marker)) marker.focus();
  }
}

// ---------------------------------------------------------------------------------------------
// Documents: list, upload, delete

async function loadDocuments() {
  const response = await fetch("/v1/documents");
  if (!response.ok) return;
  const body = await response.json();
  const list = $("doc-list");
  list.replaceChildren();
  for (const d of body.documents) {
    const item = el("li", null, "doc");
    item.dataset.docId = d.doc_id;
    const info = el("div", null, "doc-info");
    info.appendChild(el("span", d.title, "doc-title"));
    const chunks = `${d.chunks} chunk${d.chunks === 1 ? "" : "s"}`;
    info.appendChild(el("span", `${d.doc_id} · ${chunks}`, "meta"));
    item.appendChild(info);
    const remove = el("button", "Delete", "delete secondary");
    remove.type = "button";
    remove.setAttribute("aria-label", `Delete ${d.doc_id}`);
    remove.addEventListener("click", () => deleteDocument(d, remove));
    item.appendChild(remove);
    list.appendChild(item);
  }
}

function setUploadStatus(text, kind) {
  const status = $("upload-status");
  status.textContent = text;
  status.className = `upload-status ${kind || ""}`.trim();
}

async function deleteDocument(doc, button) {
  if (button.dataset.armed !== "yes") {
    // Two steps: the first press asks, the second deletes.
    button.dataset.armed = "yes";
    button.textContent = "Confirm delete";
    button.classList.add("danger");
    setTimeout(() => {
      if (document.body.contains(button)) {
        button.dataset.armed = "";
        button.textContent = "Delete";
        button.classList.remove("danger");
      }
    }, 5000);
    return;
  }
  button.disabled = true;
  const response = await fetch(`/v1/documents/${encodeURIComponent(doc.doc_id)}`, {
    method: "DELETE",
    headers: writeHeaders(),
  });
  if (response.ok) setUploadStatus(`Deleted “${doc.title}” (${doc.doc_id}).`, "ok");
  else if (response.status === 401) askForKey(`Delete failed: ${await errorMessage(response)}.`);
  else setUploadStatus(`Delete failed: ${await errorMessage(response)}`, "error");
  state.documents.delete(doc.doc_id);
  await loadDocuments();
}

function uploadFile(file) {
  return new Promise((resolve) => {
    const progress = $("upload-progress");
    progress.hidden = false;
    progress.value = 0;
    setUploadStatus(`Uploading ${file.name}…`);
    const form = new FormData();
    form.append("file", file, file.name);
    const xhr = new XMLHttpRequest(); // fetch cannot report upload progress
    xhr.open("POST", "/v1/documents");
    for (const [name, value] of Object.entries(writeHeaders())) xhr.setRequestHeader(name, value);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.upload.addEventListener("load", () => {
      progress.removeAttribute("value"); // indeterminate while the server ingests
      setUploadStatus(`Indexing ${file.name}…`);
    });
    xhr.addEventListener("load", () => {
      progress.hidden = true;
      const body = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        const chunks = `${body.chunks} chunk${body.chunks === 1 ? "" : "s"}`;
        setUploadStatus(`${body.status[0].toUpperCase()}${body.status.slice(1)}: “${body.title}” (${body.doc_id}, ${chunks}).`, "ok");
        state.documents.delete(body.doc_id);
      } else {
        const message = body && body.error ? body.error.message : `${xhr.status} ${xhr.statusText}`;
        if (xhr.status === 401) askForKey(`Upload failed: ${message}.`);
        else setUploadStatus(`Upload failed: ${message}`, "error");
      }
      resolve();
    });
    xhr.addEventListener("error", () => {
      progress.hidden = true;
      setUploadStatus(`Upload failed: the server could not be reached.`, "error");
      resolve();
    });
    xhr.send(form);
  });
}

async function uploadFiles(files) {
  for (const file of files) await uploadFile(file);
  await loadDocuments();
}

// ---------------------------------------------------------------------------------------------
// Wiring

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.apiKey = $("api-key").value.trim();
  sessionStorage.setItem("trialqa-api-key", state.apiKey);
  $("api-key").value = "";
  $("key-form").hidden = true;
  setUploadStatus(state.apiKey ? "Key set for this tab; upload or delete again." : "Key cleared.", "ok");
});

$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (question && !state.busy) ask(question);
});
$("new-conversation").addEventListener("click", newConversation);
$("reader-close").addEventListener("click", closeReader);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !$("reader").hidden) closeReader();
});

const dropzone = $("dropzone");
for (const type of ["dragenter", "dragover"]) {
  dropzone.addEventListener(type, (event) => {
    event.preventDefault();
    dropzone.classList.add("over");
  });
}
for (const type of ["dragleave", "drop"]) {
  dropzone.addEventListener(type, () => dropzone.classList.remove("over"));
}
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  const files = [...(event.dataTransfer ? event.dataTransfer.files : [])];
  if (files.length) uploadFiles(files);
});
$("upload-input").addEventListener("change", (event) => {
  const files = [...event.target.files];
  event.target.value = "";
  if (files.length) uploadFiles(files);
});
document.querySelector(".filelabel").addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    $("upload-input").click();
  }
});

loadDocuments();
restoreConversation();
