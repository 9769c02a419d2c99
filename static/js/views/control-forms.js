/*
 * The control room's inline forms (control.js is the page): hiding a note
 * asks its reason (shown to its author), correcting a note gives its kind and
 * text, renaming a cluster its title. Each opens in place, focused at once;
 * Escape cancels and gives the focus back to the button that opened it.
 */
import { isPrivateStub } from "../live/board.js";
import { el, escapeCancels, formButtons } from "../live/dom.js";
import { noteProblem } from "../live/text.js";

export function controlForms(ctx) {
  const { T, board, state, send } = ctx;
  let inlineSeq = 0;

  /** opts: {fields: [{name, label, tag, options, value, maxlength}], submit, close(focus), check(values), submitValues(values)}. */
  function inlineForm(opts) {
    const form = el("form", "inline-form");
    form.noValidate = true;
    const n = ++inlineSeq;
    const fields = [];
    for (const f of opts.fields) {
      const wrap = el("div", "mb-2");
      const label = el("label", "form-label", f.label);
      const input = el(f.tag || "input", f.tag === "select" ? "form-select form-select-sm" : "form-control form-control-sm");
      input.id = "inline-" + n + "-" + f.name;
      label.htmlFor = input.id;
      if (f.tag === "textarea") input.rows = 3;
      if (f.tag === "select") {
        for (const [value, text] of f.options) {
          const o = el("option", null, text);
          o.value = value;
          input.append(o);
        }
      } else if (!f.tag) {
        input.type = "text";
      }
      if (f.maxlength) input.maxLength = f.maxlength;
      input.value = f.value || "";
      input.name = f.name;
      wrap.append(label, input);
      fields.push(input);
      form.append(wrap);
    }
    const alert = el("div", "inline-alert");
    const buttons = formButtons("inline-buttons", "btn-sm ", opts.submit, T.cancel, () => opts.close(true));
    form.append(el("p", "small-print mb-1", T.escape_hint), alert, buttons);
    escapeCancels(form, () => opts.close(true));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const values = {};
      for (const input of fields) values[input.name] = input.value;
      const problem = opts.check(values);
      if (problem) {
        alert.replaceChildren(el("p", "local-error", problem));
        fields[0].setAttribute("aria-invalid", "true");
        fields[0].focus();
        ctx.showError(problem);
        return;
      }
      opts.submitValues(values);
    });
    return { form: form, fields: fields };
  }

  function closeInline(id, restoreFocus) {
    const open = state.inline.get(id);
    if (!open) return;
    state.inline.delete(id);
    open.form.remove();
    const li = ctx.view.noteElement(id);
    if (li) li.firstElementChild.querySelector(".note-body").hidden = false;
    ctx.scheduleRender();
    if (restoreFocus && open.trigger && open.trigger.isConnected) {
      if (!open.trigger.hidden && !open.trigger.disabled) open.trigger.focus();
      else if (li) li.firstElementChild.focus();
    }
  }

  /** An inline form on note `id`, opened by its button `triggerClass`. */
  function openOnNote(id, type, triggerClass, opts) {
    const li = ctx.view.noteElement(id);
    if (!li || !board.notes.has(id)) return null;
    if (state.inline.has(id)) closeInline(id, false);
    const art = li.firstElementChild;
    const made = inlineForm(Object.assign({ close: (focus) => closeInline(id, focus) }, opts));
    state.inline.set(id, { type: type, form: made.form, trigger: art.querySelector(triggerClass) });
    art.querySelector(".note-inline").append(made.form);
    return made;
  }

  function openHide(id) {
    const li = ctx.view.noteElement(id);
    const made = openOnNote(id, "hide", ".note-hide", {
      fields: [{ name: "reason", label: T.hide_reason, maxlength: ctx.config.limits.reason_max }],
      submit: T.hide_confirm,
      check: (v) => (!v.reason.trim() ? T.hide_reason : null),
      submitValues: (v) => {
        const reason = v.reason.trim();
        const art = li.firstElementChild;
        closeInline(id, false);
        send("note.hide", { note_id: id, reason: reason }, {
          where: ctx.view.alertOf(li),
          onOk: () => {
            const note = board.notes.get(id);
            if (note) note.hidden_reason = reason; // staff.state confirms it
            ctx.scheduleRender();
            setTimeout(() => {
              const restore = art.querySelector(".note-restore"); // created by the render
              if (restore && (document.activeElement === document.body || art.contains(document.activeElement))) restore.focus();
            }, 0);
          },
        });
      },
    });
    if (!made) return;
    ctx.scheduleRender();
    made.fields[0].focus();
  }

  function openCorrect(id) {
    const note = board.notes.get(id);
    if (!note || isPrivateStub(note)) return;
    const li = ctx.view.noteElement(id);
    const made = openOnNote(id, "correct", ".note-correct", {
      fields: [
        { name: "kind", label: T.correct_kind, tag: "select", options: ctx.settings().note_kinds.map((k) => [k, ctx.kindLabel(k)]), value: note.kind },
        { name: "text", label: T.correct_text, tag: "textarea", value: note.text || "" },
      ],
      submit: T.save,
      check: (v) => noteProblem(T, v.text, ctx.settings().note_max_chars),
      submitValues: (v) => {
        const current = board.notes.get(id);
        closeInline(id, true);
        if (!current) return;
        const fields = { note_id: id, text: v.text };
        if (v.kind !== current.kind) fields.kind = v.kind;
        if (v.text.trim() === (current.text || "").trim() && !fields.kind) return;
        send("note.edit", fields, { where: ctx.view.alertOf(li) });
      },
    });
    if (!made) return;
    li.firstElementChild.querySelector(".note-body").hidden = true;
    ctx.scheduleRender();
    made.fields[1].focus();
  }

  function openRename(id) {
    const sec = ctx.view.clusterElement(id);
    const c = board.clusters.get(id);
    if (!sec || !c) return;
    const existing = state.renaming.get(id);
    if (existing) return existing.form.querySelector("input").focus();
    const trigger = sec.querySelector(".cluster-rename");
    const close = (focus) => {
      const open = state.renaming.get(id);
      if (!open) return;
      state.renaming.delete(id);
      open.form.remove();
      if (focus && trigger.isConnected) trigger.focus();
    };
    const made = inlineForm({
      fields: [{ name: "title", label: T.rename_field, maxlength: ctx.config.limits.title_max, value: c.title }],
      submit: T.save,
      close: close,
      check: (v) => (!v.title.trim() ? T.cluster_title_needed : null),
      submitValues: (v) => {
        close(true);
        if (v.title.trim() !== c.title) send("cluster.rename", { cluster_id: id, title: v.title.trim() }, { where: ctx.view.alertOf(sec) });
      },
    });
    state.renaming.set(id, { form: made.form });
    sec.querySelector(".cluster-rename-box").append(made.form);
    made.fields[0].focus();
    made.fields[0].select();
  }

  return { openHide, openCorrect, openRename, isCorrecting: (id) => (state.inline.get(id) || {}).type === "correct" };
}
