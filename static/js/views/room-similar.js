/*
 * «Contributi simili già scritti»: while a participant writes, after a pause
 * in typing, the room asks the server for notes of the session that say
 * nearly the same thing (`note.similar`, docs/protocol.md §5.4) and lists up
 * to three under the form. The person may still publish, or go to the note
 * on the board (and in votazione give it a dot instead). A screen reader
 * hears, through the page's live region, how many were found, only when that
 * changes. Note texts are shown as plain text from the server's sanitized html.
 *
 * The same watch (`watchSimilar`) serves every place a note is written: the
 * room's compose form, the inline editor of one's own note (the note being
 * edited left out: `note_id`), and the control room's «Agisci per conto di»
 * form, where a facilitator writes for someone without a device.
 *
 * Where the list is far from the text box (the room's form: under «Pubblica»,
 * out of sight on a phone while typing), a short line right under the box
 * (`hint`, a button, not a second live region) says how many there are and
 * leads to them. After «Vai al contributo», a «Torna alla bozza» button at the
 * top of the note brings the focus back to the draft.
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

/**
 * Watch one text box and list, after a pause in typing, the notes that say
 * nearly the same (up to three, from the server). `opts`: T (strings), client
 * (LiveClient, for `read`), area (the textarea), box (hidden when nothing is
 * shown), list (the <ul>), canAsk() (writing allowed now), maxChars(),
 * known(id) (the note is on this page's board), goTo(id), kindLabel(kind),
 * announce(text), noteId (the note being edited, never listed), and hint
 * (a button under the text box saying how many are listed, leading to them).
 */
export function watchSimilar(opts) {
  const { T, client, area, box, list } = opts;
  let timer = null;
  let asked = ""; // the draft of the last question, so the same words are not asked twice
  let shownIds = "";
  let generation = 0;

  function clear() {
    clearTimeout(timer);
    generation++;
    asked = "";
    shownIds = "";
    box.hidden = true;
    list.replaceChildren();
    showHint(0);
  }

  /** The line under the text box: how many are listed, or nothing. */
  function showHint(n) {
    if (!opts.hint) return;
    opts.hint.hidden = n === 0;
    opts.hint.textContent = n ? plural(T, n, "similar_hint_one", "similar_hint_other") : "";
  }
  if (opts.hint) {
    opts.hint.addEventListener("click", () => {
      box.scrollIntoView({ block: "nearest" });
      const first = list.querySelector(".similar-go");
      if (first) first.focus();
    });
  }

  function render(found) {
    const notes = found.filter((f) => f.note && opts.known(f.note.id));
    const ids = notes.map((f) => f.note.id).join(",");
    list.replaceChildren(
      ...notes.map((f) => {
        const li = el("li", "similar-item");
        li.dataset.noteId = String(f.note.id);
        const kind = el("span", "similar-kind", fmt(T.similar_kind, { kind: opts.kindLabel(f.note.kind) }));
        const text = el("span", "similar-text", excerptOf(f.note, 140, htmlToText));
        const go = el("button", "btn btn-outline-primary btn-sm similar-go", T.similar_go);
        go.type = "button";
        go.setAttribute("aria-label", fmt(T.similar_go_label, { text: excerptOf(f.note, 60, htmlToText) }));
        go.addEventListener("click", () => {
          opts.goTo(f.note.id);
          offerWayBack(T, area);
        });
        li.append(kind, " ", text, " ", go);
        return li;
      }),
    );
    box.hidden = notes.length === 0;
    showHint(notes.length);
    if (ids !== shownIds && notes.length) opts.announce(plural(T, notes.length, "similar_found_one", "similar_found_other"));
    shownIds = ids;
  }

  function ask() {
    const draft = area.value.trim();
    if (!opts.canAsk() || draft.length < MIN_CHARS) return clear();
    if (draft === asked) return;
    asked = draft;
    const mine = ++generation;
    const fields = { text: draft.slice(0, opts.maxChars()) };
    if (opts.noteId) fields.note_id = opts.noteId;
    client.read("note.similar", fields, (ack) => {
      if (mine !== generation) return; // typed on since: a newer question is coming
      if (ack && ack.ok) render(ack.notes || []);
      else asked = ""; // no answer (offline, an error): ask again at the next pause
    });
  }

  function onInput() {
    clearTimeout(timer);
    timer = setTimeout(ask, PAUSE_MS);
  }
  area.addEventListener("input", onInput);
  area.addEventListener("focus", dropWayBack); // back at the draft, however it got there

  /** Writing closed (a phase change): the list goes with it; a note gone from the board leaves it. */
  function refresh() {
    if (!opts.canAsk()) {
      if (!box.hidden || asked) clear();
      return;
    }
    for (const li of Array.from(list.children)) {
      if (!opts.known(Number(li.dataset.noteId))) li.remove();
    }
    if (!list.children.length) box.hidden = true;
    showHint(list.children.length);
  }

  /** The box is going away (an editor closed): no question left waiting. */
  function stop() {
    clear();
    area.removeEventListener("input", onInput);
    area.removeEventListener("focus", dropWayBack);
  }

  return { clear, refresh, stop };
}

/** The box of similar notes for a form built in script (the editor): heading, hint, list. */
export function similarBox(T, idPrefix) {
  const box = el("div", "similar-notes");
  box.hidden = true;
  const title = el("p", "similar-title mb-1", T.similar_title);
  title.id = idPrefix + "-title";
  const list = el("ul", "similar-list");
  list.setAttribute("aria-labelledby", title.id);
  box.append(title, list);
  return { box, list };
}

/** The room's compose form. */
export function roomSimilar(ctx, client) {
  const { T, ui } = ctx;
  return watchSimilar({
    T,
    client,
    area: ui.text,
    box: ui.similar,
    list: ui.similarList,
    canAsk: () => ctx.canWrite(),
    maxChars: () => ctx.settings().note_max_chars,
    known: (id) => ctx.board.notes.has(id),
    goTo: (id) => goToCard(ctx, id),
    kindLabel: ctx.kindLabel,
    announce: ctx.announce,
    hint: ui.similarHint,
  });
}

/** Scroll to a note of the room's board and give it the focus. */
export function goToCard(ctx, id) {
  const card = ctx.view.noteElement(id);
  const target = card && card.firstElementChild;
  if (!target) return;
  target.scrollIntoView({ block: "center" });
  target.focus();
}

let wayBack = null; // the one «Torna alla bozza» button on the page, if any

function dropWayBack() {
  if (wayBack) wayBack.remove();
  wayBack = null;
}

/**
 * After «Vai al contributo»: a «Torna alla bozza» button first thing in the
 * note that now has the focus (the next Tab reaches it), back to the text box.
 */
function offerWayBack(T, area) {
  dropWayBack();
  const note = document.activeElement;
  if (!note || note === document.body || !T.similar_back) return;
  const back = el("button", "btn btn-outline-secondary btn-sm similar-back", T.similar_back);
  back.type = "button";
  back.addEventListener("click", () => {
    area.focus(); // drops the button
    area.scrollIntoView({ block: "nearest" });
  });
  note.prepend(back);
  wayBack = back;
}
