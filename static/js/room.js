/*
 * The live room of a lab session, for participants.
 *
 * A client of the real-time protocol (docs/protocol.md), written against it:
 *   - on every Socket.IO `connect`: `join` with the token (and `since` when this
 *     page already holds a board), then apply the ack (snapshot or events),
 *     then send the outbox;
 *   - events are applied strictly in `seq` order (common.js Sequencer): older
 *     ones are ignored, early ones are buffered, a gap that lasts ~2 s is
 *     filled with `sync`;
 *   - every change is a command with a client id (`cid`), kept in an outbox in
 *     localStorage *before* it is sent, and removed only when its ack arrives;
 *     commands are sent one at a time, in order, and resent with the same cid
 *     after a timeout or a reconnection (the server never applies one twice).
 *
 * The session moves through phases (accoglienza → … → chiusa): writing is
 * open only in raccolta, dots only in votazione (on clusters and loose notes),
 * and the room sees what the server lets it see (private notes as blank
 * cards, totals hidden until revealed). Our own notes come from `self`.
 *
 * No framework and no build step. User-written text never becomes markup here:
 * notes are shown through the server's sanitized `html`, everything else
 * (pseudonyms, titles, labels, the text of pending notes) through textContent.
 */
(function () {
  "use strict";

  const W = window.Workshop;

  // ---------------------------------------------------------------- config

  const config = W.readJSON("room-config");
  const T = W.readJSON("room-strings");
  const SESSION_ID = config.session.id;
  const STATE_KEY = "workshop:room:" + SESSION_ID;
  const OUTBOX_KEY = "workshop:outbox:" + SESSION_ID;
  const ACK_TIMEOUT_MS = 10000;
  const GAP_WAIT_MS = 2000;
  const RETRY_MS = 3000;
  const MAX_INTERNAL_RETRIES = 5;
  const OUTBOX_SHOW_AFTER_MS = 500;
  const FORCE_SNAPSHOT_SINCE = Number.MAX_SAFE_INTEGER; // beyond head: the server answers a snapshot

  const $ = (id) => document.getElementById(id);
  const el = W.el;
  const setText = (node, text) => {
    text = String(text);
    if (node.textContent !== text) node.textContent = text;
  };
  const fmt = W.fmt;
  const ui = {
    alert: $("room-alert"),
    banner: $("phase-banner"),
    phaseLabel: $("phase-label"),
    phaseHelp: $("phase-help"),
    timerBox: $("timer-box"),
    timer: $("timer"),
    timerStatus: $("timer-status"),
    connection: $("connection-status"),
    connectionText: document.querySelector("#connection-status .connection-text"),
    outbox: $("outbox-status"),
    dotsLeft: $("dots-left"),
    dotsTotal: $("dots-total"),
    dotsPre: $("dots-pre"),
    dotsMid: $("dots-mid"),
    dotsStatus: document.querySelector(".dots-status"),
    dotsHint: $("dots-hint"),
    presence: $("presence"),
    live: $("live-region"),
    closed: $("closed-notice"),
    hash: $("snapshot-hash"),
    results: $("results-panel"),
    resultsList: $("results-list"),
    resultsSummary: $("results-summary"),
    composer: $("composer"),
    composerNotice: $("composer-notice"),
    form: $("note-form"),
    formAlert: $("note-form-alert"),
    kind: $("note-kind"),
    text: $("note-text"),
    counter: $("note-text-counter"),
    counterLive: $("note-text-counter-live"),
    boardSection: $("board-section"),
    board: $("board"),
    boardTitle: $("board-title"),
    boardEmpty: $("board-empty"),
    noteCount: $("note-count"),
    votesHidden: $("votes-hidden"),
    votesProgress: $("votes-progress"),
    clustersTitle: $("clusters-title"),
    clusters: $("clusters"),
    looseTitle: $("loose-title"),
    loose: $("loose-notes"),
  };
  const SPRITES = ui.board.dataset.sprites || "";

  // ----------------------------------------------------------------- state

  const board = new W.Board(config.session, false);
  const state = {
    me: config.me, // Author: {id, pseudonym, category}
    token: config.token,
    self: null,
    selfSeq: -1,
    presence: null,
    connection: "connecting",
    joined: false, // this socket has joined and caught up
    everJoined: false,
  };
  const seq = new W.Sequencer({
    gapMs: GAP_WAIT_MS,
    apply: applyEvent,
    changed: () => {
      renderAll();
      scheduleSave();
    },
    onGap: () => sync(),
  });
  let outboxTimer = null;
  let connId = 0; // bumps on every connect, to ignore answers from older sockets

  function settings() {
    return board.session.settings;
  }
  function phase() {
    return board.session.closed ? "chiusa" : board.session.phase;
  }
  function plural(n, one, other) {
    return fmt(n === 1 ? T[one] : T[other], { n: n });
  }
  function categoryLabel(key) {
    return (config.categories && config.categories[key]) || key || "";
  }
  function kindLabel(kind) {
    return (T.kinds && T.kinds[kind]) || kind;
  }
  function phaseLabel(p) {
    return (T.phases && T.phases[p]) || board.session.phase_label || p;
  }
  function phaseHelp(p) {
    return fmt((T.phase_help && T.phase_help[p]) || "", {
      dots: settings().dots_per_participant,
      cap: settings().cap_per_item,
    });
  }
  function normalizedText(s) {
    return s.replace(/\r\n?/g, "\n").trim();
  }
  function canWrite() {
    return phase() === "raccolta";
  }
  function canVote() {
    return phase() === "votazione";
  }

  // ---------------------------------------------------------- persistence

  const storage = (function () {
    try {
      const k = "__workshop_probe__";
      window.localStorage.setItem(k, k);
      window.localStorage.removeItem(k);
      return window.localStorage;
    } catch (e) {
      return null; // private mode or disabled: everything still works, in memory
    }
  })();

  function readJSON(key) {
    if (!storage) return null;
    try {
      return JSON.parse(storage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }
  function writeJSON(key, value) {
    if (!storage) return false;
    try {
      storage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false; // quota
    }
  }

  let saveTimer = null;
  function scheduleSave() {
    if (saveTimer) return;
    saveTimer = setTimeout(saveState, 250);
  }
  function saveState() {
    clearTimeout(saveTimer);
    saveTimer = null;
    const base = {
      v: 2,
      participant_id: state.me.id,
      token: state.token,
      self_seq: state.selfSeq,
      self: state.self,
    };
    const full = Object.assign({}, base, {
      applied: seq.hasBoard ? seq.applied : null,
      board: seq.hasBoard ? board.toJSON() : null,
    });
    // Without room for the board, keep identity only: the next load asks for a snapshot.
    if (!writeJSON(STATE_KEY, full)) writeJSON(STATE_KEY, Object.assign(base, { applied: null, board: null }));
  }

  /** Restore what an earlier page load knew, if it was the same participant. */
  function restoreState() {
    const saved = readJSON(STATE_KEY);
    if (!saved || saved.participant_id !== state.me.id) return;
    if (!state.token && saved.token) state.token = saved.token;
    if (saved.self && saved.self.session_id === SESSION_ID) {
      state.self = saved.self;
      state.selfSeq = typeof saved.self_seq === "number" ? saved.self_seq : -1;
    }
    // Only a board saved by this version (v2: clusters, session state) is replayed onto.
    // The session itself comes fresh with the page (config); the board catches up with events.
    if (saved.v === 2 && typeof saved.applied === "number" && saved.board) {
      board.restore(saved.board);
      seq.applied = saved.applied;
      seq.hasBoard = true;
    }
  }

  // --------------------------------------------------------------- outbox
  // Shared by the tabs of this browser through localStorage; always read
  // fresh before changing it, so two tabs do not overwrite each other.

  let memoryOutbox = [];
  function outbox() {
    const list = readJSON(OUTBOX_KEY);
    if (!Array.isArray(list)) return memoryOutbox;
    // Only this participant's commands: never send, as us, what someone else queued here.
    return list.filter((c) => c && c.participant_id === state.me.id && c.payload && c.name);
  }
  function saveOutbox(list) {
    memoryOutbox = list;
    writeJSON(OUTBOX_KEY, list);
  }
  /** Queue a command (persisted first), then try to send it. */
  function enqueue(name, fields) {
    const cmd = {
      cid: W.newCid(),
      participant_id: state.me.id,
      name: name,
      payload: Object.assign({ session_id: SESSION_ID }, fields),
      queued_at: Date.now(),
    };
    cmd.payload.cid = cmd.cid;
    const list = outbox();
    list.push(cmd);
    saveOutbox(list);
    renderAll(); // a queued dot counts at once: buttons everywhere follow
    if (!state.joined) announce(T.announce_queued);
    pump();
    return cmd;
  }
  function dropFromOutbox(cid) {
    const list = outbox();
    const kept = list.filter((c) => c.cid !== cid);
    if (kept.length !== list.length) saveOutbox(kept);
    return kept.length !== list.length;
  }
  /** What is still queued for one note or cluster. */
  function pendingFor(type, id) {
    const p = { place: 0, withdraw: 0, edit: false, del: false };
    const field = type === "cluster" ? "cluster_id" : "note_id";
    for (const c of outbox()) {
      if (c.payload[field] !== id) continue;
      if (c.name === "vote.place") p.place++;
      else if (c.name === "vote.withdraw") p.withdraw++;
      else if (c.name === "note.edit") p.edit = true;
      else if (c.name === "note.delete") p.del = true;
    }
    return p;
  }
  function pendingDotsUsed() {
    let used = 0;
    for (const c of outbox()) {
      if (c.name === "vote.place") used++;
      else if (c.name === "vote.withdraw") used--;
    }
    return used;
  }

  // ----------------------------------------------------- announcements

  const say = W.Announcer(ui.live);
  let newNotes = [];
  let newNotesTimer = null;
  function announce(message) {
    say(message);
  }
  /** "Nuovo contributo di Anna", or "3 nuovi contributi" when several arrive at once. */
  function announceNewNote(name) {
    newNotes.push(name);
    if (newNotesTimer) return;
    newNotesTimer = setTimeout(() => {
      newNotesTimer = null;
      const names = newNotes;
      newNotes = [];
      if (names.length === 1 && names[0]) say(fmt(T.announce_new_note, { name: names[0] }));
      else say(plural(names.length, "announce_new_notes_one", "announce_new_notes"));
    }, 300);
  }

  // ---------------------------------------------------------------- alerts

  function makeAlert(message, extra) {
    const box = el("div", "alert alert-danger alert-dismissible");
    box.append(el("span", "visually-hidden", T.error_prefix + " "), document.createTextNode(message));
    if (extra) box.append(" ", extra);
    const close = el("button", "btn-close");
    close.type = "button";
    close.setAttribute("aria-label", T.cancel);
    close.addEventListener("click", () => {
      const focusNext = box.closest("article, section") || ui.text;
      box.remove();
      if (focusNext) focusNext.focus();
    });
    box.append(close);
    return box;
  }
  /** An error for people: shown where it happened and spoken. Never swallowed. */
  function showError(message, where, extra) {
    const container = where || ui.formAlert;
    container.replaceChildren(makeAlert(message, extra));
    announce(message);
  }
  function clearError(where) {
    (where || ui.formAlert).replaceChildren();
  }

  // ------------------------------------------------------------ rendering

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

  function buildNote(id) {
    const li = el("li", "board-item");
    li.dataset.noteId = String(id);
    const art = el("article", "note");
    art.dataset.noteId = String(id);
    art.tabIndex = -1;
    const headId = "note-" + id + "-head";
    art.setAttribute("aria-labelledby", headId);

    const head = el("header", "note-head");
    head.id = headId;
    const badge = el("span", "note-kind badge");
    const author = el("p", "note-author");
    author.append(el("span", "note-pseudonym"), el("span", "note-you"), el("span", "note-sep", " · "), el("span", "note-category"));
    head.append(badge, author);

    const body = el("div", "note-body");
    const pendingLabel = el("p", "note-pending-label");
    pendingLabel.hidden = true;
    const feedback = el("div", "note-alert");
    feedback.setAttribute("role", "alert");

    const foot = el("footer", "note-foot");
    const score = el("p", "note-score");
    const votes = el("span", "note-votes");
    const votesLabel = el("span", "note-votes-label");
    const mine = el("span", "note-my-dots");
    mine.append(" · ", el("span", "my-dots-label", T.my_dots), " ", el("span", "my-dots"));
    score.append(votes, " ", votesLabel, mine);

    const actions = el("div", "note-actions");
    foot.append(score, actions);
    art.append(head, body, pendingLabel, feedback, foot);
    li.append(art);
    return li;
  }

  /** Bring one note's element up to date (creating it if needed); returns the <li>. */
  function renderNote(entry) {
    const note = entry.note;
    let li = noteElement(note.id);
    if (!li) li = buildNote(note.id);
    const art = li.firstElementChild;
    const stub = W.isPrivateStub(note);
    art.dataset.kind = note.kind;
    art.classList.toggle("is-mine", entry.mine);
    art.classList.toggle("note-private", stub);
    art.classList.toggle("note-hidden", !!(entry.mine && note.hidden));
    setText(art.querySelector(".note-kind"), kindLabel(note.kind));
    const author = art.querySelector(".note-author");
    author.hidden = stub;
    if (!stub) {
      const pseudonym = entry.mine ? state.me.pseudonym : (note.author && note.author.pseudonym) || "";
      setText(art.querySelector(".note-pseudonym"), pseudonym);
      setText(art.querySelector(".note-you"), entry.mine ? (pseudonym ? " " : "") + T.you : "");
      art.querySelector(".note-sep").hidden = !(pseudonym || entry.mine);
      const category = entry.mine ? state.me.category : note.author && note.author.category;
      setText(art.querySelector(".note-category"), categoryLabel(category));
    }
    // Only on our notes the facilitator hid, and on our notes still private.
    optionalLine(art, "note-hidden-reason", entry.mine && note.hidden
      ? fmt(T.hidden_by_facilitator, { reason: note.hidden_reason || "" }) + " " + T.hidden_only_you : null);
    optionalLine(art, "note-privacy", entry.mine && note.private === true ? T.my_private : null);

    if (!editors.has(note.id)) {
      const body = art.querySelector(".note-body");
      if (stub) {
        if (body.dataset.html !== "\u0000private") {
          body.replaceChildren(el("p", "note-private-title", T.private_note), el("p", "note-private-hint", T.private_note_hint));
          body.dataset.html = "\u0000private";
        }
      } else if (body.dataset.html !== note.html) {
        // `html` is rendered and sanitized by the server (workshop/markup.py); `text` is never markup.
        body.innerHTML = note.html || "";
        body.dataset.html = note.html || "";
      }
    }
    renderNoteControls(li, entry);
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

  function renderVotes(container, votesEl, labelEl, votes) {
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

  /** Which buttons a note has now, and my dots on it, counting queued commands. */
  function renderNoteControls(li, entry) {
    const art = li.firstElementChild;
    const note = entry.note;
    const stub = W.isPrivateStub(note);
    const p = pendingFor("note", note.id);
    const loose = !note.cluster_id;
    const votable = canVote() && loose && !stub && !(entry.mine && note.hidden);
    const showScore = loose && !stub && !note.hidden && ["votazione", "valutazione", "chiusa"].indexOf(phase()) >= 0;
    const placed = (state.self && state.self.votes && state.self.votes[String(note.id)]) || 0;
    const mineHere = Math.max(0, placed + p.place - p.withdraw);

    const score = art.querySelector(".note-score");
    score.hidden = !showScore;
    renderVotes(art, art.querySelector(".note-votes"), art.querySelector(".note-votes-label"), note.votes);
    setText(art.querySelector(".my-dots"), String(mineHere));
    art.querySelector(".note-my-dots").classList.toggle("has-dots", mineHere > 0);
    art.querySelector(".note-my-dots").hidden = mineHere === 0 && !votable;
    art.classList.toggle("has-my-dots", mineHere > 0);

    // Buttons exist only where they apply: dots on loose notes in votazione, edit and delete on ours in raccolta.
    const id = note.id;
    const ownOpen = entry.mine && canWrite();
    const actions = art.querySelector(".note-actions");
    const b = W.syncButtons(actions, [
      { key: "place", show: votable, make: () => onClick(button("btn-primary vote-place", T.place, "+"), () => vote("vote.place", "note", id)) },
      { key: "withdraw", show: votable, make: () => onClick(button("btn-outline-primary vote-withdraw", T.withdraw, "\u2212"), () => vote("vote.withdraw", "note", id)) },
      { key: "edit", show: ownOpen && !note.hidden, make: () => onClick(button("btn-outline-secondary note-edit", T.edit, "\u270E"), () => openEditor(id)) },
      { key: "delete", show: ownOpen, make: () => onClick(button("btn-outline-danger note-delete", T.delete, "\u00D7"), () => deleteNote(id)) },
    ]);
    const excerpt = stub ? T.private_note : W.excerpt(note);
    if (b.place) {
      b.place.setAttribute("aria-label", fmt(T.place_label, { excerpt: excerpt }));
      b.withdraw.setAttribute("aria-label", fmt(T.withdraw_label, { excerpt: excerpt }));
      setDisabled(b.place, p.del || dotsLeft() <= 0 || mineHere >= settings().cap_per_item, b.withdraw);
      setDisabled(b.withdraw, p.del || mineHere <= 0, b.place);
    }
    if (b.edit) {
      b.edit.setAttribute("aria-label", fmt(T.edit_label, { excerpt: excerpt }));
      setDisabled(b.edit, p.del, b.delete);
    }
    if (b.delete) {
      b.delete.setAttribute("aria-label", fmt(T.delete_label, { excerpt: excerpt }));
      setDisabled(b.delete, p.del, b.edit);
    }
    actions.hidden = actions.children.length === 0;
    art.querySelector(".note-foot").hidden = editors.has(note.id) || (score.hidden && actions.hidden);

    const label = art.querySelector(".note-pending-label");
    const parts = [];
    if (p.del) parts.push(T.pending_delete);
    else if (p.edit) parts.push(T.pending_edit);
    if (p.place + p.withdraw > 0) parts.push(fmt(T.pending_votes, { n: p.place + p.withdraw }));
    setText(label, parts.join(" · "));
    label.hidden = parts.length === 0;
    art.classList.toggle("is-pending", p.del || p.edit);
  }

  function onClick(node, handler) {
    node.addEventListener("click", handler);
    return node;
  }

  function buildCluster(id) {
    const sec = el("section", "cluster-card");
    sec.dataset.clusterId = String(id);
    sec.tabIndex = -1;
    const titleId = "cluster-" + id + "-title";
    sec.setAttribute("aria-labelledby", titleId);
    const head = el("header", "cluster-head");
    const kicker = el("p", "cluster-kicker");
    kicker.append(el("span", "cluster-kicker-label", T.cluster_label), " · ", el("span", "cluster-count"));
    const title = el("h4", "cluster-title");
    title.id = titleId;
    const areas = el("div", "cluster-areas");
    head.append(kicker, title, areas);

    const foot = el("div", "cluster-foot");
    const score = el("p", "cluster-score");
    const mine = el("span", "note-my-dots");
    mine.append(" · ", el("span", "my-dots-label", T.my_dots), " ", el("span", "my-dots"));
    score.append(el("span", "cluster-votes"), " ", el("span", "cluster-votes-label"), mine);
    const scores = el("p", "cluster-scores");
    scores.hidden = true;
    const actions = el("div", "note-actions cluster-actions");
    const pendingLabel = el("p", "note-pending-label");
    pendingLabel.hidden = true;
    const feedback = el("div", "note-alert");
    feedback.setAttribute("role", "alert");
    foot.append(score, scores, actions, pendingLabel, feedback);

    const list = el("ul", "board cluster-notes");
    list.setAttribute("aria-labelledby", titleId);
    sec.append(head, foot, list);
    return sec;
  }

  function renderCluster(cluster, count) {
    let sec = clusterElement(cluster.id);
    if (!sec) sec = buildCluster(cluster.id);
    setText(sec.querySelector(".cluster-title"), cluster.title);
    setText(sec.querySelector(".cluster-count"), plural(count, "cluster_notes_one", "cluster_notes_other"));
    const areas = sec.querySelector(".cluster-areas");
    const areaKey = (cluster.areas || []).join(",");
    if (areas.dataset.areas !== areaKey) {
      areas.replaceChildren();
      areas.dataset.areas = areaKey;
      if ((cluster.areas || []).length) {
        const list = el("ul", "area-list");
        list.setAttribute("aria-label", T.areas_label);
        for (const code of cluster.areas) {
          const item = el("li", "area-item");
          item.append(el("span", "area-code", code), " ", el("span", "area-name", (T.areas && T.areas[code]) || code));
          list.append(item);
        }
        areas.append(list);
      }
    }
    const votable = canVote();
    const p = pendingFor("cluster", cluster.id);
    const placed = (state.self && state.self.cluster_votes && state.self.cluster_votes[String(cluster.id)]) || 0;
    const mineHere = Math.max(0, placed + p.place - p.withdraw);
    const score = sec.querySelector(".cluster-score");
    score.hidden = ["votazione", "valutazione", "chiusa"].indexOf(phase()) < 0;
    renderVotes(sec, sec.querySelector(".cluster-votes"), sec.querySelector(".cluster-votes-label"), cluster.votes);
    setText(sec.querySelector(".my-dots"), String(mineHere));
    sec.querySelector(".note-my-dots").classList.toggle("has-dots", mineHere > 0);
    sec.querySelector(".note-my-dots").hidden = mineHere === 0 && !votable;
    sec.classList.toggle("has-my-dots", mineHere > 0);
    const scores = sec.querySelector(".cluster-scores");
    scores.hidden = !cluster.scores;
    setText(scores, cluster.scores ? fmt(T.scores_line, cluster.scores) : "");
    const id = cluster.id;
    const actions = sec.querySelector(".cluster-actions");
    const b = W.syncButtons(actions, [
      { key: "place", show: votable, make: () => onClick(button("btn-primary vote-place", T.place, "+"), () => vote("vote.place", "cluster", id)) },
      { key: "withdraw", show: votable, make: () => onClick(button("btn-outline-primary vote-withdraw", T.withdraw, "\u2212"), () => vote("vote.withdraw", "cluster", id)) },
    ]);
    actions.hidden = !votable;
    if (b.place) {
      b.place.setAttribute("aria-label", fmt(T.cluster_place_label, { title: cluster.title }));
      b.withdraw.setAttribute("aria-label", fmt(T.cluster_withdraw_label, { title: cluster.title }));
      setDisabled(b.place, dotsLeft() <= 0 || mineHere >= settings().cap_per_item, b.withdraw);
      setDisabled(b.withdraw, mineHere <= 0, b.place);
    }
    const label = sec.querySelector(".note-pending-label");
    setText(label, p.place + p.withdraw > 0 ? fmt(T.pending_votes, { n: p.place + p.withdraw }) : "");
    label.hidden = p.place + p.withdraw === 0;
    return sec;
  }

  /** Disable a control without leaving keyboard focus on a dead button. */
  function setDisabled(control, disabled, fallback) {
    if (control.disabled === disabled) return;
    const hadFocus = document.activeElement === control;
    control.disabled = disabled;
    if (disabled && hadFocus) {
      if (fallback && !fallback.disabled && !fallback.hidden) fallback.focus();
      else {
        const holder = control.closest("article, section");
        if (holder) holder.focus();
      }
    }
  }

  /** Put `nodes` as the children of `container`, in order, moving only what must move. */
  function placeChildren(container, nodes) {
    nodes.forEach((node, i) => {
      if (container.children[i] !== node) container.insertBefore(node, container.children[i] || null);
    });
    while (container.children.length > nodes.length) container.lastElementChild.remove();
  }

  function pendingNotes() {
    const items = [];
    for (const cmd of outbox()) {
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
          el("span", "note-category", categoryLabel(state.me.category))
        );
        head.append(el("span", "note-kind badge", kindLabel(cmd.payload.kind)), author);
        // Not yet rendered by the server: plain text, never markup.
        const body = el("div", "note-body note-body-plain", cmd.payload.text);
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
    const byVotes = ["valutazione", "chiusa"].indexOf(phase()) >= 0 && board.totalsVisible();
    const clusters = board.clusterList(byVotes);
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
    for (const id of Array.from(editors.keys())) if (!shown.has(id)) closeEditor(id, false);
    if (active && active !== document.activeElement && active.isConnected && document.activeElement === document.body) {
      active.focus({ preventScroll: true });
    }
    renderCounts(shown.size);
  }

  function renderCounts(n) {
    if (typeof n !== "number") n = shownNotes().size;
    ui.noteCount.textContent = String(n);
    ui.boardEmpty.hidden = !(seq.hasBoard && n === 0 && !ui.loose.querySelector("li.pending"));
    // While online a command waits a few milliseconds for its ack: only a real wait is shown.
    const now = Date.now();
    const list = outbox();
    const queued = list.filter((c) => !state.joined || now - c.queued_at >= OUTBOX_SHOW_AFTER_MS).length;
    if (queued < list.length) {
      clearTimeout(outboxTimer);
      outboxTimer = setTimeout(() => renderCounts(), OUTBOX_SHOW_AFTER_MS);
    }
    ui.outbox.hidden = queued === 0;
    ui.outbox.textContent = queued ? plural(queued, "outbox_one", "outbox_other") : "";
    renderDots();
  }

  function dotsLeft() {
    const s = state.self;
    const base = s ? s.dots_left : settings().dots_per_participant;
    return Math.max(0, base - pendingDotsUsed());
  }
  function renderDots() {
    const left = dotsLeft();
    const total = state.self ? state.self.dots_total : settings().dots_per_participant;
    ui.dotsLeft.textContent = String(left);
    ui.dotsTotal.textContent = String(total);
    ui.dotsPre.textContent = left === 1 ? T.dots_pre_one : T.dots_pre_other;
    ui.dotsMid.textContent = left === 1 ? T.dots_mid_one : T.dots_mid_other;
    ui.dotsStatus.classList.toggle("is-inactive", !canVote());
    ui.dotsHint.hidden = ["accoglienza", "raccolta", "raggruppamento"].indexOf(phase()) < 0;
  }

  let shownPhase = null;
  function renderSession() {
    const s = board.session;
    const p = phase();
    const closed = p === "chiusa";
    ui.banner.dataset.phase = p;
    ui.phaseLabel.textContent = phaseLabel(p);
    ui.phaseHelp.textContent = phaseHelp(p);
    document.body.dataset.phase = p;

    // Writing: open only in raccolta. Otherwise the form stays, disabled, with why.
    const writable = canWrite();
    for (const c of ui.form.querySelectorAll("select, textarea, button")) c.disabled = !writable;
    ui.form.classList.toggle("is-disabled", !writable);
    ui.composerNotice.hidden = writable;
    ui.composerNotice.textContent = writable ? "" : (T.compose_closed && T.compose_closed[p]) || T.closed;
    if (shownPhase !== p) {
      // In raccolta the form comes before the board; later, after it (the board is what matters then).
      const hadFocus = ui.composer.contains(document.activeElement) ? document.activeElement : null;
      if (writable) ui.boardSection.before(ui.composer);
      else ui.boardSection.after(ui.composer);
      if (hadFocus && document.activeElement !== hadFocus) hadFocus.focus({ preventScroll: true });
      shownPhase = p;
    }

    ui.closed.hidden = !closed;
    ui.composer.hidden = closed; // read-only: the closed panel says why
    ui.timerBox.hidden = closed || W.timerLeft(s.timer) === null;
    const hash = s.snapshot_hash || "";
    ui.hash.textContent = hash;
    if (hash) {
      ui.hash.dataset.hash = hash;
      ui.hash.title = hash;
    }
    const hiddenTotals = ["votazione", "valutazione"].indexOf(p) >= 0 && !s.results_revealed;
    ui.votesHidden.hidden = !hiddenTotals;
    ui.votesProgress.hidden = !hiddenTotals || board.dotsPlaced === null;
    ui.votesProgress.textContent = board.dotsPlaced === null ? "" : plural(board.dotsPlaced, "dots_progress_one", "dots_progress_other");
    renderResults();
    if (s.timer !== shownTimer) {
      shownTimer = s.timer;
      countdown.set(s.timer, false);
    }
  }
  let shownTimer = null;

  let shownResults = null;
  function renderResults() {
    const show = board.resultsShown();
    ui.results.hidden = !show;
    if (!show) return;
    const rows = board.resultRows();
    const signature = JSON.stringify([rows, board.results && board.results.dots_placed]);
    if (signature === shownResults) return;
    shownResults = signature;
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
      if (row.type === "note") title.append(el("span", "result-type badge", T.result_note + " · " + kindLabel(row.kind)), " ");
      title.append(el("span", "result-name", row.title));
      const votes = el("p", "result-votes");
      votes.append(el("strong", null, plural(row.votes, "results_votes_one", "results_votes_other")));
      li.append(title, votes);
      // Totals only: who voted, and from which category, is not the room's to see.
      if (row.scores) li.append(el("p", "result-scores", fmt(T.scores_line, row.scores)));
      return li;
    });
    if (!items.length) items.push(el("li", "result-empty", T.results_empty));
    ui.resultsList.replaceChildren(...items);
    if (rows.some((r) => r.stale) && phase() !== "chiusa") refreshResultsSoon();
  }

  function renderAll() {
    renderSession();
    renderBoard();
  }

  /** Update #presence in place: a status region speaks only the text that changed. */
  function renderPresence() {
    const p = state.presence;
    if (!p) return;
    let count = ui.presence.querySelector(".presence-count");
    if (!count) {
      ui.presence.replaceChildren();
      count = el("p", "presence-count mb-0");
      count.append(W.svgIcon(SPRITES, "it-user"), " ", el("strong", "presence-total"));
      const label = el("p", "presence-label mb-0", T.presence_by_category);
      const list = el("ul", "presence-breakdown");
      ui.presence.append(count, label, list);
    }
    const totalText = p.connected ? plural(p.connected, "presence_one", "presence_other") : T.presence_none;
    const total = count.querySelector(".presence-total");
    if (total.textContent !== totalText) total.textContent = totalText;

    const list = ui.presence.querySelector(".presence-breakdown");
    const entries = Object.entries(p.by_category || {}).filter((e) => e[1] > 0);
    entries.sort((a, b) => b[1] - a[1] || categoryLabel(a[0]).localeCompare(categoryLabel(b[0])));
    const items = new Map(Array.from(list.children, (li) => [li.dataset.category, li]));
    entries.forEach(([key, n], i) => {
      let item = items.get(key);
      if (!item) {
        item = el("li");
        item.dataset.category = key;
        item.append(el("span", "presence-category", categoryLabel(key)), ": ", el("strong", "presence-n"));
      }
      items.delete(key);
      const num = item.querySelector(".presence-n");
      if (num.textContent !== String(n)) num.textContent = String(n);
      if (list.children[i] !== item) list.insertBefore(item, list.children[i] || null);
    });
    for (const stale of items.values()) stale.remove();
    ui.presence.querySelector(".presence-label").hidden = entries.length === 0;
  }
  let presenceTimer = null;
  function applyPresence(p) {
    if (!p || p.session_id !== SESSION_ID) return;
    state.presence = p;
    // Grouped: in a room where many join at once, one update per second is plenty.
    if (!presenceTimer) {
      presenceTimer = setTimeout(() => {
        presenceTimer = null;
        renderPresence();
      }, state.everJoined ? 1000 : 0);
    }
  }

  function setConnection(next) {
    if (state.connection === next && ui.connection.dataset.state === next) return;
    state.connection = next;
    ui.connection.dataset.state = next;
    ui.connectionText.textContent = T["conn_" + next];
  }

  // ------------------------------------------------------------- the timer

  const countdown = new W.Countdown({
    element: ui.timer,
    noneText: T.timer_none,
    onState: (st) => {
      ui.timerBox.hidden = st === "none" || phase() === "chiusa";
      ui.timerStatus.textContent = st === "paused" ? T.timer_paused : st === "expired" ? T.timer_over : "";
    },
    onMinute: () => announce(T.timer_minute),
    onZero: () => announce(T.timer_over),
  });

  // ------------------------------------------------------- applying state

  function applySelf(s) {
    if (!s || s.session_id !== SESSION_ID) return;
    if (typeof s.seq === "number" && s.seq < state.selfSeq) return; // older than what we show
    const before = myNotes();
    state.selfSeq = typeof s.seq === "number" ? s.seq : state.selfSeq;
    state.self = s;
    if (s.participant) state.me = Object.assign({}, state.me, s.participant);
    if (state.everJoined) {
      for (const n of s.notes || []) {
        const old = before.get(n.id);
        if (old && !old.hidden && n.hidden) announce(T.announce_hidden_mine);
        if (old && old.hidden && !n.hidden) announce(T.announce_restored_mine);
      }
    }
    renderBoard();
    scheduleSave();
  }

  /** Whether a note is ours: by `self`, by author id, or (pseudonyms hidden) our note.create in flight. */
  function isMineId(id, note) {
    if (myNotes().has(id)) return true;
    if (note && note.author && note.author.id) return note.author.id === state.me.id;
    return !!inFlight && outbox().some((c) => c.cid === inFlight && c.name === "note.create");
  }

  /** Apply one event whose seq is exactly applied + 1 (called by the Sequencer). */
  function applyEvent(e, quiet) {
    const change = board.apply(e);
    const d = e.data || {};
    if (quiet) {
      if (e.type === "note.created" && d.note && !change.known && !isMineId(d.note.id, d.note)) quiet.newNotes++;
      if (e.type === "phase.changed" || e.type === "session.closed") quiet.phase = true;
      return;
    }
    switch (e.type) {
      case "note.created": {
        const note = d.note;
        if (note && !change.known && !isMineId(note.id, note)) announceNewNote((note.author && note.author.pseudonym) || "");
        break;
      }
      case "note.edited": {
        const note = d.note;
        if (note && !isMineId(note.id, note) && note.author && note.author.pseudonym) {
          announce(fmt(T.announce_edited_other, { name: note.author.pseudonym }));
        }
        break;
      }
      case "note.deleted":
        if (change.previous && !isMineId(d.note_id)) announce(T.announce_deleted);
        break;
      case "note.merged":
        announce(T.announce_merged);
        break;
      case "cluster.created":
        if (d.cluster) announce(fmt(T.announce_cluster, { title: d.cluster.title }));
        break;
      case "notes.revealed":
        announce(T.announce_notes_revealed);
        break;
      case "phase.changed": {
        const p = board.session.phase;
        announce(fmt(T.announce_phase, { label: phaseLabel(p), help: phaseHelp(p) }));
        break;
      }
      case "results.revealed":
        announce(T.announce_results);
        break;
      case "session.closed":
        announce(T.announce_closed);
        break;
      case "timer.changed":
        shownTimer = board.session.timer;
        countdown.set(board.session.timer, true);
        break;
      default:
        break;
    }
  }

  function onEvent(e) {
    if (!e || e.session_id !== SESSION_ID) return;
    seq.offer(e);
  }

  /** The ack of join or sync: a snapshot replaces the board, events are replayed. */
  function applyCatchUp(ack) {
    const quiet = { newNotes: 0, phase: false };
    const before = new Set(board.notes.keys());
    const hadBoard = seq.hasBoard;
    const wasPhase = phase();
    if (ack.session && ack.session.timer) W.syncClock(ack.session.timer.server_now);
    if (ack.mode === "snapshot") {
      board.load(ack);
      seq.snapshotAt(ack.head);
      state.selfSeq = -1; // the server may have been reset: its seq starts again
      if (hadBoard) {
        const mine = myNotes();
        for (const id of board.notes.keys()) if (!before.has(id) && !mine.has(id)) quiet.newNotes++;
      }
    } else {
      if (ack.session) board.session = Object.assign({}, board.session, ack.session);
      seq.addEvents(ack.events);
    }
    seq.catchingUp = false;
    seq.drain(quiet); // ack events and anything that arrived meanwhile, in order
    applySelf(ack.self);
    applyPresence(ack.presence);
    shownTimer = board.session.timer;
    countdown.set(board.session.timer, true);
    if (hadBoard && state.everJoined && wasPhase !== phase()) quiet.phase = true;
    renderAll();
    saveState();
    return quiet;
  }

  // ------------------------------------------------------------- socket

  if (typeof window.io !== "function") {
    showError(T.conn_offline, ui.alert);
    return;
  }
  const socket = window.io({ transports: ["websocket", "polling"] });

  function join() {
    const myConn = connId;
    seq.catchingUp = true;
    setConnection("connecting");
    const payload = { token: state.token };
    if (seq.hasBoard) payload.since = seq.applied;
    socket.timeout(ACK_TIMEOUT_MS).emit("join", payload, (err, ack) => {
      if (myConn !== connId) return; // an older connection's answer
      if (err) {
        // No answer: try again on this connection, or after the next connect.
        if (socket.connected) setTimeout(() => myConn === connId && socket.connected && join(), RETRY_MS);
        return;
      }
      if (!ack || !ack.ok) return onJoinRefused(ack && ack.error);
      if (ack.token) state.token = ack.token;
      const wasRejoin = state.everJoined;
      const quiet = applyCatchUp(ack);
      state.joined = true;
      state.everJoined = true;
      clearError(ui.alert);
      setConnection("online");
      if (wasRejoin) announce(T.announce_restored);
      if (quiet.phase) {
        const p = phase();
        announce(fmt(T.announce_phase, { label: phaseLabel(p), help: phaseHelp(p) }));
      }
      if (quiet.newNotes) announce(plural(quiet.newNotes, "announce_new_notes_one", "announce_new_notes"));
      renderCounts();
      restartPump();
    });
  }

  function retryAfter(error, fallback) {
    const s = error && error.params && Number(error.params.retry_after);
    return (s > 0 ? s : fallback) * 1000;
  }

  function onJoinRefused(error) {
    const code = error && error.code;
    const message = (error && error.message) || T.conn_offline;
    if (code === "rate_limited" || code === "internal_error" || code === "session_busy") {
      showError(message, ui.alert);
      const myConn = connId;
      // As long as the server says: a rate-limited address is refused until then.
      const wait = code === "rate_limited" ? retryAfter(error, 10) : RETRY_MS;
      setTimeout(() => myConn === connId && socket.connected && join(), wait);
      return;
    }
    setConnection("offline");
    let extra = null;
    if (code === "invalid_token") {
      // This browser's identity is gone (e.g. the data were reset): start again with the code.
      if (storage) storage.removeItem(STATE_KEY);
      extra = el("a", "alert-link", T.rejoin);
      extra.href = "/s/" + encodeURIComponent(board.session.code);
    }
    showError(message, ui.alert, extra);
  }

  function sync(since) {
    if (!state.joined || seq.catchingUp) return;
    const myConn = connId;
    seq.catchingUp = true;
    const payload = { session_id: SESSION_ID, since: typeof since === "number" ? since : seq.applied };
    socket.timeout(ACK_TIMEOUT_MS).emit("sync", payload, (err, ack) => {
      if (myConn !== connId) return;
      if (err || !ack || !ack.ok) {
        seq.catchingUp = false;
        if (ack && ack.error && ack.error.code === "not_joined") return join();
        seq.drain(); // keeps the gap timer going: another sync later
        return;
      }
      applyCatchUp(ack);
    });
  }

  // After the reveal, dots still placed change totals that events carry, but
  // not how many were placed by how many people: a snapshot brings it (a little
  // later, and not all phones at the same moment).
  let resultsTimer = null;
  function refreshResultsSoon() {
    if (resultsTimer) return;
    resultsTimer = setTimeout(() => {
      resultsTimer = null;
      if (state.joined && !seq.catchingUp && board.resultRows().some((r) => r.stale)) sync(FORCE_SNAPSHOT_SINCE);
    }, 2500 + Math.random() * 2500);
  }

  socket.on("connect", () => {
    connId++;
    state.joined = false;
    join();
  });
  socket.on("disconnect", () => {
    connId++;
    const was = state.joined;
    state.joined = false;
    seq.catchingUp = true;
    setConnection("offline");
    renderCounts();
    if (was) announce(T.announce_lost);
  });
  socket.on("connect_error", () => {
    // Socket.IO keeps trying by itself; meanwhile commands wait in the outbox.
    if (!socket.connected) setConnection("offline");
  });
  socket.on("event", onEvent);
  socket.on("self", applySelf);
  socket.on("presence", applyPresence);

  // The browser knows before the socket's heartbeat does.
  window.addEventListener("offline", () => {
    if (socket.connected && socket.io.engine) socket.io.engine.close(); // lets Socket.IO reconnect by itself
    setConnection("offline");
  });
  window.addEventListener("online", () => {
    if (!socket.connected) socket.connect();
  });

  // ------------------------------------------------------------- sending

  let pumpGen = 0;
  let inFlight = null;
  const handled = new Set(); // cids whose ack was already applied (late duplicates)
  const internalRetries = new Map();

  function restartPump() {
    pumpGen++;
    inFlight = null;
    pump();
  }

  /** Send the outbox, one command at a time and in order, while joined. */
  function pump() {
    if (!state.joined || inFlight) return;
    const cmd = outbox()[0];
    if (!cmd) return;
    const gen = pumpGen;
    const myConn = connId;
    inFlight = cmd.cid;
    socket.timeout(ACK_TIMEOUT_MS).emit(cmd.name, cmd.payload, (err, ack) => {
      const current = gen === pumpGen;
      if (current) inFlight = null;
      if (err) {
        // Timed out or disconnected: the command stays queued and goes again, same cid.
        if (current && myConn === connId && socket.connected) setTimeout(pump, RETRY_MS);
        return;
      }
      const next = onCommandAck(cmd, ack);
      if (!current) return;
      if (typeof next === "number") setTimeout(pump, next);
      else if (next === "retry") setTimeout(pump, RETRY_MS);
      else if (next === "next") pump();
    });
  }

  /** Apply a command's ack; says what the pump does next: "next", "retry", "wait" or a delay in ms. */
  function onCommandAck(cmd, ack) {
    if (handled.has(cmd.cid)) return "next";
    const error = ack && !ack.ok ? ack.error || {} : null;
    const code = error && error.code;
    if (code === "not_joined") {
      // Keep it: join again; the outbox is sent again after the join.
      if (socket.connected) join();
      return "wait";
    }
    if (code === "internal_error" || code === "session_busy") {
      const n = (internalRetries.get(cmd.cid) || 0) + 1;
      internalRetries.set(cmd.cid, n);
      if (n < MAX_INTERNAL_RETRIES) return "retry"; // nothing was changed: same cid, a bit later
    }
    if (code === "rate_limited") {
      // Nothing was changed: the same command goes again when the server says.
      const wait = retryAfter(error, 10);
      announce(fmt(T.announce_rate_limited, { n: Math.round(wait / 1000) }));
      return wait;
    }
    if (code === "session_closed") {
      board.session = Object.assign({}, board.session, { closed: true });
      if (state.joined && !seq.catchingUp) sync(FORCE_SNAPSHOT_SINCE); // the hash and results
    }
    handled.add(cmd.cid);
    dropFromOutbox(cmd.cid);
    if (ack && ack.ok) {
      for (const e of ack.events || []) {
        if (e && e.session_id === SESSION_ID && typeof e.seq === "number") onEvent(e);
      }
      applySelf(ack.self);
      announce(
        {
          "note.create": T.announce_created,
          "note.edit": T.announce_edited,
          "note.delete": T.announce_deleted_mine,
          "vote.place": T.announce_vote,
          "vote.withdraw": T.announce_withdraw,
        }[cmd.name]
      );
      if (cmd.name === "note.create") clearError();
    } else {
      const message = (error && error.message) || T.conn_offline;
      showError(message, alertBoxFor(cmd.payload));
      if (cmd.name === "note.create" && !ui.text.value.trim()) {
        // Give the text back so it can be fixed and sent again.
        ui.kind.value = cmd.payload.kind;
        ui.text.value = cmd.payload.text;
        updateCounter();
      }
    }
    renderAll();
    return "next";
  }

  function alertBoxFor(payload) {
    let holder = null;
    if (payload.cluster_id) holder = clusterElement(payload.cluster_id);
    else if (payload.note_id) holder = noteElement(payload.note_id);
    return (holder && holder.querySelector(".note-alert")) || (payload.note_id || payload.cluster_id ? ui.alert : ui.formAlert);
  }

  // ------------------------------------------------------------- actions

  function checkText(text) {
    const max = settings().note_max_chars;
    if (!normalizedText(text)) return T.err_empty;
    if (W.codePoints(normalizedText(text)) > max) return fmt(T.err_too_long, { n: max });
    return null;
  }

  ui.form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!canWrite()) return;
    const problem = checkText(ui.text.value);
    if (problem) {
      showError(problem, ui.formAlert);
      ui.text.setAttribute("aria-invalid", "true");
      ui.text.focus();
      return;
    }
    ui.text.removeAttribute("aria-invalid");
    clearError();
    enqueue("note.create", { kind: ui.kind.value, text: ui.text.value });
    ui.text.value = "";
    updateCounter();
    ui.text.focus();
  });

  function vote(name, type, id) {
    if (!canVote()) return;
    const field = type === "cluster" ? "cluster_id" : "note_id";
    if (type === "cluster" ? !board.clusters.has(id) : !shownNotes().has(id)) return;
    clearError(alertBoxFor({ [field]: id }));
    enqueue(name, { [field]: id });
  }
  function deleteNote(id) {
    if (!shownNotes().has(id) || !canWrite()) return;
    if (!window.confirm(T.confirm_delete)) return;
    closeEditor(id, false);
    enqueue("note.delete", { note_id: id });
  }

  // Inline editor: a form in place of the note's body. Escape cancels.
  const editors = new Map(); // note id -> {form}
  let editorSeq = 0;

  function openEditor(id) {
    const entry = shownNotes().get(id);
    const li = noteElement(id);
    if (!entry || !entry.mine || !li || editors.has(id)) {
      if (editors.has(id)) editors.get(id).form.querySelector("textarea").focus();
      return;
    }
    const note = entry.note;
    const art = li.firstElementChild;
    const n = ++editorSeq;
    const form = el("form", "note-edit-form");
    form.noValidate = true;
    const kindId = "edit-kind-" + n;
    const textId = "edit-text-" + n;
    const counterId = "edit-counter-" + n;
    const hintId = "edit-hint-" + n;

    const kindWrap = el("div", "mb-2");
    const kindLabelEl = el("label", "form-label", T.edit_kind);
    kindLabelEl.htmlFor = kindId;
    const kind = el("select", "form-select");
    kind.id = kindId;
    for (const k of settings().note_kinds) {
      const opt = el("option", null, kindLabel(k));
      opt.value = k;
      kind.append(opt);
    }
    kind.value = note.kind;
    kindWrap.append(kindLabelEl, kind);

    const textWrap = el("div", "mb-2");
    const textLabel = el("label", "form-label", T.edit_text);
    textLabel.htmlFor = textId;
    const area = el("textarea", "form-control");
    area.id = textId;
    area.rows = 4;
    area.value = note.text || ""; // a textarea's value is text, never markup
    area.setAttribute("aria-describedby", hintId + " " + counterId);
    const hint = el("small", "form-text d-block", T.edit_hint);
    hint.id = hintId;
    const counter = el("p", "char-counter form-text mb-0");
    counter.id = counterId;
    textWrap.append(textLabel, area, hint, counter);

    const alertBox = el("div", "note-edit-alert");
    alertBox.setAttribute("role", "alert");
    const buttons = el("div", "note-actions");
    const save = el("button", "btn btn-primary", T.save);
    save.type = "submit";
    const cancel = el("button", "btn btn-outline-secondary", T.cancel);
    cancel.type = "button";
    buttons.append(save, cancel);
    form.append(alertBox, kindWrap, textWrap, buttons);

    const refreshCounter = () => renderCounter(area, counter, null);
    area.addEventListener("input", refreshCounter);
    refreshCounter();
    cancel.addEventListener("click", () => closeEditor(id, true));
    form.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        closeEditor(id, true);
      }
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const problem = checkText(area.value);
      if (problem) {
        showError(problem, alertBox);
        area.setAttribute("aria-invalid", "true");
        area.focus();
        return;
      }
      const current = shownNotes().get(id);
      if (!current || !canWrite()) return closeEditor(id, false);
      const fields = { note_id: id, text: area.value };
      if (kind.value !== current.note.kind) fields.kind = kind.value;
      const unchanged = normalizedText(area.value) === normalizedText(current.note.text || "") && !fields.kind;
      closeEditor(id, true);
      if (!unchanged) enqueue("note.edit", fields);
    });

    art.querySelector(".note-body").hidden = true;
    art.querySelector(".note-foot").hidden = true;
    art.classList.add("is-editing");
    art.insertBefore(form, art.querySelector(".note-foot"));
    editors.set(id, { form: form });
    area.focus();
  }

  function closeEditor(id, restoreFocus) {
    const ed = editors.get(id);
    if (!ed) return;
    editors.delete(id);
    const li = noteElement(id);
    ed.form.remove();
    if (!li) return;
    const art = li.firstElementChild;
    art.querySelector(".note-body").hidden = false;
    art.classList.remove("is-editing");
    renderBoard(); // changes that arrived while editing
    if (restoreFocus) {
      const btn = art.querySelector(".note-edit");
      if (btn && !btn.hidden && !btn.disabled) btn.focus();
      else art.focus();
    }
  }

  // Character counter of the compose form.
  let counterLiveTimer = null;
  function renderCounter(area, counter, liveEl) {
    const max = settings().note_max_chars;
    const used = W.codePoints(normalizedText(area.value));
    const left = max - used;
    const text = left >= 0 ? plural(left, "chars_left_one", "chars_left_other") : plural(-left, "chars_over_one", "chars_over_other");
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
  function updateCounter() {
    renderCounter(ui.text, ui.counter, ui.counterLive);
  }
  ui.text.addEventListener("input", updateCounter);

  // Another tab of this browser changed the outbox: show it, and send what it queued.
  window.addEventListener("storage", (ev) => {
    if (ev.key === OUTBOX_KEY) {
      renderAll();
      pump();
    }
  });
  window.addEventListener("pagehide", saveState);

  // --------------------------------------------------------------- start

  restoreState();
  memoryOutbox = outbox();
  saveOutbox(memoryOutbox); // drops what another participant left queued in this browser
  renderAll(); // what this browser knew: shown at once, even offline
  updateCounter();
  setConnection("connecting");

  window.workshopRoom = {
    state: state,
    board: board,
    applied: () => seq.applied,
    outbox: () => outbox().slice(),
    socket: socket,
  };
})();
