// Documents: list, upload, delete, and "Ask this document" (after an upload and on each one).
"use strict";

import { $, auth, el, errorMessage, pressedTwice, writeHeaders } from "./dom.js";
import { byTrial, provenanceLine } from "./provenance.js";
import { forgetDocument } from "./reader.js";
import { askDocument, setDocuments } from "./scope.js";

export function askForKey(message) {
  setUploadStatus(`${message} Enter the server's API key, then try again.`, "error");
  $("key-form").hidden = false;
  $("api-key").focus();
}

async function loadDocuments() {
  const response = await fetch("/v1/documents");
  if (!response.ok) return;
  const body = await response.json();
  const list = $("doc-list");
  list.replaceChildren();
  // Grouped by trial: the group's heading opens its first item (every <li> is a document).
  const grouped = byTrial(body.documents);
  for (const group of grouped) {
    group.documents.forEach((d, i) => list.appendChild(documentItem(d, i === 0 ? group : null)));
  }
  setDocuments(body.documents);
}

function documentItem(d, group) {
  const item = el("li", null, "doc");
  item.dataset.docId = d.doc_id;
  if (group) {
    item.classList.add("group-start");
    const count = `${group.documents.length} document${group.documents.length === 1 ? "" : "s"}`;
    const head = el("h3", group.trial, "doc-group");
    head.appendChild(el("span", ` · ${count}`, "group-count"));
    item.appendChild(head);
  }
  const info = el("div", null, "doc-info");
  info.appendChild(el("span", d.title, "doc-title"));
  const chunks = `${d.chunks} chunk${d.chunks === 1 ? "" : "s"}`;
  info.appendChild(el("span", `${d.doc_id} · ${chunks}`, "meta"));
  const line = provenanceLine(d.provenance);
  if (line) info.appendChild(line);
  item.appendChild(info);
  const actions = el("div", null, "doc-actions");
  const ask = el("button", "Ask this document", "ask-doc secondary");
  ask.type = "button";
  ask.setAttribute("aria-label", `Ask only ${d.doc_id}: ${d.title}`);
  ask.addEventListener("click", () => askDocument(d));
  const remove = el("button", "Delete", "delete secondary");
  remove.type = "button";
  remove.setAttribute("aria-label", `Delete ${d.doc_id}`);
  remove.addEventListener("click", () => deleteDocument(d, remove));
  actions.append(ask, remove);
  item.appendChild(actions);
  return item;
}

function setUploadStatus(text, kind, uploaded) {
  const status = $("upload-status");
  status.textContent = text;
  status.className = `upload-status ${kind || ""}`.trim();
  // After an upload: one press scopes the next questions to the document just indexed.
  const ask = $("upload-ask");
  ask.hidden = !uploaded;
  ask.onclick = uploaded ? () => askDocument(uploaded) : null;
  if (uploaded) ask.setAttribute("aria-label", `Ask only ${uploaded.doc_id}: ${uploaded.title}`);
}

async function deleteDocument(doc, button) {
  if (!pressedTwice(button)) return;
  button.disabled = true;
  const response = await fetch(`/v1/documents/${encodeURIComponent(doc.doc_id)}`, {
    method: "DELETE",
    headers: writeHeaders(),
  });
  if (response.ok) setUploadStatus(`Deleted “${doc.title}” (${doc.doc_id}).`, "ok");
  else if (response.status === 401) askForKey(`Delete failed: ${await errorMessage(response)}.`);
  else setUploadStatus(`Delete failed: ${await errorMessage(response)}`, "error");
  forgetDocument(doc.doc_id);
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
        const said = `${body.status[0].toUpperCase()}${body.status.slice(1)}: “${body.title}” (${body.doc_id}, ${chunks}).`;
        setUploadStatus(said, "ok", { doc_id: body.doc_id, title: body.title, metadata: {} });
        forgetDocument(body.doc_id);
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

export function initDocuments() {
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    auth.apiKey = $("api-key").value.trim();
    sessionStorage.setItem("trialqa-api-key", auth.apiKey);
    $("api-key").value = "";
    $("key-form").hidden = true;
    setUploadStatus(auth.apiKey ? "Key set for this tab; upload or delete again." : "Key cleared.", "ok");
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
}
