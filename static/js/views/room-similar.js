/*
 * «Contributi simili già scritti»: while a participant writes, after a pause
 * in typing, the room asks the server for notes of the session that say
 * nearly the same thing (`note.similar`, docs/protocol.md §5.4) and lists up
 * to three under the form. The person may still publish, or go to the note
 * on the board (and in votazione give it a dot instead). A screen reader
 * hears, through the page's live region, how many were found, only when that
 * changes. Note texts are shown as plain text from the server's sanitized html.
 */
import { el } from "../live/dom.js";
import { excerptOf, fmt, plural } from "../live/text.js";

const PAUSE_MS = 600;
const MIN_CHARS = 12;

/** Text of sanitized html, parsed inertly (a <template> runs nothing). */
function htmlToText(html) {
  const t = document.createElement("template");
  t.innerHTML = html;
  return t.content.textContent || "";
}

export function roomSimilar(ctx, client) {
  const { T, ui } = ctx;
  let timer = null;
  let asked = ""; // the draft of the last question, so the same words are not asked twice
  let shownIds = "";
  let generation = 0;

  function clear() {
    clearTimeout(timer);
    generation++;
    asked = "";
    shownIds = "";
    ui.similar.hidden = true;
    ui.similarList.replaceChildren();
  }

  function goTo(id) {
    const card = ctx.view.noteElement(id);
    const target = card && card.firstElementChild;
    if (!target) return;
    target.scrollIntoView({ block: "center" });
    target.focus();
  }

  function render(found) {
    const notes = found.filter((f) => f.note && ctx.board.notes.has(f.note.id));
    const ids = notes.map((f) => f.note.id).join(",");
    ui.similarList.replaceChildren(
      ...notes.map((f) => {
        const li = el("li", "similar-item");
        li.dataset.noteId = String(f.note.id);
        const kind = el("span", "similar-kind", ctx.kindLabel(f.note.kind) + ":");
        const text = el("span", "similar-text", excerptOf(f.note, 140, htmlToText));
        const go = el("button", "btn btn-outline-primary btn-sm similar-go", T.similar_go);
        go.type = "button";
        go.setAttribute("aria-label", fmt(T.similar_go_label, { text: excerptOf(f.note, 60, htmlToText) }));
        go.addEventListener("click", () => goTo(f.note.id));
        li.append(kind, " ", text, " ", go);
        return li;
      }),
    );
    ui.similar.hidden = notes.length === 0;
    if (ids !== shownIds && notes.length) ctx.announce(plural(T, notes.length, "similar_found_one", "similar_found_other"));
    shownIds = ids;
  }

  function ask() {
    const draft = ui.text.value.trim();
    if (!ctx.canWrite() || draft.length < MIN_CHARS) return clear();
    if (draft === asked) return;
    asked = draft;
    const mine = ++generation;
    client.read("note.similar", { text: draft.slice(0, ctx.settings().note_max_chars) }, (ack) => {
      if (mine !== generation) return; // typed on since: a newer question is coming
      if (ack && ack.ok) render(ack.notes || []);
      else asked = ""; // no answer (offline, an error): ask again at the next pause
    });
  }

  ui.text.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, PAUSE_MS);
  });

  /** Writing closed (a phase change): the list goes with it; a note gone from the board leaves it. */
  function refresh() {
    if (!ctx.canWrite()) {
      if (!ui.similar.hidden || asked) clear();
      return;
    }
    for (const li of Array.from(ui.similarList.children)) {
      if (!ctx.board.notes.has(Number(li.dataset.noteId))) li.remove();
    }
    if (!ui.similarList.children.length) ui.similar.hidden = true;
  }

  return { clear, refresh };
}
