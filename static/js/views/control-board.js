/*
 * The control room's board (control.js is the page): notes and clusters with
 * their tools, the votes staff see (totals, the split by groups of categories
 * once voting is over, dots typed in), the selection for merging and new
 * clusters, and drag and drop of notes onto clusters — whose keyboard and
 * single-pointer path is the «Sposta in» menu on every note: arrow keys on a
 * closed <select> fire `change` at every step, so a move is sent only once
 * the choice has settled.
 *
 * Rendering reconciles, never rebuilds: elements are keyed by id and moved
 * between lists, so keyboard focus survives events.
 */
import { isPrivateStub } from "../live/board.js";
import { el, keyedCard, noteItem, onClick, placeChildren, renderNoteBody, setText, syncButtons } from "../live/dom.js";
import { carriedLine, fmt, plural, shorten } from "../live/text.js";

const DRAG_TYPE = "application/x-workshop-note";
const MOVE_SETTLE_MS = 600;
const CRITERIA = ["impatto", "fattibilita", "urgenza"];

export function controlBoard(ctx) {
  const { T, ui, board, state, can, config, send } = ctx;
  const AREA_CODES = Object.keys(config.areas || {}).sort();
  const moveTimers = new Map();
  const scheduleRender = () => ctx.scheduleRender();

  function button(className, label, ariaLabel) {
    const b = el("button", "btn btn-sm " + className, label);
    b.type = "button";
    if (ariaLabel) b.setAttribute("aria-label", ariaLabel);
    return b;
  }
  function noteElement(id) {
    return ui.root.querySelector('li.staff-note-item[data-note-id="' + id + '"]');
  }
  function clusterElement(id) {
    return ui.clusters.querySelector('section.staff-cluster[data-cluster-id="' + id + '"]');
  }
  function alertOf(node) {
    return node ? node.querySelector(".note-alert") : null;
  }

  /** Send a change and keep showing what was chosen (`pending`) until it is answered. */
  function sendKeeping(pending, id, value, name, fields, where) {
    pending.set(id, value);
    const done = () => {
      if (pending.get(id) === value) pending.delete(id);
      scheduleRender();
    };
    send(name, fields, { where: where, onOk: done, onError: done });
  }

  function buildNote(id) {
    const { li, art, head: top } = noteItem(id, ["staff-note-item", "staff-note note", "staff-note-top"], "staff-note-" + id + "-head");
    const check = el("input", "note-select");
    check.type = "checkbox";
    check.id = "note-select-" + id;
    check.addEventListener("change", () => {
      if (check.checked) state.selected.add(id);
      else state.selected.delete(id);
      renderSelection();
    });
    top.append(check, el("span", "note-kind badge"), el("span", "note-number", "#" + id));
    const actions = el("div", "staff-note-actions");

    const moveWrap = el("div", "note-move-wrap");
    const moveLabel = el("label", "form-label", T.move_label);
    moveLabel.htmlFor = "note-move-" + id;
    const move = el("select", "form-select form-select-sm note-move");
    move.id = "note-move-" + id;
    // Arrow keys on a closed menu change it at every step: the move waits until the choice settles.
    move.addEventListener("change", () => {
      state.moveChoice.set(id, move.value ? Number(move.value) : null);
      clearTimeout(moveTimers.get(id));
      moveTimers.set(id, setTimeout(() => {
        moveTimers.delete(id);
        const note = board.notes.get(id);
        const chosen = state.moveChoice.get(id);
        if (!note || (note.cluster_id || null) === chosen) {
          state.moveChoice.delete(id);
          return;
        }
        sendKeeping(state.moveChoice, id, chosen, "note.move", { note_id: id, cluster_id: chosen }, alertOf(li));
      }, MOVE_SETTLE_MS));
    });
    moveWrap.append(moveLabel, move);
    actions.append(moveWrap, el("div", "staff-note-buttons"));
    art.append(top, el("p", "note-author"), el("div", "note-body"), el("div", "note-votes-box"), actions,
      el("div", "note-inline"), el("div", "note-alert"));

    // Drag and drop (the «Sposta in» menu does the same by keyboard or single pointer).
    art.addEventListener("dragstart", (ev) => {
      if (!art.draggable) return ev.preventDefault();
      ev.dataTransfer.setData(DRAG_TYPE, String(id));
      ev.dataTransfer.setData("text/plain", "#" + id);
      ev.dataTransfer.effectAllowed = "move";
      art.classList.add("is-dragging");
      ui.root.classList.add("is-dragging-note");
    });
    art.addEventListener("dragend", () => {
      art.classList.remove("is-dragging");
      ui.root.classList.remove("is-dragging-note");
      for (const z of ui.root.querySelectorAll(".drop-target")) z.classList.remove("drop-target");
    });
    return li;
  }

  function renderNote(note, clusterOptions) {
    const li = noteElement(note.id) || buildNote(note.id);
    const art = li.firstElementChild;
    const id = note.id;
    const stub = isPrivateStub(note);
    const hidden = !!note.hidden;
    const open = can.open();
    art.dataset.kind = note.kind;
    art.classList.toggle("is-hidden", hidden);
    art.classList.toggle("note-private", stub);
    art.classList.toggle("is-selected", state.selected.has(id));
    const excerpt = ctx.noteExcerpt(note);
    setText(art.querySelector(".note-kind"), ctx.kindLabel(note.kind));

    const check = art.querySelector(".note-select");
    check.checked = state.selected.has(id);
    check.disabled = !open;
    check.setAttribute("aria-label", fmt(T.select_label, { excerpt: excerpt }));

    const author = art.querySelector(".note-author");
    author.hidden = stub;
    if (!stub) {
      const a = note.author || {};
      const parts = [a.pseudonym || T.author_hidden, ctx.categoryLabel(a.category)];
      if (a.offline) parts.push(T.offline_mark);
      parts.push(carriedLine(T, note, document.documentElement.lang));
      setText(author, parts.filter(Boolean).join(" · "));
    }
    let reason = art.querySelector(".note-hidden-reason");
    if (hidden && !reason) {
      reason = el("p", "note-hidden-reason");
      author.after(reason);
    } else if (!hidden && reason) {
      reason.remove();
    }
    if (hidden) setText(reason, note.hidden_reason ? fmt(T.hidden_reason, { reason: note.hidden_reason }) : T.hidden_no_reason);
    if (!ctx.forms.isCorrecting(id)) renderNoteBody(art.querySelector(".note-body"), note, T.private_note, T.private_hint);

    // Votes on loose notes (clusters carry their own).
    const loose = !note.cluster_id;
    const votesBox = art.querySelector(".note-votes-box");
    const showVotes = loose && !stub && !hidden && board.votingOn();
    votesBox.hidden = !showVotes;
    if (showVotes) renderVotes(votesBox, "note", id, note.votes);

    const move = art.querySelector(".note-move");
    if (move.dataset.sig !== clusterOptions.sig) {
      move.dataset.sig = clusterOptions.sig;
      move.replaceChildren(...clusterOptions.build());
    }
    const choice = state.moveChoice.has(id) ? state.moveChoice.get(id) : note.cluster_id;
    move.value = choice ? String(choice) : "";
    move.disabled = !can.move() || hidden;
    move.setAttribute("aria-label", fmt(T.move_label_full, { excerpt: excerpt }));
    art.querySelector(".note-move-wrap").hidden = !open;

    // Buttons exist only where they apply (a selector never finds a dead control).
    const may = (command) => board.allows("staff", command);
    const b = syncButtons(art.querySelector(".staff-note-buttons"), [
      { key: "correct", show: may("note.edit") && !stub && !hidden, make: () => onClick(button("btn-outline-secondary note-correct", T.correct), () => ctx.forms.openCorrect(id)) },
      { key: "hide", show: may("note.hide") && !hidden, make: () => onClick(button("btn-outline-danger note-hide", T.hide), () => ctx.forms.openHide(id)) },
      { key: "restore", show: may("note.restore") && hidden, make: () => onClick(button("btn-outline-primary note-restore", T.restore), () => send("note.restore", { note_id: id }, { where: alertOf(li) })) },
    ].concat(voteForSpecs("note", id, loose && !stub && !hidden)));
    for (const key of ["correct", "hide", "restore"]) if (b[key]) b[key].setAttribute("aria-label", fmt(T[key + "_label"], { excerpt: excerpt }));
    renderVoteFor(b, "note", id, excerpt);

    art.draggable = can.move() && !hidden && !state.inline.has(id);
    art.classList.toggle("is-draggable", art.draggable);
    return li;
  }

  /** «+1 punto per Anna» / «−1»: on clusters and loose notes, while acting for someone in votazione. */
  function voteForSpecs(type, id, eligible) {
    const show = eligible && can.voteFor();
    const make = (action, cls) => () => {
      const b = onClick(button(cls + " vote-for vote-for-" + action, ""), () => voteFor(action === "place" ? "vote.place" : "vote.withdraw", type, id));
      b.dataset.action = action;
      return b;
    };
    return [
      { key: "vote-place", show: show, make: make("place", "btn-primary") },
      { key: "vote-withdraw", show: show, make: make("withdraw", "btn-outline-primary") },
    ];
  }
  function renderVoteFor(buttons, type, id, title) {
    const who = ctx.actingAuthor();
    const place = buttons["vote-place"];
    const withdraw = buttons["vote-withdraw"];
    if (!place || !who) return;
    const names = { name: who.pseudonym, title: title };
    setText(place, fmt(T.vote_for_place, names));
    setText(withdraw, fmt(T.vote_for_withdraw, names));
    place.setAttribute("aria-label", fmt(T.vote_for_place_label, names));
    withdraw.setAttribute("aria-label", fmt(T.vote_for_withdraw_label, names));
    const st = state.behalf.get(who.id);
    const mine = st ? ((type === "cluster" ? st.cluster_votes : st.votes) || {})[String(id)] || 0 : 0;
    place.disabled = !!st && (st.dots_left <= 0 || mine >= ctx.settings().cap_per_item);
    withdraw.disabled = !!st && mine <= 0;
  }
  function voteFor(name, type, id) {
    const who = ctx.actingAuthor();
    if (!who || !can.voteFor()) return;
    const field = type === "cluster" ? "cluster_id" : "note_id";
    const holder = type === "cluster" ? clusterElement(id) : noteElement(id);
    send(name, { [field]: id, on_behalf_of: who.id }, { where: alertOf(holder) });
  }

  /** Total, split by groups of categories (once voting is over, as it may be
   * published) and offline dots of one item. */
  function renderVotes(box, type, id, votes) {
    const row = resultRow(type, id);
    const total = typeof votes === "number" ? votes : row ? row.votes : 0;
    const parts = [type, id, total, row ? JSON.stringify(row.split) : "", row ? row.offline_votes : 0, row ? row.stale : "", board.session.results_revealed];
    const sig = parts.join("|");
    if (box.dataset.sig === sig) return;
    box.dataset.sig = sig;
    const line = el("p", "votes-line mb-0");
    const strong = el("strong", type === "cluster" ? "cluster-votes" : "note-votes", plural(T, total, "votes_one", "votes_other"));
    strong.dataset.votes = String(total);
    line.append(strong);
    if (board.totalsHidden()) line.append(" ", el("span", "votes-room-hidden", T.votes_hidden_room));
    box.replaceChildren(line);
    if (!row || total <= 0) return;
    if (row.stale) return box.append(el("p", "vote-split-pending mb-0", T.split_pending));
    if (row.split) {
      const list = el("ul", "vote-split");
      list.setAttribute("aria-label", T.split_title);
      for (const col of board.splitColumns()) {
        const n = row.split[col.key];
        if (n === 0) continue;
        const li = el("li");
        li.dataset.column = col.key;
        li.append(el("span", null, col.label), ": ", el("strong", null, n === null || n === undefined ? T.split_hidden : String(n)));
        list.append(li);
      }
      box.append(list);
    }
    if (row.offline_votes) box.append(el("p", "vote-split-offline mb-0", fmt(T.split_offline, { n: row.offline_votes })));
  }
  let rowsCache = null;
  function resultRow(type, id) {
    if (!rowsCache) {
      rowsCache = new Map();
      for (const r of board.resultRows(ctx.noteExcerpt)) rowsCache.set(r.type + ":" + r.id, r);
    }
    return rowsCache.get(type + ":" + id) || null;
  }

  function labelled(labelClass, labelText, control) {
    const label = el("label", labelClass, labelText);
    label.htmlFor = control.id;
    return label;
  }

  function buildCluster(id) {
    const titleId = "staff-cluster-" + id + "-title";
    const sec = keyedCard("section", "staff-cluster drop-zone", "clusterId", id, titleId);
    sec.dataset.dropCluster = String(id);
    sec.dataset.dropLabel = T.drop_here;

    const head = el("header", "staff-cluster-head");
    const title = el("h3", "cluster-title h5");
    title.id = titleId;
    head.append(title, el("div", "staff-cluster-tools"));

    const areas = el("fieldset", "cluster-areas-field");
    areas.append(el("legend", "cluster-areas-legend", T.areas_legend));
    const areaList = el("div", "cluster-area-list");
    for (const code of AREA_CODES) {
      const label = el("label", "cluster-area-label");
      const box = el("input", "cluster-area");
      box.type = "checkbox";
      box.value = code;
      box.addEventListener("change", () => tagCluster(id));
      label.append(box, " ", el("span", "area-code", code), " ", el("span", "area-name", config.areas[code]));
      areaList.append(label);
    }
    areas.append(areaList);

    const scores = el("form", "cluster-score-form");
    scores.noValidate = true;
    const fs = el("fieldset");
    fs.append(el("legend", "cluster-scores-legend", T.scores_legend));
    const row = el("div", "score-row");
    for (const crit of CRITERIA) {
      const wrap = el("div", "score-field");
      const select = el("select", "form-select form-select-sm score-" + crit);
      select.id = "score-" + crit + "-" + id;
      for (const v of ["", "1", "2", "3", "4", "5"]) {
        const o = el("option", null, v || "—");
        o.value = v;
        select.append(o);
      }
      select.addEventListener("change", () => {
        const draft = Object.assign({}, state.scoreDraft.get(id) || currentScores(id));
        draft[crit] = select.value ? Number(select.value) : null;
        state.scoreDraft.set(id, draft);
      });
      wrap.append(labelled("form-label", T["score_" + crit], select), select);
      row.append(wrap);
    }
    const save = el("button", "btn btn-sm btn-primary score-save", T.score_save);
    save.type = "submit";
    row.append(save);
    fs.append(row);
    scores.append(fs, el("p", "score-state small-print mb-0"));
    scores.addEventListener("submit", (ev) => {
      ev.preventDefault();
      saveScores(id, sec);
    });

    const list = el("ul", "staff-notes");
    list.setAttribute("aria-labelledby", titleId);
    sec.append(head, el("div", "cluster-rename-box"), el("div", "note-alert"), areas, el("div", "cluster-votes-box"),
      el("div", "cluster-vote-for"), scores, list, el("p", "drop-empty small-print", T.drop_empty));
    wireDropZone(sec);
    return sec;
  }

  function currentScores(id) {
    const c = board.clusters.get(id);
    return Object.assign({ impatto: null, fattibilita: null, urgenza: null }, (c && c.scores) || {});
  }

  function tagCluster(id) {
    const sec = clusterElement(id);
    if (!sec) return;
    const areas = Array.from(sec.querySelectorAll("input.cluster-area")).filter((b) => b.checked).map((b) => b.value);
    sendKeeping(state.pendingAreas, id, areas, "cluster.tag", { cluster_id: id, areas: areas }, alertOf(sec));
  }

  function saveScores(id, sec) {
    const values = state.scoreDraft.get(id) || currentScores(id);
    if (!values.impatto || !values.fattibilita || !values.urgenza) {
      ctx.showError(T.score_missing, alertOf(sec));
      return;
    }
    send("score.record", { cluster_id: id, impatto: values.impatto, fattibilita: values.fattibilita, urgenza: values.urgenza }, {
      where: alertOf(sec),
      onOk: () => {
        if (state.scoreDraft.get(id) === values) state.scoreDraft.delete(id);
        ctx.announce(fmt(T.score_saved, values));
      },
    });
  }

  function renderCluster(c, noteCount) {
    const sec = clusterElement(c.id) || buildCluster(c.id);
    const id = c.id;
    setText(sec.querySelector(".cluster-title"), c.title);
    const tools = syncButtons(sec.querySelector(".staff-cluster-tools"), [
      { key: "rename", show: board.allows("staff", "cluster.rename"), make: () => onClick(button("btn-outline-secondary cluster-rename", T.rename), () => ctx.forms.openRename(id)) },
      { key: "dissolve", show: can.dissolve(), make: () => onClick(button("btn-outline-danger cluster-dissolve", T.dissolve), () => {
        const current = board.clusters.get(id);
        if (!current || !window.confirm(fmt(T.confirm_dissolve, { title: current.title }))) return;
        send("cluster.dissolve", { cluster_id: id }, { where: alertOf(sec) });
      }) },
    ]);
    for (const key of ["rename", "dissolve"]) if (tools[key]) tools[key].setAttribute("aria-label", fmt(T[key + "_label"], { title: c.title }));

    const areas = state.pendingAreas.get(id) || c.areas || [];
    for (const box of sec.querySelectorAll("input.cluster-area")) {
      box.checked = areas.indexOf(box.value) >= 0;
      box.disabled = !board.allows("staff", "cluster.tag");
    }

    const votesBox = sec.querySelector(".cluster-votes-box");
    votesBox.hidden = !board.votingOn();
    if (!votesBox.hidden) renderVotes(votesBox, "cluster", id, c.votes);
    const voteBox = sec.querySelector(".cluster-vote-for");
    renderVoteFor(syncButtons(voteBox, voteForSpecs("cluster", id, true)), "cluster", id, c.title);
    voteBox.hidden = voteBox.children.length === 0;

    const form = sec.querySelector(".cluster-score-form");
    form.hidden = !(can.score() || (ctx.phase() === "chiusa" && c.scores));
    const values = state.scoreDraft.get(id) || currentScores(id);
    for (const crit of CRITERIA) {
      const select = form.querySelector(".score-" + crit);
      const v = values[crit] ? String(values[crit]) : "";
      if (select.value !== v) select.value = v;
      select.disabled = !can.score();
    }
    const save = form.querySelector(".score-save");
    save.hidden = !can.score();
    save.setAttribute("aria-label", fmt(T.score_save_label, { title: c.title }));
    setText(form.querySelector(".score-state"), c.scores ? fmt(T.score_saved, c.scores) : T.score_none);

    sec.querySelector(".drop-empty").hidden = noteCount > 0 || !can.move();
    sec.classList.toggle("accepts-drop", can.move());
    return sec;
  }

  function renderBoard() {
    rowsCache = null;
    const clusters = board.clusterList(board.inPhase("valutazione", "chiusa"));
    const options = {
      sig: clusters.map((c) => c.id + ":" + c.title).join("|"),
      build: () => {
        const none = el("option", null, T.no_cluster);
        none.value = "";
        return [none].concat(clusters.slice().sort((a, b) => a.id - b.id).map((c) => {
          const o = el("option", null, shorten(c.title, 60));
          o.value = String(c.id);
          return o;
        }));
      },
    };
    const notes = Array.from(board.notes.values()).sort((a, b) => a.id - b.id);
    const inCluster = new Map(clusters.map((c) => [c.id, []]));
    const loose = [];
    for (const note of notes) {
      const li = renderNote(note, options);
      if (note.cluster_id && inCluster.has(note.cluster_id)) inCluster.get(note.cluster_id).push(li);
      else loose.push(li);
    }
    const sections = clusters.map((c) => {
      const sec = renderCluster(c, inCluster.get(c.id).length);
      placeChildren(sec.querySelector(".staff-notes"), inCluster.get(c.id));
      return sec;
    });
    placeChildren(ui.clusters, sections);
    placeChildren(ui.loose, loose);
    for (const id of Array.from(state.selected)) if (!board.notes.has(id)) state.selected.delete(id);
    for (const id of Array.from(state.inline.keys())) if (!board.notes.has(id)) state.inline.delete(id);
    for (const id of Array.from(state.renaming.keys())) if (!board.clusters.has(id)) state.renaming.delete(id);
    setText(ui.noteCount, String(board.notes.size));
    setText(ui.looseCount, String(loose.length));
    ui.looseZone.classList.toggle("accepts-drop", can.move());
  }

  function renderSelection() {
    const ids = Array.from(state.selected).filter((id) => board.notes.has(id));
    const n = ids.length;
    setText(ui.selectionStatus, n === 0 ? T.selection_none : plural(T, n, "selection_one", "selection_other"));
    ui.selectionKeep.hidden = n < 2;
    if (n >= 2) setText(ui.selectionKeep, fmt(T.selection_keep, { excerpt: ctx.noteExcerpt(board.notes.get(ids[0])) }));
    ui.mergeSelected.disabled = !can.merge() || n < 2;
    ui.selectionClear.disabled = n === 0;
    for (const li of ui.root.querySelectorAll("li.staff-note-item")) {
      const id = Number(li.dataset.noteId);
      const art = li.firstElementChild;
      art.classList.toggle("is-selected", state.selected.has(id));
      const box = art.querySelector(".note-select");
      if (box.checked !== state.selected.has(id)) box.checked = state.selected.has(id);
    }
  }

  function dotsPlacedAll() {
    let n = 0;
    for (const c of board.clusters.values()) n += c.votes || 0;
    for (const note of board.notes.values()) n += note.votes || 0;
    return n;
  }

  // ---- drag and drop onto clusters (or back to "Nessun gruppo") -------------

  function wireDropZone(zone) {
    const accepts = (ev) => can.move() && ev.dataTransfer && Array.from(ev.dataTransfer.types || []).indexOf(DRAG_TYPE) >= 0;
    zone.addEventListener("dragover", (ev) => {
      if (!accepts(ev)) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "move";
      zone.classList.add("drop-target");
    });
    zone.addEventListener("dragleave", (ev) => {
      if (!zone.contains(ev.relatedTarget)) zone.classList.remove("drop-target");
    });
    zone.addEventListener("drop", (ev) => {
      if (!accepts(ev)) return;
      ev.preventDefault();
      ev.stopPropagation();
      zone.classList.remove("drop-target");
      const id = Number(ev.dataTransfer.getData(DRAG_TYPE));
      const note = board.notes.get(id);
      const target = zone.dataset.dropCluster ? Number(zone.dataset.dropCluster) : null;
      if (!note || (note.cluster_id || null) === target) return;
      send("note.move", { note_id: id, cluster_id: target }, { where: alertOf(noteElement(id)), onError: scheduleRender });
    });
  }
  ui.looseZone.dataset.dropLabel = T.drop_here;
  wireDropZone(ui.looseZone);

  return { noteElement, clusterElement, alertOf, renderBoard, renderSelection, dotsPlacedAll };
}
