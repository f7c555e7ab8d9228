// Small helpers every part of the page shares. Server text only ever becomes text nodes.
"use strict";

export const $ = (id) => document.getElementById(id);

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) return body.error.message;
  } catch (_) {
    /* not JSON */
  }
  return `${response.status} ${response.statusText}`.trim();
}

// The key uploads, deletes and conversation renames present when the server sets
// TRIALQA_API__API_KEY: asked for after a 401, kept for this tab only.
export const auth = { apiKey: sessionStorage.getItem("trialqa-api-key") || "" };

export function writeHeaders() {
  return auth.apiKey ? { Authorization: `Bearer ${auth.apiKey}` } : {};
}

// A delete button's two steps: the first press arms it ("Confirm delete") for five seconds
// and returns false; a second press while armed returns true.
export function pressedTwice(button) {
  if (button.dataset.armed === "yes") return true;
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
  return false;
}
