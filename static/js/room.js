/*
 * The live room of a lab session, for participants.
 *
 * A client of the real-time protocol (docs/protocol.md), written against it:
 *   - on every Socket.IO `connect`: `join` with the token (and `since` when this
 *     page already holds a board), then apply the ack (snapshot or events),
 *     then send the outbox;
 *   - events are applied strictly in `seq` order: older ones are ignored, early
 *     ones are buffered, a gap that lasts ~2 s is filled with `sync`;
 *   - every change is a command with a client id (`cid`), kept in an outbox in
 *     localStorage *before* it is sent, and removed only when its ack arrives;
 *     commands are sent one at a time, in order, and resent with the same cid
 *     after a timeout or a reconnection (the server never applies one twice).
 *
 * No framework and no build step. User-written text never becomes markup here:
 * notes are shown through the server's sanitized `html`, everything else
 * (pseudonyms, labels, the text of pending notes) through textContent.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- config

  const config = JSON.parse(document.getElementById("room-config").textContent);
  const T = JSON.parse(document.getElementById("room-strings").textContent);
  const SESSION_ID = config.session.id;
  const STATE_KEY = "workshop:room:" + SESSION_ID;
  const OUTBOX_KEY = "workshop:outbox:" + SESSION_ID;
  const ACK_TIMEOUT_MS = 10000;
  const GAP_WAIT_MS = 2000;
  const RETRY_MS = 3000;
  const MAX_INTERNAL_RETRIES = 5;
  const OUTBOX_SHOW_AFTER_MS = 500;

  const $ = (id) => document.getElementById(id);
  const ui = {
    alert: $("room-alert"),
    connection: $("connection-status"),
    connectionText: document.querySelector("#connection-status .connection-text"),
    outbox: $("outbox-status"),
    dotsLeft: $("dots-left"),
    dotsTotal: $("dots-total"),
    dotsPre: $("dots-pre"),
    dotsMid: $("dots-mid"),
    presence: $("presence"),
    live: $("live-region"),
    form: $("note-form"),
    formAlert: $("note-form-alert"),
    kind: $("note-kind"),
    text: $("note-text"),
    counter: $("note-text-counter"),
    counterLive: $("note-text-counter-live"),
    closed: $("closed-notice"),
    board: $("board"),
    boardTitle: $("board-title"),
    boardEmpty: $("board-empty"),
    noteCount: $("note-count"),
  };
  const SPRITES = ui.board.dataset.sprites || "";

  // ----------------------------------------------------------------- state

  const state = {
    session: config.session,
    me: config.me, // Author: {id, pseudonym, category}
    token: config.token,
    applied: 0, // highest seq applied to `notes`
    hasBoard: false, // `notes` reflects the server at `applied`
    notes: new Map(), // id -> Note, in creation order
    self: null,
    selfSeq: -1,
    presence: null,
    connection: "connecting",
    joined: false, // this socket has joined and caught up
    catchingUp: true, // a join/sync is in flight: buffer events
    everJoined: false,
  };
  const buffer = new Map(); // seq -> early event
  let gapTimer = null;
  let outboxTimer = null;
  let connId = 0; // bumps on every connect, to ignore answers from older sockets

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  }
  function plural(n, one, other) {
    return fmt(n === 1 ? T[one] : T[other], { n: n });
  }
  function settings() {
    return state.session.settings;
  }
  function categoryLabel(key) {
    return (config.categories && config.categories[key]) || key || "";
  }
  function kindLabel(kind) {
    return (T.kinds && T.kinds[kind]) || kind;
  }
  function codePoints(s) {
    return Array.from(s).length;
  }
  function normalizedText(s) {
    return s.replace(/\r\n?/g, "\n").trim();
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
      v: 1,
      participant_id: state.me.id,
      token: state.token,
      self_seq: state.selfSeq,
      self: state.self,
    };
    const full = Object.assign({}, base, {
      applied: state.hasBoard ? state.applied : null,
      notes: state.hasBoard ? Array.from(state.notes.values()) : null,
    });
    // Without room for the board, keep identity only: the next load asks for a snapshot.
    if (!writeJSON(STATE_KEY, full)) writeJSON(STATE_KEY, Object.assign(base, { applied: null, notes: null }));
  }

  /** Restore what an earlier page load knew, if it was the same participant. */
  function restoreState() {
    const saved = readJSON(STATE_KEY);
    if (!saved || saved.v !== 1 || saved.participant_id !== state.me.id) {
      return;
    }
    if (!state.token && saved.token) state.token = saved.token;
    if (saved.self && saved.self.session_id === SESSION_ID) {
      state.self = saved.self;
      state.selfSeq = typeof saved.self_seq === "number" ? saved.self_seq : -1;
    }
    if (typeof saved.applied === "number" && Array.isArray(saved.notes)) {
      state.applied = saved.applied;
      state.hasBoard = true;
      for (const n of saved.notes) if (n && typeof n.id === "number") state.notes.set(n.id, n);
    }
  }

  // --------------------------------------------------------------- outbox
  // Shared by the tabs of this browser through localStorage; always read
  // fresh before changing it, so two tabs do not overwrite each other.

  function outbox() {
    const list = readJSON(OUTBOX_KEY);
    if (!Array.isArray(list)) return memoryOutbox;
    // Only this participant's commands: never send, as us, what someone else queued here.
    return list.filter((c) => c && c.participant_id === state.me.id && c.payload && c.name);
  }
  let memoryOutbox = [];
  function saveOutbox(list) {
    memoryOutbox = list;
    writeJSON(OUTBOX_KEY, list);
  }
  function newCid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return "c-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  /** Queue a command (persisted first), then try to send it. */
  function enqueue(name, fields) {
    const cmd = {
      cid: newCid(),
      participant_id: state.me.id,
      name: name,
      payload: Object.assign({ session_id: SESSION_ID }, fields),
      queued_at: Date.now(),
    };
    cmd.payload.cid = cmd.cid;
    const list = outbox();
    list.push(cmd);
    saveOutbox(list);
    renderPending();
    renderAllControls(); // a queued dot counts at once: buttons everywhere follow
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
  function pendingFor(noteId) {
    const p = { place: 0, withdraw: 0, edit: false, del: false };
    for (const c of outbox()) {
      if (c.payload.note_id !== noteId) continue;
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

  let announceQueue = [];
  let announceTimer = null;
  /** Short messages for screen readers, grouped so a busy room is not a flood. */
  function announce(message) {
    if (!message) return;
    announceQueue.push(String(message));
    if (!announceTimer) announceTimer = setTimeout(flushAnnouncements, 300);
  }
  function flushAnnouncements() {
    announceTimer = null;
    let msgs = announceQueue;
    announceQueue = [];
    const newNotes = msgs.filter((m) => m.startsWith("\u0000new:"));
    msgs = msgs.filter((m) => !m.startsWith("\u0000new:"));
    if (newNotes.length === 1) msgs.push(fmt(T.announce_new_note, { name: newNotes[0].slice(5) }));
    else if (newNotes.length > 1) msgs.push(fmt(T.announce_new_notes, { n: newNotes.length }));
    const text = Array.from(new Set(msgs)).join(". ");
    // Clear first so the same message twice in a row is announced twice.
    ui.live.textContent = "";
    setTimeout(() => {
      ui.live.textContent = text;
    }, 50);
  }
  function announceNewNote(name) {
    announce("\u0000new:" + name);
  }

  // ---------------------------------------------------------------- alerts

  function makeAlert(message, extra) {
    const box = document.createElement("div");
    box.className = "alert alert-danger alert-dismissible";
    const prefix = document.createElement("span");
    prefix.className = "visually-hidden";
    prefix.textContent = T.error_prefix + " ";
    box.append(prefix, document.createTextNode(message));
    if (extra) box.append(" ", extra);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", T.cancel);
    close.addEventListener("click", () => {
      const focusNext = box.closest("article") || ui.text;
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

  function svgIcon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "icon icon-sm");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const use = document.createElementNS(ns, "use");
    use.setAttribute("href", SPRITES + "#" + name);
    svg.append(use);
    return svg;
  }
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
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
  function excerptOf(note) {
    const tpl = document.createElement("template");
    tpl.innerHTML = note.html || ""; // inert: template content never runs scripts or loads images
    let text = (tpl.content.textContent || note.text || "").replace(/\s+/g, " ").trim();
    if (codePoints(text) > 60) text = Array.from(text).slice(0, 57).join("").trimEnd() + "…";
    return text;
  }
  function isMine(note) {
    return !!(note.author && state.me && note.author.id === state.me.id);
  }
  function noteElement(id) {
    return ui.board.querySelector('li[data-note-id="' + id + '"]');
  }

  function buildNote(note) {
    const li = el("li", "board-item");
    li.dataset.noteId = String(note.id);
    const art = el("article", "note");
    art.dataset.noteId = String(note.id);
    art.dataset.kind = note.kind;
    art.tabIndex = -1;
    const headId = "note-" + note.id + "-head";
    art.setAttribute("aria-labelledby", headId);

    const head = el("header", "note-head");
    head.id = headId;
    const badge = el("span", "note-kind badge");
    const author = el("p", "note-author");
    const pseudo = el("span", "note-pseudonym");
    const you = el("span", "note-you");
    const cat = el("span", "note-category");
    author.append(pseudo, you, el("span", "note-sep", " · "), cat);
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
    const myLabel = el("span", "my-dots-label", T.my_dots);
    const myDots = el("span", "my-dots");
    mine.append(" · ", myLabel, " ", myDots);
    score.append(votes, " ", votesLabel, mine);

    const actions = el("div", "note-actions");
    const place = button("btn-primary vote-place", T.place, "+");
    const withdraw = button("btn-outline-primary vote-withdraw", T.withdraw, "\u2212");
    actions.append(place, withdraw);
    place.addEventListener("click", () => placeVote(note.id));
    withdraw.addEventListener("click", () => withdrawVote(note.id));
    if (isMine(note)) {
      const edit = button("btn-outline-secondary note-edit", T.edit, "\u270E");
      const del = button("btn-outline-danger note-delete", T.delete, "\u00D7");
      edit.addEventListener("click", () => openEditor(note.id));
      del.addEventListener("click", () => deleteNote(note.id));
      actions.append(edit, del);
    }
    foot.append(score, actions);
    art.append(head, body, pendingLabel, feedback, foot);
    li.append(art);
    return li;
  }

  /** Bring one note's element up to date, creating it if needed. */
  function renderNote(note) {
    let li = noteElement(note.id);
    if (!li) {
      li = buildNote(note);
      // Creation order: before the first note with a larger id, else before the pending ones.
      let before = null;
      for (const other of ui.board.children) {
        const oid = Number(other.dataset.noteId);
        if (other.classList.contains("pending") || (oid && oid > note.id)) {
          before = other;
          break;
        }
      }
      ui.board.insertBefore(li, before);
    }
    const art = li.firstElementChild;
    art.dataset.kind = note.kind;
    art.querySelector(".note-kind").textContent = kindLabel(note.kind);
    art.querySelector(".note-pseudonym").textContent = (note.author && note.author.pseudonym) || "";
    art.querySelector(".note-you").textContent = isMine(note) ? " " + T.you : "";
    art.querySelector(".note-category").textContent = categoryLabel(note.author && note.author.category);
    const body = art.querySelector(".note-body");
    if (body.dataset.html !== note.html) {
      // `html` is rendered and sanitized by the server (workshop/markup.py); `text` is never markup.
      body.innerHTML = note.html || "";
      body.dataset.html = note.html || "";
    }
    const v = Number(note.votes) || 0;
    const votes = art.querySelector(".note-votes");
    votes.textContent = String(v);
    votes.dataset.votes = String(v);
    art.querySelector(".note-votes-label").textContent = v === 1 ? T.votes_one : T.votes_other;
    const excerpt = excerptOf(note);
    art.querySelector(".vote-place").setAttribute("aria-label", fmt(T.place_label, { excerpt: excerpt }));
    art.querySelector(".vote-withdraw").setAttribute("aria-label", fmt(T.withdraw_label, { excerpt: excerpt }));
    const edit = art.querySelector(".note-edit");
    if (edit) edit.setAttribute("aria-label", fmt(T.edit_label, { excerpt: excerpt }));
    const del = art.querySelector(".note-delete");
    if (del) del.setAttribute("aria-label", fmt(T.delete_label, { excerpt: excerpt }));
    renderNoteControls(note.id);
  }

  /** My dots on a note and which buttons work, counting commands still queued. */
  function renderNoteControls(id) {
    const li = noteElement(id);
    if (!li) return;
    const art = li.firstElementChild;
    const p = pendingFor(id);
    const placed = (state.self && state.self.votes && state.self.votes[String(id)]) || 0;
    const mineHere = Math.max(0, placed + p.place - p.withdraw);
    const left = dotsLeft();
    const closed = !!state.session.closed;
    art.querySelector(".my-dots").textContent = String(mineHere);
    art.querySelector(".note-my-dots").classList.toggle("has-dots", mineHere > 0);
    art.classList.toggle("has-my-dots", mineHere > 0);

    const place = art.querySelector(".vote-place");
    const withdraw = art.querySelector(".vote-withdraw");
    const edit = art.querySelector(".note-edit");
    const del = art.querySelector(".note-delete");
    setDisabled(place, closed || p.del || left <= 0 || mineHere >= settings().cap_per_item, withdraw);
    setDisabled(withdraw, closed || p.del || mineHere <= 0, place);
    if (edit) setDisabled(edit, closed || p.del, del);
    if (del) setDisabled(del, closed || p.del, edit);

    const label = art.querySelector(".note-pending-label");
    const parts = [];
    if (p.del) parts.push(T.pending_delete);
    else if (p.edit) parts.push(T.pending_edit);
    if (p.place + p.withdraw > 0) parts.push(fmt(T.pending_votes, { n: p.place + p.withdraw }));
    label.textContent = parts.join(" · ");
    label.hidden = parts.length === 0;
    art.classList.toggle("is-pending", p.del || p.edit);
  }

  /** Disable a control without leaving keyboard focus on a dead button. */
  function setDisabled(control, disabled, fallback) {
    if (control.disabled === disabled) return;
    const hadFocus = document.activeElement === control;
    control.disabled = disabled;
    if (disabled && hadFocus) {
      if (fallback && !fallback.disabled) fallback.focus();
      else {
        const art = control.closest("article");
        if (art) art.focus();
      }
    }
  }

  function removeNoteElement(id) {
    const li = noteElement(id);
    if (!li) return;
    if (li.contains(document.activeElement)) {
      // Keep the keyboard user in the board: next note, else previous, else the heading.
      const target = li.nextElementSibling || li.previousElementSibling;
      const art = target && target.querySelector("article");
      li.remove();
      (art || ui.boardTitle).focus();
    } else {
      li.remove();
    }
  }

  function renderPending() {
    for (const li of Array.from(ui.board.querySelectorAll("li.pending"))) li.remove();
    for (const cmd of outbox()) {
      if (cmd.name !== "note.create") continue;
      const li = el("li", "board-item pending");
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
      const label = el("p", "note-pending-label");
      label.textContent = T.pending_create;
      art.append(head, body, label);
      li.append(art);
      ui.board.append(li);
    }
    renderCounts();
  }

  function renderCounts() {
    const n = state.notes.size;
    ui.noteCount.textContent = String(n);
    ui.boardEmpty.hidden = !(state.hasBoard && n === 0 && !ui.board.querySelector("li.pending"));
    // While online a command waits a few milliseconds for its ack: only a real wait is shown.
    const now = Date.now();
    const list = outbox();
    const queued = list.filter((c) => !state.joined || now - c.queued_at >= OUTBOX_SHOW_AFTER_MS).length;
    if (queued < list.length) {
      clearTimeout(outboxTimer);
      outboxTimer = setTimeout(renderCounts, OUTBOX_SHOW_AFTER_MS);
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
  }

  function renderAllControls() {
    for (const id of state.notes.keys()) renderNoteControls(id);
    renderCounts();
  }

  function renderBoard() {
    // Reconcile, never rebuild: elements (and keyboard focus) survive a snapshot.
    for (const li of Array.from(ui.board.querySelectorAll("li[data-note-id]"))) {
      if (!state.notes.has(Number(li.dataset.noteId))) removeNoteElement(li.dataset.noteId);
    }
    for (const note of state.notes.values()) renderNote(note);
    renderPending();
    renderAllControls();
  }

  function renderSession() {
    const closed = !!state.session.closed;
    ui.closed.hidden = !closed;
    for (const c of ui.form.querySelectorAll("select, textarea, button")) c.disabled = closed;
  }

  /** Update #presence in place: a status region speaks only the text that changed. */
  function renderPresence() {
    const p = state.presence;
    if (!p) return;
    let count = ui.presence.querySelector(".presence-count");
    if (!count) {
      ui.presence.replaceChildren();
      count = el("p", "presence-count mb-0");
      count.append(svgIcon("it-user"), " ", el("strong", "presence-total"));
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

  // ------------------------------------------------------- applying state

  function applySelf(s) {
    if (!s || s.session_id !== SESSION_ID) return;
    if (typeof s.seq === "number" && s.seq < state.selfSeq) return; // older than what we show
    state.selfSeq = typeof s.seq === "number" ? s.seq : state.selfSeq;
    state.self = s;
    if (s.participant) state.me = s.participant;
    renderAllControls();
    scheduleSave();
  }

  /** Apply one event whose seq is exactly applied + 1. */
  function applyEvent(e, quiet) {
    const d = e.data || {};
    switch (e.type) {
      case "note.created":
      case "note.edited": {
        const note = d.note;
        if (!note || typeof note.id !== "number") break;
        const known = state.notes.has(note.id);
        const editing = editors.has(note.id);
        state.notes.set(note.id, note);
        if (!editing) renderNote(note); // an open editor is not overwritten; closing it shows this
        if (!isMine(note) && note.author) {
          if (e.type === "note.created" && !known) {
            if (quiet) quiet.newNotes++;
            else announceNewNote(note.author.pseudonym);
          } else if (e.type === "note.edited" && !quiet) {
            announce(fmt(T.announce_edited_other, { name: note.author.pseudonym }));
          }
        }
        break;
      }
      case "note.deleted": {
        const id = d.note_id;
        const note = state.notes.get(id);
        if (!note) break;
        state.notes.delete(id);
        removeNoteElement(id); // first: it moves keyboard focus out of the note
        closeEditor(id, false);
        if (!quiet && !isMine(note)) announce(T.announce_deleted);
        break;
      }
      case "vote.placed":
      case "vote.withdrawn": {
        const note = state.notes.get(d.note_id);
        if (!note || typeof d.total !== "number") break;
        note.votes = d.total;
        renderNote(note);
        break;
      }
      default:
        // participant.joined is informative (presence tells who is here);
        // unknown types are ignored, their seq still counts.
        break;
    }
  }

  function onEvent(e) {
    if (!e || e.session_id !== SESSION_ID || typeof e.seq !== "number") return;
    if (state.catchingUp || !state.hasBoard) {
      if (e.seq > state.applied || !state.hasBoard) buffer.set(e.seq, e);
      return;
    }
    offer(e);
  }

  function offer(e, quiet) {
    if (e.seq <= state.applied) return; // already applied
    buffer.set(e.seq, e);
    drain(quiet);
  }

  function drain(quiet) {
    let changed = false;
    while (buffer.has(state.applied + 1)) {
      const e = buffer.get(state.applied + 1);
      buffer.delete(e.seq);
      applyEvent(e, quiet);
      state.applied = e.seq;
      changed = true;
    }
    for (const seq of Array.from(buffer.keys())) if (seq <= state.applied) buffer.delete(seq);
    if (changed) {
      renderCounts();
      scheduleSave();
    }
    if (buffer.size > 0) {
      if (!gapTimer) gapTimer = setTimeout(onGapTimeout, GAP_WAIT_MS);
    } else if (gapTimer) {
      clearTimeout(gapTimer);
      gapTimer = null;
    }
  }

  function onGapTimeout() {
    gapTimer = null;
    if (buffer.size > 0 && !buffer.has(state.applied + 1)) sync();
    else drain();
  }

  /** The ack of join or sync: a snapshot replaces the board, events are replayed. */
  function applyCatchUp(ack) {
    const quiet = { newNotes: 0 };
    if (ack.session) {
      const wasClosed = !!state.session.closed;
      state.session = ack.session;
      renderSession();
      if (!wasClosed && state.session.closed && state.everJoined) announce(T.announce_closed);
    }
    if (ack.mode === "snapshot") {
      const before = new Set(state.notes.keys());
      state.notes = new Map();
      for (const n of ack.notes || []) state.notes.set(n.id, n);
      if (state.hasBoard) {
        for (const n of state.notes.values()) if (!before.has(n.id) && !isMine(n)) quiet.newNotes++;
      }
      state.applied = ack.head;
      state.selfSeq = -1; // the server may have been reset: its seq starts again
      state.hasBoard = true;
      renderBoard();
      for (const id of Array.from(editors.keys())) if (!state.notes.has(id)) closeEditor(id, false);
    } else {
      for (const e of ack.events || []) if (e && e.seq > state.applied) buffer.set(e.seq, e);
    }
    state.catchingUp = false;
    drain(quiet); // ack events and anything that arrived meanwhile, in order
    applySelf(ack.self);
    applyPresence(ack.presence);
    renderAllControls();
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
    state.catchingUp = true;
    setConnection("connecting");
    const payload = { token: state.token };
    if (state.hasBoard) payload.since = state.applied;
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
      if (wasRejoin) {
        announce(T.announce_restored);
      }
      if (quiet.newNotes) announce(plural(quiet.newNotes, "announce_new_notes_one", "announce_new_notes"));
      restartPump();
    });
  }

  function onJoinRefused(error) {
    const code = error && error.code;
    const message = (error && error.message) || T.conn_offline;
    if (code === "rate_limited" || code === "internal_error") {
      showError(message, ui.alert);
      setTimeout(() => socket.connected && join(), 10000);
      return;
    }
    setConnection("offline");
    let extra = null;
    if (code === "invalid_token") {
      // This browser's identity is gone (e.g. the data were reset): start again with the code.
      if (storage) storage.removeItem(STATE_KEY);
      extra = el("a", "alert-link", T.rejoin);
      extra.href = "/s/" + encodeURIComponent(state.session.code);
    }
    showError(message, ui.alert, extra);
  }

  function sync() {
    if (!state.joined || state.catchingUp) return;
    const myConn = connId;
    state.catchingUp = true;
    socket.timeout(ACK_TIMEOUT_MS).emit("sync", { session_id: SESSION_ID, since: state.applied }, (err, ack) => {
      if (myConn !== connId) return;
      if (err || !ack || !ack.ok) {
        state.catchingUp = false;
        if (ack && ack.error && ack.error.code === "not_joined") return join();
        drain(); // keeps the gap timer going: another sync later
        return;
      }
      applyCatchUp(ack);
    });
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
    state.catchingUp = true;
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
      if (next === "retry") setTimeout(pump, RETRY_MS);
      else if (next === "next") pump();
    });
  }

  /** Apply a command's ack; says what the pump does next: "next", "retry" or "wait". */
  function onCommandAck(cmd, ack) {
    if (handled.has(cmd.cid)) return "next";
    const code = ack && ack.error && ack.error.code;
    if (ack && !ack.ok && code === "not_joined") {
      // Keep it: join again; the outbox is sent again after the join.
      if (socket.connected) join();
      return "wait";
    }
    if (ack && !ack.ok && code === "internal_error") {
      const n = (internalRetries.get(cmd.cid) || 0) + 1;
      internalRetries.set(cmd.cid, n);
      if (n < MAX_INTERNAL_RETRIES) return "retry"; // nothing was changed: same cid, a bit later
    }
    if (ack && !ack.ok && code === "session_closed") {
      state.session = Object.assign({}, state.session, { closed: true });
      renderSession();
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
      const message = (ack && ack.error && ack.error.message) || T.conn_offline;
      const noteId = cmd.payload.note_id;
      const li = noteId && noteElement(noteId);
      showError(message, li ? li.querySelector(".note-alert") : ui.formAlert);
      if (cmd.name === "note.create" && !ui.text.value.trim()) {
        // Give the text back so it can be fixed and sent again.
        ui.kind.value = cmd.payload.kind;
        ui.text.value = cmd.payload.text;
        updateCounter();
      }
    }
    renderPending();
    renderAllControls();
    return "next";
  }

  // ------------------------------------------------------------- actions

  function checkText(text) {
    const max = settings().note_max_chars;
    if (!normalizedText(text)) return T.err_empty;
    if (codePoints(normalizedText(text)) > max) return fmt(T.err_too_long, { n: max });
    return null;
  }

  ui.form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (state.session.closed) return;
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

  function placeVote(id) {
    if (!state.notes.has(id)) return;
    clearError(noteElement(id).querySelector(".note-alert"));
    enqueue("vote.place", { note_id: id });
    renderNoteControls(id);
  }
  function withdrawVote(id) {
    if (!state.notes.has(id)) return;
    clearError(noteElement(id).querySelector(".note-alert"));
    enqueue("vote.withdraw", { note_id: id });
    renderNoteControls(id);
  }
  function deleteNote(id) {
    if (!state.notes.has(id)) return;
    if (!window.confirm(T.confirm_delete)) return;
    closeEditor(id, false);
    enqueue("note.delete", { note_id: id });
    renderNoteControls(id);
  }

  // Inline editor: a form in place of the note's body. Escape cancels.
  const editors = new Map(); // note id -> {form}
  let editorSeq = 0;

  function openEditor(id) {
    const note = state.notes.get(id);
    const li = noteElement(id);
    if (!note || !li || editors.has(id)) {
      if (editors.has(id)) editors.get(id).form.querySelector("textarea").focus();
      return;
    }
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
    area.value = note.text; // a textarea's value is text, never markup
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
      const current = state.notes.get(id);
      if (!current) return closeEditor(id, false);
      const fields = { note_id: id, text: area.value };
      if (kind.value !== current.kind) fields.kind = kind.value;
      const unchanged = normalizedText(area.value) === normalizedText(current.text) && !fields.kind;
      closeEditor(id, true);
      if (!unchanged) {
        enqueue("note.edit", fields);
        renderNoteControls(id);
      }
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
    art.querySelector(".note-foot").hidden = false;
    art.classList.remove("is-editing");
    const note = state.notes.get(id);
    if (note) renderNote(note); // changes that arrived while editing
    if (restoreFocus) {
      const btn = art.querySelector(".note-edit");
      if (btn) btn.focus();
    }
  }

  // Character counter of the compose form.
  let counterLiveTimer = null;
  function renderCounter(area, counter, liveEl) {
    const max = settings().note_max_chars;
    const used = codePoints(normalizedText(area.value));
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

  // Another tab of this browser changed the outbox: show it.
  window.addEventListener("storage", (ev) => {
    if (ev.key === OUTBOX_KEY) {
      renderPending();
      renderAllControls();
    }
  });
  window.addEventListener("pagehide", saveState);

  // --------------------------------------------------------------- start

  restoreState();
  memoryOutbox = outbox();
  saveOutbox(memoryOutbox); // drops what another participant left queued in this browser
  renderSession();
  if (state.hasBoard) renderBoard(); // what this browser knew: shown at once, even offline
  else renderPending();
  renderAllControls();
  updateCounter();
  setConnection("connecting");

  window.workshopRoom = {
    state: state,
    applied: () => state.applied,
    outbox: () => outbox().slice(),
    socket: socket,
  };
})();
