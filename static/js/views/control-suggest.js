/*
 * «Suggerisci gruppi» in the control room: the server proposes groups for the
 * loose notes (a new group with a title, or the existing group a note fits)
 * and possible duplicates (`groups.suggest`, docs/protocol.md §5.5). Nothing
 * changes on the board until the facilitator applies a suggestion, which
 * goes out as the ordinary commands (cluster.create, note.move), so it is
 * logged, acknowledged and replayed like any change, and every screen
 * follows from the events. The facilitator edits a new group's title, leaves
 * notes out by unticking them, or drops a suggestion. Duplicates are ticked
 * in the board's selection for the existing «Unisci i selezionati».
 */
import { el, setText } from "../live/dom.js";
import { fmt, plural } from "../live/text.js";

export function controlSuggest(ctx, client) {
  const { T, ui, board, state } = ctx;
  let groups = []; // {key, cluster_id, title, note_ids}
  let duplicates = []; // {key, into_note_id, note_ids}
  let seq = 0;
  let asking = false;

  const none = (v) => v === null || v === undefined;
  const loose = (id) => board.notes.has(id) && none(board.notes.get(id).cluster_id);

  function ask() {
    if (asking || !ctx.can.cluster()) return;
    asking = true;
    ui.suggestButton.disabled = true;
    setText(ui.suggestStatus, T.suggest_asking);
    client.read("groups.suggest", {}, (ack) => {
      asking = false;
      if (!ack || !ack.ok) {
        setText(ui.suggestStatus, "");
        ctx.showError((ack && ack.error && ack.error.message) || T.conn_offline);
        return render();
      }
      groups = ack.groups.map((g) => Object.assign({ key: "g" + ++seq }, g));
      duplicates = ack.duplicates.map((d) => Object.assign({ key: "d" + ++seq }, d));
      const said = groups.length || duplicates.length
        ? fmt(T.suggest_found, {
          groups: plural(T, groups.length, "suggest_groups_one", "suggest_groups_other"),
          duplicates: plural(T, duplicates.length, "suggest_duplicates_one", "suggest_duplicates_other"),
        })
        : T.suggest_none;
      setText(ui.suggestStatus, said);
      ctx.announce(said);
      render();
      ui.suggestPanel.hidden = false;
      ui.suggestTitle.focus();
    });
  }

  function drop(key, focusNext) {
    const all = groups.concat(duplicates);
    const at = all.findIndex((s) => s.key === key);
    groups = groups.filter((s) => s.key !== key);
    duplicates = duplicates.filter((s) => s.key !== key);
    render();
    if (!focusNext) return;
    const rest = groups.concat(duplicates);
    const next = rest[Math.min(at, rest.length - 1)];
    const node = next && ui.suggestPanel.querySelector('[data-suggestion="' + next.key + '"]');
    (node || ui.suggestTitle).focus();
  }

  function noteRow(s, id) {
    const li = el("li", "suggest-note");
    const box = el("input", "form-check-input suggest-note-keep");
    box.type = "checkbox";
    box.checked = true;
    box.value = String(id);
    box.id = "suggest-" + s.key + "-" + id;
    const label = el("label", "form-check-label", ctx.noteExcerpt(board.notes.get(id)));
    label.htmlFor = box.id;
    li.append(box, " ", label);
    return li;
  }

  function kept(item) {
    return Array.from(item.querySelectorAll(".suggest-note-keep")).filter((b) => b.checked).map((b) => Number(b.value));
  }

  /**
   * «Crea il gruppo» (or its like) and «Scarta». Every suggestion has them, so
   * each is named after its own suggestion (`labels(name)`: [apply, drop]),
   * `name()` read again when `nameInput` (a new group's title) changes.
   */
  function buttons(item, s, applyText, onApply, labels, name, nameInput) {
    const row = el("div", "suggest-actions");
    const apply = el("button", "btn btn-primary btn-sm suggest-apply", applyText);
    apply.type = "button";
    apply.addEventListener("click", () => onApply(item));
    const discard = el("button", "btn btn-outline-secondary btn-sm suggest-drop", T.suggest_drop);
    discard.type = "button";
    discard.addEventListener("click", () => drop(s.key, true));
    const named = () => {
      const [a, d] = labels(name());
      apply.setAttribute("aria-label", a);
      discard.setAttribute("aria-label", d);
    };
    named();
    if (nameInput) nameInput.addEventListener("input", named);
    row.append(apply, discard);
    return row;
  }

  /** A focusable list item named by its heading line. */
  function suggestionItem(s, className, headText) {
    const item = el("li", className);
    item.dataset.suggestion = s.key;
    item.tabIndex = -1;
    const head = el("p", "suggest-head mb-1", headText);
    head.id = "suggest-head-" + s.key;
    item.setAttribute("aria-labelledby", head.id);
    item.append(head);
    return item;
  }

  function groupItem(s, ids) {
    const cluster = none(s.cluster_id) ? null : board.clusters.get(s.cluster_id);
    const item = suggestionItem(s, "suggestion", cluster ? fmt(T.suggest_fit, { title: cluster.title }) : T.suggest_new);
    let title = null;
    if (!cluster) {
      title = el("input", "form-control suggest-title-input");
      title.type = "text";
      title.maxLength = 200;
      title.value = s.title;
      title.id = "suggest-title-" + s.key;
      const label = el("label", "form-label", T.suggest_title_label);
      label.htmlFor = title.id;
      item.append(label, title);
    }
    const list = el("ul", "suggest-notes");
    list.append(...ids.map((id) => noteRow(s, id)));
    item.append(list, el("div", "suggest-alert"));
    const labels = (name) => cluster
      ? [fmt(T.suggest_apply_fit_label, { title: name }), fmt(T.suggest_drop_fit_label, { title: name })]
      : [fmt(T.suggest_apply_new_label, { title: name }), fmt(T.suggest_drop_new_label, { title: name })];
    const name = () => (cluster ? cluster.title : title.value.trim() || s.title);
    item.append(buttons(item, s, cluster ? T.suggest_apply_fit : T.suggest_apply_new, () => {
      const chosen = kept(item).filter(loose);
      const where = item.querySelector(".suggest-alert");
      if (!chosen.length) return ctx.showError(T.suggest_pick_notes, where);
      if (cluster) {
        if (!board.clusters.has(s.cluster_id)) return ctx.showError(T.suggest_gone, where);
        for (const id of chosen) ctx.send("note.move", { note_id: id, cluster_id: s.cluster_id }, { where: where });
        return drop(s.key, true);
      }
      const name = title.value.trim();
      if (!name) {
        title.setAttribute("aria-invalid", "true");
        title.focus();
        return ctx.showError(T.cluster_title_needed, where);
      }
      ctx.send("cluster.create", { title: name, note_ids: chosen }, { where: where });
      drop(s.key, true);
    }, labels, name, title));
    return item;
  }

  function duplicateItem(s, ids) {
    const excerpt = ctx.noteExcerpt(board.notes.get(ids[0]));
    const item = suggestionItem(s, "suggestion suggestion-duplicate", fmt(T.suggest_duplicate, { excerpt: excerpt }));
    const list = el("ul", "suggest-notes");
    list.append(...ids.slice(1).map((id) => noteRow(s, id)));
    item.append(list, el("div", "suggest-alert"));
    item.append(buttons(item, s, T.suggest_select_merge, () => {
      const chosen = kept(item).filter((id) => board.notes.has(id));
      if (!chosen.length) return ctx.showError(T.suggest_pick_notes, item.querySelector(".suggest-alert"));
      // Into the board's selection, the kept note first: the existing merge does the rest.
      state.selected.clear();
      for (const id of [ids[0]].concat(chosen)) state.selected.add(id);
      ctx.view.renderSelection();
      drop(s.key, false);
      ui.mergeSelected.focus();
    }, (ex) => [fmt(T.suggest_select_merge_label, { excerpt: ex }), fmt(T.suggest_drop_duplicate_label, { excerpt: ex })],
    () => excerpt));
    return item;
  }

  /** The suggestions still meaningful on the board as it is now. */
  function render() {
    ui.suggestButton.disabled = asking || !ctx.can.cluster();
    const items = [];
    for (const s of groups) {
      const ids = s.note_ids.filter(loose);
      if (ids.length && (none(s.cluster_id) ? ids.length > 1 : board.clusters.has(s.cluster_id))) items.push([s, ids, groupItem]);
    }
    for (const s of duplicates) {
      const ids = [s.into_note_id].concat(s.note_ids).filter((id) => board.notes.has(id));
      if (ids.length > 1 && ids[0] === s.into_note_id) items.push([s, ids, duplicateItem]);
    }
    // Keep what the facilitator is editing: only items that are new or gone change.
    const keep = new Map(Array.from(ui.suggestList.children).map((n) => [n.dataset.suggestion, n]));
    const shown = items.map(([s, ids, make]) => {
      const old = keep.get(s.key);
      return old && old.dataset.ids === ids.join(",") ? old : tag(make(s, ids), ids);
    });
    ui.suggestList.replaceChildren(...shown);
    ui.suggestEmpty.hidden = shown.length > 0;
  }

  function tag(node, ids) {
    node.dataset.ids = ids.join(",");
    return node;
  }

  ui.suggestButton.addEventListener("click", ask);
  ui.suggestClose.addEventListener("click", () => {
    groups = [];
    duplicates = [];
    render();
    ui.suggestPanel.hidden = true;
    setText(ui.suggestStatus, "");
    ui.suggestButton.focus();
  });

  return { render };
}
