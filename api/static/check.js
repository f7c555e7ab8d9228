// "Check a text": paste a slide, an abstract draft or another model's answer; each claim comes
// back with its verdict, its figures and the quotes it was checked against (POST /v1/check).
// Server text only ever becomes text nodes; a citation marker opens the cited document.
"use strict";

import { $, el, errorMessage } from "./dom.js";
import { openCitation } from "./reader.js";
import { currentFilters, scopeLabel } from "./scope.js";

const VERDICTS = {
  supported: "Supported",
  contradicted: "Contradicted",
  not_found: "Not found in the sources",
};
const STATUSES = {
  matches: "matches",
  derived: "derived",
  differs: "differs",
  not_found: "not found",
};

function marker(citation) {
  const button = el("button", String(citation.n), "cite");
  button.type = "button";
  button.dataset.n = String(citation.n);
  button.title = `${citation.title} — characters ${citation.start}–${citation.end}`;
  button.setAttribute("aria-label", `Citation ${citation.n}: ${citation.title}`);
  button.addEventListener("click", () => openCitation(citation, button));
  return button;
}

// One claim: its verdict, its text, each figure with what the source says, its quotes.
function claimItem(claim) {
  const byN = new Map(claim.citations.map((c) => [c.n, c]));
  const item = el("li", null, "claim");
  item.dataset.verdict = claim.verdict;
  const head = el("p", null, "claim-head");
  head.appendChild(el("span", VERDICTS[claim.verdict] || claim.verdict, "claim-verdict"));
  head.appendChild(el("span", claim.text, "claim-text"));
  item.appendChild(head);
  if (claim.numbers.length) {
    const numbers = el("ul", null, "claim-numbers");
    for (const number of claim.numbers) {
      const row = el("li", null, "claim-number");
      row.dataset.status = number.status;
      row.appendChild(el("span", number.text, "number-text"));
      row.appendChild(el("span", ` ${STATUSES[number.status] || number.status}`, "number-status"));
      if (number.source_says) {
        row.appendChild(document.createTextNode(": "));
        row.appendChild(el("q", number.source_says, "number-source"));
      }
      for (const n of number.cited) if (byN.has(n)) row.appendChild(marker(byN.get(n)));
      numbers.appendChild(row);
    }
    item.appendChild(numbers);
  }
  if (claim.citations.length) {
    const title = claim.verdict === "not_found" ? "Closest passages" : "Checked against";
    item.appendChild(el("p", title, "claim-sources-title"));
    const sources = el("ol", null, "sources");
    for (const c of claim.citations) {
      const source = el("li", null, "source");
      source.value = c.n;
      const sourceHead = el("div", null, "source-head");
      sourceHead.appendChild(marker(c));
      const meta = el("span", null, "meta");
      meta.appendChild(el("span", c.title, "source-title"));
      meta.appendChild(document.createTextNode(` · ${c.doc_id} · characters ${c.start}–${c.end}`));
      sourceHead.appendChild(meta);
      source.appendChild(sourceHead);
      source.appendChild(el("blockquote", c.quote));
      sources.appendChild(source);
    }
    item.appendChild(sources);
  }
  return item;
}

function checkTurn(text, result, scope) {
  const turn = el("li", null, "turn check-turn");
  const q = el("div", null, "q");
  q.appendChild(el("span", "Checked", "who"));
  q.appendChild(el("p", text, "q-text"));
  turn.appendChild(q);
  if (scope) turn.appendChild(el("p", `Checked with filters: ${scope}`, "scope-note"));
  const a = el("div", null, "a");
  if (result.message) a.appendChild(el("p", result.message, "check-message"));
  if (result.claims.length) {
    const counts = {};
    for (const c of result.claims) counts[c.verdict] = (counts[c.verdict] || 0) + 1;
    const summary = Object.keys(VERDICTS)
      .filter((v) => counts[v])
      .map((v) => `${counts[v]} ${VERDICTS[v].toLowerCase()}`)
      .join(" · ");
    a.appendChild(el("p", `${result.claims.length} claims: ${summary}`, "check-summary"));
    const list = el("ol", null, "claims");
    for (const claim of result.claims) list.appendChild(claimItem(claim));
    a.appendChild(list);
  }
  turn.appendChild(a);
  return turn;
}

// Switch the form between asking a question and checking a text.
function setMode(checking) {
  $("mode-ask").setAttribute("aria-pressed", String(!checking));
  $("mode-check").setAttribute("aria-pressed", String(checking));
  $("ask-row").hidden = checking;
  $("check-row").hidden = !checking;
  $("question").required = !checking;
  (checking ? $("check-text") : $("question")).focus();
}

export function initCheck(setStatus, isBusy, setBusy) {
  $("mode-ask").addEventListener("click", () => setMode(false));
  $("mode-check").addEventListener("click", () => setMode(true));
  $("check").addEventListener("click", async () => {
    const text = $("check-text").value;
    if (isBusy()) return;
    if (!text.trim()) {
      setStatus("Paste the text to check first.", true);
      return;
    }
    setBusy(true);
    $("check").disabled = true;
    setStatus("Checking each claim against the documents…");
    const body = { text };
    const filters = currentFilters();
    if (filters) body.filters = filters;
    try {
      const response = await fetch("/v1/check", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        setStatus(`Error: ${await errorMessage(response)}`, true);
        return;
      }
      const result = await response.json();
      $("intro").hidden = true;
      const turn = checkTurn(text, result, scopeLabel());
      $("turns").appendChild(turn);
      turn.scrollIntoView({ block: "nearest" });
      setStatus("");
    } catch (err) {
      setStatus("Error: the server could not be reached.", true);
    } finally {
      setBusy(false);
      $("check").disabled = false;
    }
  });
}
