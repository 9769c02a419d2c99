/*
 * The room's board, results, dots and presence (room.js is the page).
 *
 * Rendering reconciles, never rebuilds: note and cluster elements are keyed
 * by id and moved between lists, so keyboard focus survives events. Buttons
 * exist only where they apply (live/dom.js syncButtons). Our own notes are
 * shown from `self` (private text, hidden reason); commands still in the
 * outbox show at once (a queued dot counts, a queued note is a pending card).
 */
import { isPrivateStub } from "../live/board.js";
import { timerLeft } from "../live/clock.js";
import {
  el, excerpt, keyedCard, noteItem, onClick, placeChildren, presenceText, renderNoteBody, setDisabled, setText,
  setUnavailable, shownResults, svgIcon, syncButtons, unavailable,
} from "../live/dom.js";
import { FORCE_SNAPSHOT_SINCE } from "../live/client.js";
import { carriedLine, fmt, plural } from "../live/text.js";

export function roomBoard(ctx) {
  const { T, ui, board, state } = ctx;
  const SPRITES = ui.board.dataset.sprites || "";
  const count = (n, one, other) => plural(T, n, one, other);

  function button(className, label, glyph) {
    const b = el("button", "btn " + className);
    b.type = "button";
    // A text glyph, not an <svg>: inside a note, any <svg> or <img> would be foreign.
    if (glyph) {
      const g = el("span", "btn-glyph", glyph);
      g.setAttribute("aria-hidden", "true");
      b.append(g);
    }
    b.append(el("span", "btn-label", label));
    return b;
  }

  /**
   * «+» and «−» of a note or cluster: dots only where they apply. A press
   * never moves the focus: at the cap or without dots left the button stays
   * focused, marked unavailable, and a press says why (a disabled button would
   * lose the focus, and the next Enter would land on «Togli un punto»).
   */
  function voteButton(name, type, id, className, label, glyph) {
    return onClick(button(className, label, glyph), (ev) => {
      const why = unavailable(ev.currentTarget);
      if (why !== null) ctx.announce(why);
      else ctx.vote(name, type, id);
    });
  }
  function voteSpecs(type, id, show) {
    return [
      { key: "place", show: show, make: () => voteButton("vote.place", type, id, "btn-primary vote-place", T.place, "+") },
      { key: "withdraw", show: show, make: () => voteButton("vote.withdraw", type, id, "btn-outline-primary vote-withdraw", T.withdraw, "\u2212") },
    ];
  }

  /** My dots on an item (counting queued commands), and whether my dots may still move. */
  function myDots(holder, placed, p, votable, place, withdraw, labels) {
    const mineHere = Math.max(0, placed + p.place - p.withdraw);
    setText(holder.querySelector(".my-dots"), String(mineHere));
    holder.querySelector(".note-my-dots").classList.toggle("has-dots", mineHere > 0);
    holder.querySelector(".note-my-dots").hidden = mineHere === 0 && !votable;
    holder.classList.toggle("has-my-dots", mineHere > 0);
    if (place) {
      place.setAttribute("aria-label", labels[0]);
      withdraw.setAttribute("aria-label", labels[1]);
      const cap = ctx.settings().cap_per_item;
      setUnavailable(place, p.del ? T.pending_delete
        : dotsLeft() <= 0 ? T.no_dots_left
          : mineHere >= cap ? fmt(cap === 1 ? T.cap_reached_one : T.cap_reached_other, { n: cap }) : null);
      setUnavailable(withdraw, p.del ? T.pending_delete : mineHere <= 0 ? T.no_dots_here : null);
    }
  }

  function myDotsLine() {
    const mine = el("span", "note-my-dots");
    mine.append(" · ", el("span", "my-dots-label", T.my_dots), " ", el("span", "my-dots"));
    return mine;
  }

  function feedbackBox() {
    const feedback = el("div", "note-alert");
    feedback.setAttribute("role", "alert");
    return feedback;
  }

  /** Our own notes, by id, in full (from `self`). */
  function myNotes() {
    const mine = new Map();
    for (const n of (state.self && state.self.notes) || []) if (n && typeof n.id === "number") mine.set(n.id, n);
    return mine;
  }

  /**
   * What this page shows: the room's notes, with ours replaced by our own
   * full version (private text, hidden reason), plus our hidden notes that
   * the room no longer sees. Id order.
   */
  function shownNotes() {
    const mine = myNotes();
    const out = new Map();
    for (const n of board.notes.values()) {
      const m = mine.get(n.id);
      if (!m) {
        // Ours already, before `self` says so (when the room sees authors).
        const ours = !!(n.author && n.author.id && state.me.id && n.author.id === state.me.id);
        out.set(n.id, { note: n, mine: ours });
        continue;
      }
      // Whichever is newer: `self` may lag behind an event, or the other way round.
      const roomNewer = n.updated_at && m.updated_at && n.updated_at > m.updated_at;
      const note = roomNewer ? Object.assign({}, m, n, { hidden: m.hidden }) : Object.assign({}, m, { cluster_id: n.cluster_id, votes: n.votes });
      out.set(n.id, { note: note, mine: true });
    }
    for (const m of mine.values()) {
      if (!out.has(m.id) && m.hidden) out.set(m.id, { note: m, mine: true });
    }
    return new Map(Array.from(out.entries()).sort((a, b) => a[0] - b[0]));
  }

  function noteElement(id) {
    return ui.board.querySelector('li[data-note-id="' + id + '"]');
  }
  function clusterElement(id) {
    return ui.clusters.querySelector('section.cluster-card[data-cluster-id="' + id + '"]');
  }
  /** Where a command's error goes: on its note or cluster, else the page's alert or the form's. */
  function alertBoxFor(payload) {
    let holder = null;
    if (payload.cluster_id) holder = clusterElement(payload.cluster_id);
    else if (payload.note_id) holder = noteElement(payload.note_id);
    return (holder && holder.querySelector(".note-alert")) || (payload.note_id || payload.cluster_id ? ui.alert : ui.formAlert);
  }

  function buildNote(id) {
    const { li, art, head } = noteItem(id, ["board-item", "note", "note-head"], "note-" + id + "-head");
    const author = el("p", "note-author");
    author.append(el("span", "note-pseudonym"), el("span", "note-you"), el("span", "note-sep", " · "), el("span", "note-category"));
    head.append(el("span", "note-kind badge"), author);

    const pendingLabel = el("p", "note-pending-label");
    pendingLabel.hidden = true;
    const foot = el("footer", "note-foot");
    const score = el("p", "note-score");
    score.append(el("span", "note-votes"), " ", el("span", "note-votes-label"), myDotsLine());
    foot.append(score, el("div", "note-actions"));
    art.append(head, el("div", "note-body"), pendingLabel, feedbackBox(), foot);
    return li;
  }

  /** Bring one note's element up to date (creating it if needed); returns the <li>. */
  function renderNote(entry) {
    const note = entry.note;
    const li = noteElement(note.id) || buildNote(note.id);
    const art = li.firstElementChild;
    const stub = isPrivateStub(note);
    art.dataset.kind = note.kind;
    art.classList.toggle("is-mine", entry.mine);
    art.classList.toggle("note-private", stub);
    art.classList.toggle("note-hidden", !!(entry.mine && note.hidden));
    setText(art.querySelector(".note-kind"), ctx.kindLabel(note.kind));
    art.querySelector(".note-author").hidden = stub;
    if (!stub) {
      const pseudonym = entry.mine ? state.me.pseudonym : (note.author && note.author.pseudonym) || "";
      setText(art.querySelector(".note-pseudonym"), pseudonym);
      setText(art.querySelector(".note-you"), entry.mine ? (pseudonym ? " " : "") + T.you : "");
      art.querySelector(".note-sep").hidden = !(pseudonym || entry.mine);
      const category = entry.mine ? state.me.category : note.author && note.author.category;
      setText(art.querySelector(".note-category"), ctx.categoryLabel(category));
    }
    // Only on our notes the facilitator hid, and on our notes still private.
    optionalLine(art, "note-hidden-reason", entry.mine && note.hidden
      ? fmt(T.hidden_by_facilitator, { reason: note.hidden_reason || "" }) + " " + T.hidden_only_you : null);
    optionalLine(art, "note-privacy", entry.mine && note.private === true ? T.my_private : null);
    optionalLine(art, "note-carried", carriedLine(T, note, document.documentElement.lang));
    if (!ctx.editor.isEditing(note.id)) renderNoteBody(art.querySelector(".note-body"), note, T.private_note, T.private_note_hint);
    renderNoteControls(art, entry);
    return li;
  }

  /** A line right after the note's header, present only while it has something to say. */
  function optionalLine(art, className, text) {
    let line = art.querySelector("." + className);
    if (text === null) {
      if (line) line.remove();
      return;
    }
    if (!line) {
      line = el("p", className);
      art.querySelector(".note-head").after(line);
    }
    setText(line, text);
  }

  function renderVotes(votesEl, labelEl, votes) {
    if (votes === null || votes === undefined) {
      setText(votesEl, "");
      votesEl.removeAttribute("data-votes");
      votesEl.dataset.hidden = "true";
      setText(labelEl, T.votes_hidden);
    } else {
      const v = Number(votes) || 0;
      setText(votesEl, String(v));
      votesEl.dataset.votes = String(v);
      delete votesEl.dataset.hidden;
      setText(labelEl, v === 1 ? T.votes_one : T.votes_other);
    }
  }

  function pendingLine(label, parts) {
    setText(label, parts.join(" · "));
    label.hidden = parts.length === 0;
  }

  /** Which buttons a note has now, and my dots on it, counting queued commands. */
  function renderNoteControls(art, entry) {
    const note = entry.note;
    const id = note.id;
    const stub = isPrivateStub(note);
    const p = ctx.pendingFor("note", id);
    const loose = !note.cluster_id;
    const votable = ctx.canVote() && loose && !stub && !(entry.mine && note.hidden);
    const score = art.querySelector(".note-score");
    score.hidden = !(loose && !stub && !note.hidden && board.votingOn());
    renderVotes(art.querySelector(".note-votes"), art.querySelector(".note-votes-label"), note.votes);

    // Buttons exist only where they apply: dots on loose notes in votazione, edit and delete on ours in raccolta.
    const ownOpen = entry.mine && ctx.canWrite();
    const actions = art.querySelector(".note-actions");
    const b = syncButtons(actions, voteSpecs("note", id, votable).concat([
      { key: "edit", show: ownOpen && !note.hidden, make: () => onClick(button("btn-outline-secondary note-edit", T.edit, "\u270E"), () => ctx.editor.openEditor(id)) },
      { key: "delete", show: ownOpen, make: () => onClick(button("btn-outline-danger note-delete", T.delete, "\u00D7"), () => ctx.deleteNote(id)) },
    ]));
    const text = stub ? T.private_note : excerpt(note);
    const placed = (state.self && state.self.votes && state.self.votes[String(id)]) || 0;
    myDots(art, placed, p, votable, b.place, b.withdraw,
      [fmt(T.place_label, { excerpt: text }), fmt(T.withdraw_label, { excerpt: text })]);
    if (b.edit) {
      b.edit.setAttribute("aria-label", fmt(T.edit_label, { excerpt: text }));
      setDisabled(b.edit, p.del, b.delete);
    }
    if (b.delete) {
      b.delete.setAttribute("aria-label", fmt(T.delete_label, { excerpt: text }));
      setDisabled(b.delete, p.del, b.edit);
    }
    actions.hidden = actions.children.length === 0;
    art.querySelector(".note-foot").hidden = ctx.editor.isEditing(id) || (score.hidden && actions.hidden);

    const parts = [];
    if (p.del) parts.push(T.pending_delete);
    else if (p.edit) parts.push(T.pending_edit);
    if (p.place + p.withdraw > 0) parts.push(fmt(T.pending_votes, { n: p.place + p.withdraw }));
    pendingLine(art.querySelector(".note-pending-label"), parts);
    art.classList.toggle("is-pending", p.del || p.edit);
  }

  function buildCluster(id) {
    const titleId = "cluster-" + id + "-title";
    const sec = keyedCard("section", "cluster-card", "clusterId", id, titleId);
    const head = el("header", "cluster-head");
    const kicker = el("p", "cluster-kicker");
    kicker.append(el("span", "cluster-kicker-label", T.cluster_label), " · ", el("span", "cluster-count"));
    const title = el("h4", "cluster-title");
    title.id = titleId;
    head.append(kicker, title, el("div", "cluster-areas"));

    const foot = el("div", "cluster-foot");
    const score = el("p", "cluster-score");
    score.append(el("span", "cluster-votes"), " ", el("span", "cluster-votes-label"), myDotsLine());
    const scores = el("p", "cluster-scores");
    scores.hidden = true;
    const pendingLabel = el("p", "note-pending-label");
    pendingLabel.hidden = true;
    foot.append(score, scores, el("div", "note-actions cluster-actions"), pendingLabel, feedbackBox());

    const list = el("ul", "board cluster-notes");
    list.setAttribute("aria-labelledby", titleId);
    sec.append(head, foot, list);
    return sec;
  }

  function renderAreas(areas, codes) {
    const key = codes.join(",");
    if (areas.dataset.areas === key) return;
    areas.replaceChildren();
    areas.dataset.areas = key;
    if (!codes.length) return;
    const list = el("ul", "area-list");
    list.setAttribute("aria-label", T.areas_label);
    for (const code of codes) {
      const item = el("li", "area-item");
      item.append(el("span", "area-code", code), " ", el("span", "area-name", (T.areas && T.areas[code]) || code));
      list.append(item);
    }
    areas.append(list);
  }

  function renderCluster(cluster, notes) {
    const sec = clusterElement(cluster.id) || buildCluster(cluster.id);
    const id = cluster.id;
    setText(sec.querySelector(".cluster-title"), cluster.title);
    setText(sec.querySelector(".cluster-count"), count(notes, "cluster_notes_one", "cluster_notes_other"));
    renderAreas(sec.querySelector(".cluster-areas"), cluster.areas || []);
    const votable = ctx.canVote();
    const p = ctx.pendingFor("cluster", id);
    sec.querySelector(".cluster-score").hidden = !board.votingOn();
    renderVotes(sec.querySelector(".cluster-votes"), sec.querySelector(".cluster-votes-label"), cluster.votes);
    const scores = sec.querySelector(".cluster-scores");
    scores.hidden = !cluster.scores;
    setText(scores, cluster.scores ? fmt(T.scores_line, cluster.scores) : "");
    const actions = sec.querySelector(".cluster-actions");
    const b = syncButtons(actions, voteSpecs("cluster", id, votable));
    actions.hidden = !votable;
    const placed = (state.self && state.self.cluster_votes && state.self.cluster_votes[String(id)]) || 0;
    myDots(sec, placed, p, votable, b.place, b.withdraw,
      [fmt(T.cluster_place_label, { title: cluster.title }), fmt(T.cluster_withdraw_label, { title: cluster.title })]);
    pendingLine(sec.querySelector(".note-pending-label"), p.place + p.withdraw > 0 ? [fmt(T.pending_votes, { n: p.place + p.withdraw })] : []);
    return sec;
  }

  /** Notes still in the outbox: cards of plain text (not yet rendered by the server). */
  function pendingNotes() {
    const items = [];
    for (const cmd of ctx.outbox.list()) {
      if (cmd.name !== "note.create") continue;
      let li = ui.loose.querySelector('li.pending[data-cid="' + cmd.cid + '"]');
      if (!li) {
        li = el("li", "board-item pending");
        li.dataset.cid = cmd.cid;
        const art = el("article", "note note-pending");
        art.dataset.kind = cmd.payload.kind;
        const head = el("header", "note-head");
        const author = el("p", "note-author");
        author.append(
          el("span", "note-pseudonym", state.me.pseudonym),
          el("span", "note-you", " " + T.you),
          el("span", "note-sep", " · "),
          el("span", "note-category", ctx.categoryLabel(state.me.category))
        );
        head.append(el("span", "note-kind badge", ctx.kindLabel(cmd.payload.kind)), author);
        const body = el("div", "note-body note-body-plain", cmd.payload.text);
        body.dir = "auto";
        art.append(head, body, el("p", "note-pending-label", T.pending_create));
        li.append(art);
      }
      items.push(li);
    }
    return items;
  }

  /** The whole board, reconciled in place: elements (and keyboard focus) survive. */
  function renderBoard() {
    const active = document.activeElement;
    const shown = shownNotes();
    const clusters = board.clusterList(board.rankByVotes());
    const notesIn = new Map(clusters.map((c) => [c.id, []]));
    const loose = [];
    for (const entry of shown.values()) {
      const cid = entry.note.cluster_id;
      const li = renderNote(entry);
      if (cid && notesIn.has(cid)) notesIn.get(cid).push(li);
      else loose.push(li);
    }
    const sections = clusters.map((c) => {
      const sec = renderCluster(c, notesIn.get(c.id).length);
      placeChildren(sec.querySelector(".cluster-notes"), notesIn.get(c.id));
      return sec;
    });
    // Notes leaving the board: keep the keyboard user in it.
    for (const li of Array.from(ui.board.querySelectorAll("li[data-note-id]"))) {
      if (!shown.has(Number(li.dataset.noteId)) && li.contains(active)) {
        const target = li.nextElementSibling || li.previousElementSibling;
        const art = target && target.querySelector("article");
        li.remove();
        (art || ui.boardTitle).focus();
      }
    }
    placeChildren(ui.clusters, sections);
    placeChildren(ui.loose, loose.concat(pendingNotes()));
    ui.clustersTitle.hidden = sections.length === 0;
    ui.looseTitle.hidden = sections.length === 0 || ui.loose.children.length === 0;
    ctx.editor.closeGone(shown);
    if (active && active !== document.activeElement && active.isConnected && document.activeElement === document.body) {
      active.focus({ preventScroll: true });
    }
    renderCounts(shown.size);
  }

  function renderCounts(n) {
    if (typeof n !== "number") n = shownNotes().size;
    ui.noteCount.textContent = String(n);
    ui.boardEmpty.hidden = !(ctx.hasBoard() && n === 0 && !ui.loose.querySelector("li.pending"));
    ctx.status.outbox();
    renderDots();
  }

  function dotsLeft() {
    const s = state.self;
    const base = s ? s.dots_left : ctx.settings().dots_per_participant;
    return Math.max(0, base - ctx.pendingDotsUsed());
  }

  function renderDots() {
    const left = dotsLeft();
    const total = state.self ? state.self.dots_total : ctx.settings().dots_per_participant;
    ui.dotsLeft.textContent = String(left);
    ui.dotsTotal.textContent = String(total);
    ui.dotsPre.textContent = left === 1 ? T.dots_pre_one : T.dots_pre_other;
    ui.dotsMid.textContent = left === 1 ? T.dots_mid_one : T.dots_mid_other;
    ui.dotsStatus.classList.toggle("is-inactive", !ctx.canVote());
    // A closed room asks nothing more of anyone: no «Ti resta 1 punto su 3».
    ui.dotsStatus.hidden = ctx.phase() === "chiusa";
    ui.dotsHint.hidden = !board.inPhase("accoglienza", "raccolta", "raggruppamento");
  }

  let shownPhase = null;
  function renderSession() {
    const s = board.session;
    const p = ctx.phase();
    const closed = p === "chiusa";
    ui.banner.dataset.phase = p;
    ui.phaseLabel.textContent = ctx.phaseLabel(p);
    ui.phaseHelp.textContent = ctx.phaseHelp(p);
    document.body.dataset.phase = p;

    // Writing: open only when the phase allows it. Otherwise the form stays, disabled, with why.
    const writable = ctx.canWrite();
    for (const c of ui.form.querySelectorAll("select, textarea, button")) c.disabled = !writable;
    ui.form.classList.toggle("is-disabled", !writable);
    ui.composerNotice.hidden = writable;
    ui.composerNotice.textContent = writable ? "" : (T.compose_closed && T.compose_closed[p]) || T.closed;
    if (shownPhase !== p) {
      // While writing, the form comes before the board; later, after it (the board is what matters then).
      const hadFocus = ui.composer.contains(document.activeElement) ? document.activeElement : null;
      if (writable) ui.boardSection.before(ui.composer);
      else ui.boardSection.after(ui.composer);
      if (hadFocus && document.activeElement !== hadFocus) hadFocus.focus({ preventScroll: true });
      shownPhase = p;
    }

    ui.closed.hidden = !closed;
    ui.composer.hidden = closed; // read-only: the closed panel says why
    ui.timerBox.hidden = closed || timerLeft(s.timer) === null;
    // The results' hash is for the public results and the projector, not for a citizen's phone.
    const hiddenTotals = board.totalsHidden();
    ui.votesHidden.hidden = !hiddenTotals;
    ui.votesProgress.hidden = !hiddenTotals || board.dotsPlaced === null;
    ui.votesProgress.textContent = board.dotsPlaced === null ? "" : count(board.dotsPlaced, "dots_progress_one", "dots_progress_other");
    renderResults();
    ctx.countdown.follow(s.timer);
  }

  // After the reveal, dots still placed change totals that events carry, but
  // not how many were placed by how many people: a snapshot brings it (a little
  // later, and not all phones at the same moment).
  let resultsTimer = null;
  function refreshResultsSoon() {
    if (resultsTimer) return;
    resultsTimer = setTimeout(() => {
      resultsTimer = null;
      if (board.resultRows().some((r) => r.stale)) ctx.sync(FORCE_SNAPSHOT_SINCE);
    }, 2500 + Math.random() * 2500);
  }

  let resultsSig = null;
  function renderResults() {
    const rows = shownResults(board, ui.results);
    if (!rows) return;
    const signature = JSON.stringify([rows, board.results && board.results.dots_placed]);
    if (signature === resultsSig) return;
    resultsSig = signature;
    const results = board.results;
    ui.resultsSummary.textContent = results ? fmt(T.results_summary, { dots: results.dots_placed, voters: results.voters }) : "";
    ui.resultsSummary.hidden = !results;
    const items = rows.map((row, i) => {
      const li = el("li", "result-item");
      li.dataset.type = row.type;
      li.dataset.id = String(row.id);
      li.dataset.votes = String(row.votes);
      const title = el("p", "result-title");
      title.append(el("span", "result-rank", fmt(T.results_rank, { n: i + 1 })), " ");
      if (row.type === "note") title.append(el("span", "result-type badge", T.result_note + " · " + ctx.kindLabel(row.kind)), " ");
      title.append(el("span", "result-name", row.title));
      const votes = el("p", "result-votes");
      votes.append(el("strong", null, count(row.votes, "results_votes_one", "results_votes_other")));
      li.append(title, votes);
      // Totals only: who voted, and from which category, is not the room's to see.
      if (row.scores) li.append(el("p", "result-scores", fmt(T.scores_line, row.scores)));
      return li;
    });
    if (!items.length) items.push(el("li", "result-empty", T.results_empty));
    ui.resultsList.replaceChildren(...items);
    if (rows.some((r) => r.stale) && ctx.phase() !== "chiusa") refreshResultsSoon();
  }

  /** Update #presence in place: a status region speaks only the text that changed. */
  function renderPresence() {
    const p = state.presence;
    if (!p) return;
    let total = ui.presence.querySelector(".presence-total");
    if (!total) {
      const line = el("p", "presence-count mb-0");
      total = el("strong", "presence-total");
      line.append(svgIcon(SPRITES, "it-user"), " ", total);
      ui.presence.replaceChildren(line, el("p", "presence-label mb-0", T.presence_by_category), el("ul", "presence-breakdown"));
    }
    setText(total, presenceText(T, p));
    const list = ui.presence.querySelector(".presence-breakdown");
    const label = ctx.categoryLabel;
    const entries = Object.entries(p.by_category || {}).filter((e) => e[1] > 0);
    entries.sort((a, b) => b[1] - a[1] || label(a[0]).localeCompare(label(b[0])));
    const items = new Map(Array.from(list.children, (li) => [li.dataset.category, li]));
    entries.forEach(([key, n], i) => {
      let item = items.get(key);
      if (!item) {
        item = el("li");
        item.dataset.category = key;
        item.append(el("span", "presence-category", label(key)), ": ", el("strong", "presence-n"));
      }
      items.delete(key);
      setText(item.querySelector(".presence-n"), String(n));
      if (list.children[i] !== item) list.insertBefore(item, list.children[i] || null);
    });
    for (const stale of items.values()) stale.remove();
    ui.presence.querySelector(".presence-label").hidden = entries.length === 0;
  }

  let presenceTimer = null;
  function applyPresence(p) {
    if (!p || p.session_id !== board.session.id) return;
    const before = state.presence && state.presence.connected;
    state.presence = p;
    // Grouped: in a room where many join at once, one update per second is plenty.
    if (!presenceTimer) {
      presenceTimer = setTimeout(() => {
        presenceTimer = null;
        renderPresence();
      }, ctx.everJoined() ? 1000 : 0);
    }
    if (before !== undefined && before !== null && before !== p.connected) sayPresence();
  }

  // Who is connected is not a live region: a screen reader would hear it at every
  // join and leave (a third of what it said in a busy room). Said at most once
  // every 30 s, with the count of that moment; always shown on the page.
  const PRESENCE_SAY_MS = 30000;
  let presenceSaidAt = Date.now(); // the count at joining is on the page, not said
  let presenceSayTimer = null;
  function sayPresence() {
    if (presenceSayTimer) return; // one is due: it will say the latest count
    presenceSayTimer = setTimeout(() => {
      presenceSayTimer = null;
      presenceSaidAt = Date.now();
      if (state.presence) ctx.announce(presenceText(T, state.presence));
    }, Math.max(0, presenceSaidAt + PRESENCE_SAY_MS - Date.now()));
  }

  return {
    myNotes, shownNotes, noteElement, alertBoxFor, renderBoard, renderCounts, renderSession, applyPresence, dotsLeft,
  };
}
