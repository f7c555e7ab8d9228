// One turn of the conversation: the question, the answer with its citation markers, the
// calculations and the sources, and a button that copies it as Markdown with its references.
"use strict";

import { el, errorMessage } from "./dom.js";
import { tableView } from "./evidence.js";
import { provenanceLine } from "./provenance.js";
import { openCitation } from "./reader.js";

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

// The clipboard API where the page may use it, else the older copy command; false when neither.
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      /* refused: try the older way */
    }
  }
  const area = el("textarea", null, "copy-buffer");
  area.value = text;
  area.readOnly = true;
  document.body.appendChild(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch (_) {
    copied = false;
  }
  area.remove();
  return copied;
}

const VERDICT_NAMES = {
  significantly_increased: "Significantly higher",
  significantly_decreased: "Significantly lower",
  no_significant_difference: "No significant difference",
  not_reported: "Not reported",
  conflicting: "Conflicting evidence",
};

const DECISION_NAMES = { yes: "Yes", no: "No", maybe: "Maybe" };

export class TurnView {
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
    this.scope = el("p", null, "scope-note");
    this.scope.hidden = true;
    this.root.appendChild(this.scope);

    const a = el("div", null, "a");
    this.badge = el("p", "Not answered by the indexed documents", "badge");
    this.badge.hidden = true;
    a.appendChild(this.badge);
    this.verdict = el("div", null, "verdict");
    this.verdict.hidden = true;
    a.appendChild(this.verdict);
    this.decision = el("div", null, "decision");
    this.decision.hidden = true;
    a.appendChild(this.decision);
    this.text = el("p", null, "answer-text");
    a.appendChild(this.text);
    // What the answer could not do as asked: a part of the question no document answers, a
    // yes or no withheld as unclear (the answer's warnings).
    this.notes = el("ul", null, "notes");
    this.notes.hidden = true;
    a.appendChild(this.notes);
    this.table = el("div", null, "evidence-box");
    this.table.hidden = true;
    a.appendChild(this.table);
    this.calcs = el("div", null, "calcs");
    this.calcs.hidden = true;
    a.appendChild(this.calcs);
    this.sourcesTitle = el("h3", "Sources", "sources-title");
    this.sourcesTitle.hidden = true;
    a.appendChild(this.sourcesTitle);
    this.sources = el("ol", null, "sources");
    a.appendChild(this.sources);
    this.actions = el("div", null, "turn-actions");
    this.actions.hidden = true;
    this.copyButton = el("button", "Copy", "copy secondary");
    this.copyButton.type = "button";
    this.copyButton.setAttribute("aria-label", "Copy this answer with its references as Markdown");
    this.copyButton.addEventListener("click", () => this.copy());
    this.copyStatus = el("span", null, "copy-status");
    this.copyStatus.setAttribute("role", "status");
    this.actions.append(this.copyButton, this.copyStatus);
    a.appendChild(this.actions);
    this.fallback = el("textarea", null, "copy-fallback");
    this.fallback.readOnly = true;
    this.fallback.hidden = true;
    this.fallback.setAttribute("aria-label", "The answer as Markdown");
    a.appendChild(this.fallback);
    this.root.appendChild(a);
  }

  // Which stored turn this is: the Copy button asks the server for its Markdown export.
  setRecord(conversationId, n) {
    this.record = { conversationId, n };
    this.root.dataset.n = String(n);
    this.actions.hidden = false;
  }

  async copy() {
    const { conversationId, n } = this.record;
    const id = encodeURIComponent(conversationId);
    this.copyStatus.textContent = "";
    let markdown;
    try {
      const response = await fetch(`/v1/conversations/${id}/export?format=markdown&turn=${n}`);
      if (!response.ok) throw new Error(await errorMessage(response));
      markdown = await response.text();
    } catch (err) {
      this.copyStatus.textContent = `Copy failed: ${err.message}`;
      return;
    }
    if (await copyText(markdown)) {
      this.fallback.hidden = true;
      this.copyButton.textContent = "Copied";
      this.copyStatus.textContent = "Copied as Markdown, with its references.";
      setTimeout(() => {
        this.copyButton.textContent = "Copy";
        this.copyStatus.textContent = "";
      }, 2500);
      return;
    }
    // No clipboard here (an insecure origin, a browser that refuses): show the text to copy.
    this.fallback.value = markdown;
    this.fallback.hidden = false;
    this.fallback.focus();
    this.fallback.select();
    this.copyStatus.textContent = "The browser blocked copying: the Markdown is selected below.";
  }

  // The filters this turn was asked under ("Trial: AQUILA · Document: …"), when any.
  setScope(label) {
    this.scope.textContent = label ? `Asked with filters: ${label}` : "";
    this.scope.hidden = !label;
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
      const line = provenanceLine(c);
      if (line) item.appendChild(line);
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
    this.notes.replaceChildren(...(answer.warnings || []).map((w) => el("li", w)));
    this.notes.hidden = !this.notes.children.length;
    this.showBottomLine(this.verdict, answer.verdict, VERDICT_NAMES, "verdict");
    this.showBottomLine(this.decision, answer.decision, DECISION_NAMES, "decision");
    this.showTable(answer.table, answer.citations);
  }

  // A comparison across named trials: its evidence table (evidence.js), cells citing [n].
  showTable(table, citations) {
    this.table.replaceChildren();
    this.table.hidden = !table;
    if (table) this.table.appendChild(tableView(table, citations, (n) => this.marker(n)));
  }

  // A bottom line read from the cited quotes (an effect question's verdict, a yes/no question's
  // decision): its label, confidence and the cues it rests on, each a span of a quote it cites.
  showBottomLine(panel, line, names, kind) {
    panel.replaceChildren();
    panel.hidden = !line;
    if (!line) return;
    panel.dataset.label = line.label;
    const head = el("p", null, `${kind}-head`);
    head.appendChild(el("span", names[line.label] || line.label, `${kind}-label`));
    if (typeof line.confidence === "number") {
      head.appendChild(el("span", `confidence ${Math.round(line.confidence * 100)}%`, `${kind}-confidence`));
    }
    panel.appendChild(head);
    if (line.cues && line.cues.length) {
      const cues = el("p", "Rests on: ", `${kind}-cues`);
      line.cues.forEach((cue, i) => {
        if (i) cues.appendChild(document.createTextNode(" · "));
        cues.appendChild(el("q", cue));
      });
      for (const n of line.cited || []) cues.appendChild(this.marker(n));
      panel.appendChild(cues);
    }
  }

  showError(message) {
    this.root.classList.remove("streaming");
    this.root.classList.add("failed");
    this.text.replaceChildren(document.createTextNode(`Error: ${message}`));
  }
}
