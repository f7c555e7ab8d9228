// Minimal TrialQA page. Everything from the server is shown with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function ask(question) {
  $("status").textContent = "Searching the documents…";
  $("ask").disabled = true;
  try {
    const response = await fetch("/v1/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question }),
    });
    const body = await response.json();
    if (!response.ok) {
      $("status").textContent = "Error: " + (body.error ? body.error.message : response.statusText);
      return;
    }
    $("status").textContent = "";
    show(body);
  } catch (err) {
    $("status").textContent = "Error: the server could not be reached.";
  } finally {
    $("ask").disabled = false;
  }
}

function show(answer) {
  const box = $("answer");
  box.textContent = answer.answer;
  box.className = answer.abstained ? "answer abstained" : "answer";
  const list = $("citations");
  list.replaceChildren();
  for (const c of answer.citations) {
    const item = el("li");
    item.value = c.n;
    item.appendChild(el("div", `${c.title} (${c.doc_id}, characters ${c.start}–${c.end})`, "meta"));
    item.appendChild(el("blockquote", c.quote));
    list.appendChild(item);
  }
  $("result").hidden = false;
}

async function loadDocuments() {
  const response = await fetch("/v1/documents");
  if (!response.ok) return;
  const body = await response.json();
  const list = $("doc-list");
  list.replaceChildren();
  for (const d of body.documents) list.appendChild(el("li", `${d.title} — ${d.doc_id}, ${d.chunks} chunks`));
}

$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (question) ask(question);
});
loadDocuments();
