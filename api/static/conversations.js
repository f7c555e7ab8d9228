// Past conversations: the list to reopen one, rename it or delete it (after a confirmation).
// Titles are the user's own words or questions: shown as text, ids encoded in request paths.
"use strict";

import { $, el, errorMessage, pressedTwice, writeHeaders } from "./dom.js";
import { askForKey } from "./documents.js";

// What the list does when a conversation is opened or the open one is deleted (set by app.js).
const hooks = { open: () => {}, deleted: () => {}, current: () => null };

export function initConversations(open, deleted, current) {
  Object.assign(hooks, { open, deleted, current });
  $("conv-refresh").addEventListener("click", () => loadConversations());
  loadConversations();
}

function setConvStatus(text, isError) {
  const status = $("conv-status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

export async function loadConversations() {
  let body;
  try {
    const response = await fetch("/v1/conversations?limit=100");
    if (!response.ok) throw new Error(await errorMessage(response));
    body = await response.json();
  } catch (err) {
    setConvStatus(`The conversations could not be listed: ${err.message}`, true);
    return;
  }
  const list = $("conv-list");
  list.replaceChildren();
  $("conv-empty").hidden = body.conversations.length > 0;
  for (const c of body.conversations) list.appendChild(conversationItem(c));
  markCurrent();
}

// Highlight the conversation shown in the chat.
export function markCurrent() {
  const current = hooks.current();
  for (const item of $("conv-list").children) {
    const open = item.querySelector(".conv-open");
    if (item.dataset.id === current) open.setAttribute("aria-current", "true");
    else open.removeAttribute("aria-current");
  }
}

function conversationItem(c) {
  const item = el("li", null, "conv");
  item.dataset.id = c.conversation_id;
  const open = el("button", null, "conv-open");
  open.type = "button";
  open.appendChild(el("span", c.title, "conv-title"));
  const count = `${c.turn_count} question${c.turn_count === 1 ? "" : "s"}`;
  open.appendChild(el("span", `${count} · ${when(c.updated_at)}`, "meta"));
  open.addEventListener("click", () => hooks.open(c.conversation_id));
  item.appendChild(open);

  const actions = el("div", null, "conv-actions");
  const rename = el("button", "Rename", "secondary conv-rename");
  rename.type = "button";
  rename.setAttribute("aria-label", `Rename “${c.title}”`);
  rename.addEventListener("click", () => startRename(item, c));
  const remove = el("button", "Delete", "secondary conv-delete");
  remove.type = "button";
  remove.setAttribute("aria-label", `Delete “${c.title}”`);
  remove.addEventListener("click", () => deleteConversation(c, remove));
  actions.append(rename, remove);
  item.appendChild(actions);
  return item;
}

function startRename(item, c) {
  const form = el("form", null, "conv-rename-form");
  const label = el("label", "New name", "visually-hidden");
  const input = el("input");
  input.type = "text";
  input.id = `rename-${Math.random().toString(36).slice(2)}`;
  label.htmlFor = input.id;
  input.maxLength = 200;
  input.required = true;
  input.value = c.title;
  const save = el("button", "Save");
  save.type = "submit";
  const cancel = el("button", "Cancel", "secondary");
  cancel.type = "button";
  form.append(label, input, save, cancel);
  item.replaceChildren(form);
  input.focus();
  input.select();
  const back = () => loadConversations();
  cancel.addEventListener("click", back);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") back();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const title = input.value.trim();
    if (!title) return;
    save.disabled = true;
    const response = await fetch(`/v1/conversations/${encodeURIComponent(c.conversation_id)}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", ...writeHeaders() },
      body: JSON.stringify({ title }),
    });
    if (response.ok) {
      setConvStatus(`Renamed to “${(await response.json()).title}”.`);
      await loadConversations();
      return;
    }
    const message = await errorMessage(response);
    save.disabled = false;
    if (response.status === 401) askForKey(`Rename failed: ${message}.`);
    setConvStatus(`Rename failed: ${message}`, true);
  });
}

async function deleteConversation(c, button) {
  if (!pressedTwice(button)) return;
  button.disabled = true;
  const response = await fetch(`/v1/conversations/${encodeURIComponent(c.conversation_id)}`, {
    method: "DELETE",
    headers: writeHeaders(),
  });
  if (response.ok) {
    setConvStatus(`Deleted “${c.title}”.`);
    if (c.conversation_id === hooks.current()) hooks.deleted();
  } else {
    const message = await errorMessage(response);
    if (response.status === 401) askForKey(`Delete failed: ${message}.`);
    setConvStatus(`Delete failed: ${message}`, true);
  }
  await loadConversations();
}
