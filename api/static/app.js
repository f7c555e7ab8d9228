// The TrialQA chat page. Plain JavaScript modules, no build step, nothing fetched from elsewhere.
// Everything that comes from the server (answers, quotes, document text, titles, ids, file
// names, error messages, history) is shown with text nodes / textContent, never as HTML: no
// innerHTML, insertAdjacentHTML or document.write, no href or src made from server text, ids
// in request paths encodeURIComponent-ed. The page's Content-Security-Policy (api/headers.py)
// lets only this page's own files run, should that ever slip.
//
// app.js asks and shows the conversation; turns.js renders a turn, reader.js the cited
// document, documents.js the documents panel, conversations.js the list of past ones,
// scope.js the filters every question is asked under, suggestions.js the suggested questions,
// check.js the "Check a text" mode.
"use strict";

import { initCheck } from "./check.js";
import { $, errorMessage } from "./dom.js";
import { initConversations, loadConversations, markCurrent } from "./conversations.js";
import { initDocuments } from "./documents.js";
import { closeReader } from "./reader.js";
import { currentFilters, initScope, onScopeChange, scopeLabel } from "./scope.js";
import { initSuggestions, loadSuggestions } from "./suggestions.js";
import { TurnView } from "./turns.js";

const STORAGE_KEY = "trialqa.conversation";

const state = {
  conversationId: localStorage.getItem(STORAGE_KEY),
  answered: 0, // turns of the conversation stored on the server (numbered from 1)
  busy: false,
  loading: 0, // bumped by each conversation opened: a slower earlier load is dropped
};

// ---------------------------------------------------------------------------------------------
// Status line

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

function addTurn(question) {
  $("intro").hidden = true;
  const view = new TurnView(question);
  $("turns").appendChild(view.root);
  return view;
}

// ---------------------------------------------------------------------------------------------
// Asking (streamed)

function rememberConversation(id) {
  if (id !== state.conversationId) state.answered = 0;
  state.conversationId = id;
  if (id) localStorage.setItem(STORAGE_KEY, id);
  else localStorage.removeItem(STORAGE_KEY);
  markCurrent();
}

async function ask(question) {
  state.busy = true;
  $("ask").disabled = true;
  setStatus("Searching the documents…");
  const body = { question };
  if (state.conversationId) body.conversation_id = state.conversationId;
  const filters = currentFilters();
  if (filters) body.filters = filters;
  const scope = scopeLabel();
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
    view.setScope(scope);
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
        state.answered += 1;
        view.setRecord(state.conversationId, state.answered);
        finished = true;
      } else if (name === "error") {
        view.showError(data.error ? data.error.message : "the answer failed");
        setStatus(`Error: ${data.error ? data.error.message : "the answer failed"}`, true);
        return;
      }
    }
    if (!finished) view.showError("the answer was cut off; please ask again");
    setStatus("");
    loadConversations();
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
// Conversations: the one shown, another reopened from the list, a new one

function clearChat() {
  $("turns").replaceChildren();
  $("intro").hidden = false;
  closeReader();
  setStatus("");
}

// Show a stored conversation's turns (the one kept in this browser, or one picked in the list).
async function openConversation(id, fromList) {
  if (state.busy) return;
  const loading = ++state.loading;
  const response = await fetch(`/v1/conversations/${encodeURIComponent(id)}`);
  if (loading !== state.loading) return;
  if (response.status === 404) {
    if (id === state.conversationId) rememberConversation(null);
    if (fromList) setStatus("That conversation no longer exists.", true);
    loadConversations();
    return;
  }
  if (!response.ok) {
    setStatus(`Error: the conversation could not be loaded (${await errorMessage(response)})`, true);
    return;
  }
  const conversation = await response.json();
  if (loading !== state.loading) return;
  clearChat();
  rememberConversation(id);
  for (const turn of conversation.turns) {
    const view = addTurn(turn.question);
    view.setStandalone(turn.question, turn.standalone_question);
    view.showAnswer(turn.answer);
    view.setRecord(id, turn.n);
  }
  state.answered = conversation.turns.length ? conversation.turns.at(-1).n : 0;
  if (fromList) {
    setStatus(`Reopened “${conversation.title}”.`);
    $("question").focus();
  }
}

// Start afresh; the conversation left stays on the server and in the list.
function newConversation() {
  state.loading += 1;
  rememberConversation(null);
  clearChat();
  loadConversations();
  $("question").focus();
}

// ---------------------------------------------------------------------------------------------
// Wiring

$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (question && !state.busy) ask(question);
});
// At phone width the question box is pinned to the bottom of the screen: the page keeps room
// for it (and the reader sheet sits above it) as it grows with the filters.
new ResizeObserver(([entry]) => {
  const height = Math.ceil(entry.target.getBoundingClientRect().height);
  document.documentElement.style.setProperty("--ask-h", `${height}px`);
}).observe($("ask-form"));
$("new-conversation").addEventListener("click", newConversation);
$("reader-close").addEventListener("click", closeReader);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !$("reader").hidden) closeReader();
});

initScope();
initCheck(
  setStatus,
  () => state.busy,
  (busy) => {
    state.busy = busy;
    $("ask").disabled = busy;
  },
);
initSuggestions((question) => {
  if (state.busy) return;
  $("question").value = question;
  ask(question);
});
onScopeChange(loadSuggestions);
initDocuments();
initConversations(
  (id) => openConversation(id, true),
  () => newConversation(),
  () => state.conversationId,
);
if (state.conversationId) openConversation(state.conversationId, false);
