/*
 * The room's inline editor (a form in place of one's own note's body; Escape
 * cancels and gives the focus back) and the character counters of the
 * compose form and the editor (room.js is the page). While the text is
 * edited, the notes of others that say nearly the same are listed under it,
 * as under the compose form (views/room-similar.js).
 */
import { el, escapeCancels, formButtons } from "../live/dom.js";
import { codePoints, noteProblem, normalizedText, plural } from "../live/text.js";
import { goToCard, similarBox, watchSimilar } from "./room-similar.js";

export function roomEditor(ctx) {
  const { T, ui } = ctx;
  const editors = new Map(); // note id -> {form, similar}
  let editorSeq = 0;

  function labelled(labelText, control, id) {
    const wrap = el("div", "mb-2");
    const label = el("label", "form-label", labelText);
    control.id = id;
    label.htmlFor = id;
    wrap.append(label, control);
    return wrap;
  }

  function openEditor(id) {
    const entry = ctx.view.shownNotes().get(id);
    const li = ctx.view.noteElement(id);
    if (!entry || !entry.mine || !li || editors.has(id)) {
      if (editors.has(id)) editors.get(id).form.querySelector("textarea").focus();
      return;
    }
    const note = entry.note;
    const art = li.firstElementChild;
    const n = ++editorSeq;
    const form = el("form", "note-edit-form");
    form.noValidate = true;
    const counterId = "edit-counter-" + n;
    const hintId = "edit-hint-" + n;

    const kind = el("select", "form-select");
    for (const k of ctx.settings().note_kinds) {
      const opt = el("option", null, ctx.kindLabel(k));
      opt.value = k;
      kind.append(opt);
    }
    kind.value = note.kind;

    const area = el("textarea", "form-control");
    area.rows = 4;
    area.value = note.text || ""; // a textarea's value is text, never markup
    area.setAttribute("aria-describedby", hintId + " " + counterId);
    const textWrap = labelled(T.edit_text, area, "edit-text-" + n);
    const hint = el("small", "form-text d-block", T.edit_hint);
    hint.id = hintId;
    const counter = el("p", "char-counter form-text mb-0");
    counter.id = counterId;
    textWrap.append(hint, counter);

    const alertBox = el("div", "note-edit-alert");
    alertBox.setAttribute("role", "alert");
    const buttons = formButtons("note-actions", "", T.save, T.cancel, () => closeEditor(id, true));
    const { box, list } = similarBox(T, "edit-similar-" + n);
    form.append(alertBox, labelled(T.edit_kind, kind, "edit-kind-" + n), textWrap, box, buttons);
    const similar = watchSimilar({
      T,
      client: ctx.client,
      area,
      box,
      list,
      noteId: id, // never similar to itself
      canAsk: () => ctx.canWrite(),
      maxChars: () => ctx.settings().note_max_chars,
      known: (other) => ctx.board.notes.has(other),
      goTo: (other) => goToCard(ctx, other),
      kindLabel: ctx.kindLabel,
      announce: ctx.announce,
    });

    const refreshCounter = () => renderCounter(area, counter, null);
    area.addEventListener("input", refreshCounter);
    refreshCounter();
    escapeCancels(form, () => closeEditor(id, true));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const problem = noteProblem(T, area.value, ctx.settings().note_max_chars);
      if (problem) {
        ctx.showError(problem, alertBox);
        area.setAttribute("aria-invalid", "true");
        area.focus();
        return;
      }
      const current = ctx.view.shownNotes().get(id);
      if (!current || !ctx.canWrite()) return closeEditor(id, false);
      const fields = { note_id: id, text: area.value };
      if (kind.value !== current.note.kind) fields.kind = kind.value;
      const unchanged = normalizedText(area.value) === normalizedText(current.note.text || "") && !fields.kind;
      closeEditor(id, true);
      if (!unchanged) ctx.enqueue("note.edit", fields);
    });

    art.querySelector(".note-body").hidden = true;
    art.querySelector(".note-foot").hidden = true;
    art.classList.add("is-editing");
    art.insertBefore(form, art.querySelector(".note-foot"));
    editors.set(id, { form: form, similar: similar });
    area.focus();
  }

  function closeEditor(id, restoreFocus) {
    const ed = editors.get(id);
    if (!ed) return;
    editors.delete(id);
    ed.similar.stop();
    const li = ctx.view.noteElement(id);
    ed.form.remove();
    if (!li) return;
    const art = li.firstElementChild;
    art.querySelector(".note-body").hidden = false;
    art.classList.remove("is-editing");
    ctx.view.renderBoard(); // changes that arrived while editing
    if (restoreFocus) {
      const btn = art.querySelector(".note-edit");
      if (btn && !btn.hidden && !btn.disabled) btn.focus();
      else art.focus();
    }
  }

  /** Editors of notes no longer shown go. */
  function closeGone(shown) {
    for (const id of Array.from(editors.keys())) if (!shown.has(id)) closeEditor(id, false);
    for (const ed of editors.values()) ed.similar.refresh(); // a listed note gone, or writing closed
  }

  let counterLiveTimer = null;
  function renderCounter(area, counter, liveEl) {
    const max = ctx.settings().note_max_chars;
    const used = codePoints(normalizedText(area.value));
    const left = max - used;
    const text = left >= 0 ? plural(T, left, "chars_left_one", "chars_left_other") : plural(T, -left, "chars_over_one", "chars_over_other");
    counter.textContent = text;
    counter.classList.toggle("is-over", left < 0);
    counter.classList.toggle("is-near", left >= 0 && left <= 50);
    if (left < 0) area.setAttribute("aria-invalid", "true");
    else if (area.getAttribute("aria-invalid") === "true" && used > 0) area.removeAttribute("aria-invalid");
    if (liveEl) {
      // Spoken only near the limit, and not on every keystroke.
      clearTimeout(counterLiveTimer);
      if (left <= 50) counterLiveTimer = setTimeout(() => (liveEl.textContent = text), 800);
      else liveEl.textContent = "";
    }
  }

  /** The compose form's counter. */
  function updateCounter() {
    renderCounter(ui.text, ui.counter, ui.counterLive);
  }
  ui.text.addEventListener("input", updateCounter);

  return { openEditor, closeEditor, closeGone, updateCounter, isEditing: (id) => editors.has(id) };
}
