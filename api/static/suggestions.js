// Suggested questions on an empty conversation, from GET /v1/suggestions under the current
// filters: built by the server from what is indexed; selecting one asks it.
"use strict";

import { $, el } from "./dom.js";
import { currentFilters } from "./scope.js";

const SHOWN = 4;
let ask = () => {};
let loading = 0; // a slower earlier answer is dropped

export function initSuggestions(askQuestion) {
  ask = askQuestion;
}

export async function loadSuggestions() {
  const mine = ++loading;
  const params = new URLSearchParams({ limit: String(SHOWN) });
  for (const [key, values] of Object.entries(currentFilters() || {})) {
    for (const value of values) params.append(key, value);
  }
  let suggestions = [];
  try {
    const response = await fetch(`/v1/suggestions?${params}`);
    if (response.ok) suggestions = (await response.json()).suggestions;
  } catch (_) {
    suggestions = []; // nothing to suggest is better than an error on an empty page
  }
  if (mine !== loading) return;
  const list = $("suggestion-list");
  list.replaceChildren();
  for (const s of suggestions) {
    const item = el("li");
    const button = el("button", s.question, "suggestion secondary");
    button.type = "button";
    button.addEventListener("click", () => ask(s.question));
    item.appendChild(button);
    list.appendChild(item);
  }
  $("suggestions").hidden = suggestions.length === 0;
}
