/*
 * The facilitator's control room (a laptop page, often shown on the projector
 * too). A staff client of the real-time protocol (docs/protocol.md §5.2, §6.3):
 *   - on every connect: `staff.join {session_id, view: "control"}`, whose
 *     answer is a staff snapshot (totals at all times, hidden notes with their
 *     reason, every participant); then the queued commands are sent;
 *   - events are applied in `seq` order like the room does (common.js); what
 *     events do not carry for staff (totals while hidden from the room, the
 *     split by category, hidden reasons) comes from `staff.state`, asked at
 *     most once a second after the events that need it, and on a gap;
 *   - every command has a fresh cid, goes out one at a time in order, and is
 *     sent again with the same cid after a timeout or a reconnection.
 *
 * Everything a pointer can do has a keyboard path: drag and drop of notes onto
 * clusters has the «Sposta in» menu on every note; merging uses checkboxes.
 * User-written text is shown through the server's sanitized `html` or
 * through textContent, never as markup.
 */
(function () {
  "use strict";

  const W = window.Workshop;
  const config = W.readJSON("control-config");
  const T = W.readJSON("control-strings");
  const SESSION_ID = config.session.id;
  const PHASES = config.phases.map((p) => p.key);
  const PHASE_LABEL = {};
  for (const p of config.phases) PHASE_LABEL[p.key] = p.label;
  const BACKWARD = config.backward || {};
  const AREA_CODES = Object.keys(config.areas || {}).sort();
  const ACK_TIMEOUT_MS = 10000;
  const RETRY_MS = 3000;
  const MAX_INTERNAL_RETRIES = 5;
  const STAFF_STATE_MIN_INTERVAL_MS = 1000;
  const OUTBOX_SHOW_AFTER_MS = 600;
  const DRAG_TYPE = "application/x-workshop-note";
  const MOVE_SETTLE_MS = 600;

  const $ = (id) => document.getElementById(id);
  const el = W.el;
  const fmt = W.fmt;
  const setText = (node, text) => {
    text = String(text);
    if (node.textContent !== text) node.textContent = text;
  };
  const ui = {
    root: document.querySelector(".control"),
    alert: $("control-alert"),
    live: $("live-region"),
    connection: $("connection-status"),
    connectionText: document.querySelector("#connection-status .connection-text"),
    outbox: $("outbox-status"),
    presence: $("presence"),
    closed: $("closed-notice"),
    hash: $("snapshot-hash"),
    phaseCurrent: $("phase-current"),
    phaseSteps: $("phase-steps"),
    phaseHint: $("phase-hint"),
    phaseNext: $("phase-next"),
    phaseBack: $("phase-back"),
    phaseBackHint: $("phase-back-hint"),
    timer: $("timer"),
    timerStatus: $("timer-status"),
    timerForm: $("timer-form"),
    timerMinutes: $("timer-minutes"),
    timerStart: $("timer-start"),
    timerPause: $("timer-pause"),
    timerResume: $("timer-resume"),
    timerExtend: $("timer-extend"),
    timerReset: $("timer-reset"),
    revealNotes: $("reveal-notes"),
    revealNotesState: $("reveal-notes-state"),
    revealResults: $("reveal-results"),
    revealResultsState: $("reveal-results-state"),
    offlineForm: $("offline-form"),
    offlineAlert: $("offline-alert"),
    offlinePseudonym: $("offline-pseudonym"),
    offlineCategory: $("offline-category"),
    offlineAdd: $("offline-add"),
    offlineList: $("offline-list"),
    actingAs: $("acting-as"),
    actingStatus: $("acting-as-status"),
    staffNoteForm: $("staff-note-form"),
    staffNoteAlert: $("staff-note-alert"),
    staffNoteKind: $("staff-note-kind"),
    staffNoteText: $("staff-note-text"),
    staffNoteClosed: $("staff-note-closed"),
    staffNoteSubmit: $("staff-note-submit"),
    boardTitle: $("board-title"),
    noteCount: $("note-count"),
    looseCount: $("loose-count"),
    selectionStatus: $("selection-status"),
    selectionKeep: $("selection-keep"),
    mergeSelected: $("merge-selected"),
    selectionClear: $("selection-clear"),
    clusterForm: $("cluster-form"),
    clusterTitle: $("cluster-new-title"),
    clusterCreate: $("cluster-create"),
    clusters: $("staff-clusters"),
    looseZone: $("loose-zone"),
    loose: $("staff-loose-notes"),
  };

  // ----------------------------------------------------------------- state

  const board = new W.Board(config.session, true);
  const state = {
    joined: false,
    everJoined: false,
    connection: "connecting",
    presence: null,
    selected: new Set(), // note ids, in the order they were ticked
    acting: "", // public id of the offline participant the staff types for
    behalf: new Map(), // offline participant id -> their last known Self (from acks)
    inline: new Map(), // note id -> {type: "hide"|"correct", form, trigger}
    renaming: new Map(), // cluster id -> {form, trigger}
    scoreDraft: new Map(), // cluster id -> {impatto, fattibilita, urgenza} not yet saved
    pendingAreas: new Map(), // cluster id -> areas sent, not yet acknowledged
    moveChoice: new Map(), // note id -> cluster chosen in its «Sposta in» menu, not yet acknowledged
  };
  const moveTimers = new Map();
  const seq = new W.Sequencer({
    gapMs: 2000,
    apply: applyEvent,
    changed: () => scheduleRender(),
    onGap: () => requestStaffState(true),
  });
  let connId = 0;

  function phase() {
    return board.session.closed ? "chiusa" : board.session.phase;
  }
  function settings() {
    return board.session.settings;
  }
  function isOpen() {
    return phase() !== "chiusa";
  }
  function inPhase() {
    return Array.prototype.indexOf.call(arguments, phase()) >= 0;
  }
  const can = {
    move: () => inPhase("raccolta", "raggruppamento"),
    cluster: () => inPhase("raccolta", "raggruppamento"),
    merge: () => inPhase("raccolta", "raggruppamento", "votazione"),
    score: () => inPhase("valutazione"),
    revealNotes: () => !inPhase("accoglienza", "chiusa") && !board.session.notes_revealed,
    revealResults: () => inPhase("votazione", "valutazione") && !board.session.results_revealed,
    voteFor: () => inPhase("votazione") && !!actingAuthor(),
    writeFor: () => inPhase("raccolta") && !!actingAuthor(),
  };
  function plural(n, one, other) {
    return fmt(n === 1 ? T[one] : T[other], { n: n });
  }
  function categoryLabel(key) {
    return (config.categories && config.categories[key]) || key || "";
  }
  function kindLabel(kind) {
    return (T.kinds && T.kinds[kind]) || kind;
  }
  function noteExcerpt(note) {
    return W.isPrivateStub(note) ? T.private_note + " #" + note.id : W.excerpt(note);
  }
  function actingAuthor() {
    return state.acting ? board.participants.get(state.acting) || null : null;
  }

  // ----------------------------------------------------- announcements, errors

  const announce = W.Announcer(ui.live);

  function showError(message, where) {
    const box = el("div", "alert alert-danger alert-dismissible");
    box.append(el("span", "visually-hidden", T.error_prefix + " "), document.createTextNode(message));
    const close = el("button", "btn-close");
    close.type = "button";
    close.setAttribute("aria-label", T.close);
    close.addEventListener("click", () => box.remove());
    box.append(close);
    // The alert region speaks it; a copy stays next to what it is about.
    ui.alert.replaceChildren(box);
    if (where && where !== ui.alert) {
      const copy = el("p", "local-error");
      copy.append(el("span", "visually-hidden", T.error_prefix + " "), document.createTextNode(message));
      where.replaceChildren(copy);
    }
  }
  // ---------------------------------------------------------------- outbox

  const queue = [];
  let inFlight = null;
  let pumpGen = 0;
  const handled = new Set();
  const internalRetries = new Map();

  /** Queue a staff command; `opts.where` is where its error goes, `onOk`/`onError` follow up. */
  function send(name, fields, opts) {
    const cid = W.newCid();
    const cmd = { cid: cid, name: name, payload: Object.assign({ cid: cid, session_id: SESSION_ID }, fields), opts: opts || {}, at: Date.now() };
    queue.push(cmd);
    renderOutbox();
    pump();
    return cmd;
  }
  function restartPump() {
    pumpGen++;
    inFlight = null;
    pump();
  }
  function pump() {
    if (!state.joined || inFlight) return;
    const cmd = queue[0];
    if (!cmd) return;
    const gen = pumpGen;
    const myConn = connId;
    inFlight = cmd.cid;
    socket.timeout(ACK_TIMEOUT_MS).emit(cmd.name, cmd.payload, (err, ack) => {
      const current = gen === pumpGen;
      if (current) inFlight = null;
      if (err) {
        // No answer: the same command (same cid) goes again, after a rejoin if needed.
        if (current && myConn === connId && socket.connected) setTimeout(pump, RETRY_MS);
        return;
      }
      const next = onAck(cmd, ack);
      if (!current) return;
      if (typeof next === "number") setTimeout(pump, next);
      else if (next === "next") pump();
    });
  }
  function retryAfter(error, fallback) {
    const s = error && error.params && Number(error.params.retry_after);
    return (s > 0 ? s : fallback) * 1000;
  }
  function onAck(cmd, ack) {
    if (handled.has(cmd.cid)) return "next";
    const error = ack && !ack.ok ? ack.error || {} : null;
    const code = error && error.code;
    if (code === "not_joined") {
      if (socket.connected) join();
      return "wait";
    }
    if (code === "internal_error" || code === "session_busy") {
      const n = (internalRetries.get(cmd.cid) || 0) + 1;
      internalRetries.set(cmd.cid, n);
      if (n < MAX_INTERNAL_RETRIES) return RETRY_MS;
    }
    if (code === "rate_limited") {
      const wait = retryAfter(error, 5);
      announce(fmt(T.announce_rate_limited, { n: Math.round(wait / 1000) }));
      return wait;
    }
    handled.add(cmd.cid);
    const i = queue.indexOf(cmd);
    if (i >= 0) queue.splice(i, 1);
    if (ack && ack.ok) {
      for (const e of ack.events || []) if (e && e.session_id === SESSION_ID) seq.offer(e);
      if (ack.on_behalf && cmd.payload.on_behalf_of) state.behalf.set(cmd.payload.on_behalf_of, ack.on_behalf);
      if (cmd.opts.where) cmd.opts.where.replaceChildren();
      if (cmd.opts.onOk) cmd.opts.onOk(ack);
      announce((T.announce_done && T.announce_done[cmd.name]) || "");
    } else {
      showError((error && error.message) || T.conn_offline, cmd.opts.where);
      if (cmd.opts.onError) cmd.opts.onError(error);
      if (code === "session_closed") requestStaffState(true);
    }
    renderOutbox();
    scheduleRender();
    return "next";
  }

  // ------------------------------------------------------------- the socket

  if (typeof window.io !== "function") {
    showError(T.conn_offline);
    return;
  }
  const socket = window.io({ transports: ["websocket", "polling"] });

  function join() {
    const myConn = connId;
    seq.catchingUp = true;
    setConnection("connecting");
    socket.timeout(ACK_TIMEOUT_MS).emit("staff.join", { session_id: SESSION_ID, view: "control" }, (err, ack) => {
      if (myConn !== connId) return;
      if (err) {
        if (socket.connected) setTimeout(() => myConn === connId && socket.connected && join(), RETRY_MS);
        return;
      }
      if (!ack || !ack.ok) {
        const error = (ack && ack.error) || {};
        showError(error.message || T.conn_offline);
        if (["rate_limited", "internal_error", "session_busy"].includes(error.code)) {
          setTimeout(() => myConn === connId && socket.connected && join(), error.code === "rate_limited" ? retryAfter(error, 10) : RETRY_MS);
        } else {
          setConnection("offline");
        }
        return;
      }
      const wasRejoin = state.everJoined;
      applySnapshot(ack);
      state.joined = true;
      state.everJoined = true;
      ui.alert.replaceChildren();
      setConnection("online");
      if (wasRejoin) announce(T.announce_restored);
      restartPump();
    });
  }

  /** A staff snapshot (from staff.join or staff.state) replaces the board. */
  function applySnapshot(ack) {
    if (ack.session && ack.session.timer) W.syncClock(ack.session.timer.server_now);
    board.load(ack);
    seq.snapshotAt(ack.head);
    seq.catchingUp = false;
    seq.drain();
    if (ack.presence) applyPresence(ack.presence);
    countdown.set(board.session.timer, true);
    shownTimer = board.session.timer;
    render();
  }

  // staff.state: at most once a second, grouped after bursts of events.
  let ssInFlight = false;
  let ssWanted = false;
  let ssLast = 0;
  let ssTimer = null;
  function requestStaffState(soon) {
    ssWanted = true;
    if (ssInFlight || ssTimer) return;
    const wait = Math.max(soon ? 0 : 250, ssLast + STAFF_STATE_MIN_INTERVAL_MS - Date.now());
    ssTimer = setTimeout(sendStaffState, wait);
  }
  function sendStaffState() {
    ssTimer = null;
    if (!state.joined) return; // the next staff.join brings a snapshot anyway
    ssWanted = false;
    ssInFlight = true;
    ssLast = Date.now();
    const myConn = connId;
    socket.timeout(ACK_TIMEOUT_MS).emit("staff.state", { session_id: SESSION_ID }, (err, ack) => {
      ssInFlight = false;
      if (myConn !== connId) return;
      if (!err && ack && ack.ok) applySnapshot(ack);
      else if (ack && ack.error && ack.error.code === "not_joined") return join();
      if (ssWanted || err) requestStaffState();
    });
  }

  /** Whether an event left out something staff see (then staff.state fills it in). */
  function needsStaffState(e) {
    const d = e.data || {};
    switch (e.type) {
      case "vote.placed":
      case "vote.withdrawn":
      case "note.hidden":
      case "note.merged":
      case "phase.changed":
      case "results.revealed":
      case "session.closed":
        return true;
      case "participant.joined":
        return !(d.participant && d.participant.id);
      case "note.created":
      case "note.edited":
      case "note.restored":
        return !!d.note && !W.isPrivateStub(d.note) && (d.note.votes === null || !(d.note.author && d.note.author.id));
      case "notes.revealed":
        return (d.notes || []).some((n) => n.votes === null || !(n.author && n.author.id));
      default:
        return false;
    }
  }

  function applyEvent(e) {
    const change = board.apply(e);
    if (needsStaffState(e)) requestStaffState();
    const d = e.data || {};
    switch (e.type) {
      case "note.created":
        if (!change.known) newNoteCount++;
        break;
      case "phase.changed":
        announce(fmt(T.announce_phase, { label: PHASE_LABEL[board.session.phase] || board.session.phase }));
        break;
      case "timer.changed":
        countdown.set(board.session.timer, true);
        shownTimer = board.session.timer;
        break;
      case "note.merged":
        for (const id of d.merged || []) state.selected.delete(id);
        break;
      default:
        break;
    }
    for (const id of change.removedNotes) state.selected.delete(id);
  }
  let newNoteCount = 0;
  setInterval(() => {
    if (!newNoteCount) return;
    announce(newNoteCount === 1 ? T.announce_new_note : fmt(T.announce_new_notes, { n: newNoteCount }));
    newNoteCount = 0;
  }, 5000);

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
    renderOutbox();
    if (was) announce(T.announce_lost);
  });
  socket.on("connect_error", () => {
    if (!socket.connected) setConnection("offline");
  });
  socket.on("event", (e) => {
    if (e && e.session_id === SESSION_ID) seq.offer(e);
  });
  socket.on("presence", applyPresence);
  window.addEventListener("offline", () => {
    if (socket.connected && socket.io.engine) socket.io.engine.close();
    setConnection("offline");
  });
  window.addEventListener("online", () => {
    if (!socket.connected) socket.connect();
  });

  // ------------------------------------------------------------- status

  function setConnection(next) {
    state.connection = next;
    ui.connection.dataset.state = next;
    setText(ui.connectionText, T["conn_" + next]);
  }
  let outboxTimer = null;
  function renderOutbox() {
    const now = Date.now();
    const waiting = queue.filter((c) => !state.joined || now - c.at >= OUTBOX_SHOW_AFTER_MS).length;
    if (waiting < queue.length) {
      clearTimeout(outboxTimer);
      outboxTimer = setTimeout(renderOutbox, OUTBOX_SHOW_AFTER_MS);
    }
    ui.outbox.hidden = waiting === 0;
    setText(ui.outbox, waiting ? plural(waiting, "outbox_one", "outbox_other") : "");
  }
  function applyPresence(p) {
    if (!p || p.session_id !== SESSION_ID) return;
    state.presence = p;
    renderPresence();
  }
  function renderPresence() {
    const p = state.presence;
    if (!p) return;
    let line = ui.presence.querySelector(".presence-count");
    if (!line) {
      ui.presence.replaceChildren();
      line = el("p", "presence-count mb-0");
      line.append(el("strong", "presence-total"));
      ui.presence.append(line, el("ul", "presence-breakdown"));
    }
    setText(line.querySelector(".presence-total"), p.connected ? plural(p.connected, "presence_one", "presence_other") : T.presence_none);
    const entries = Object.entries(p.by_category || {}).filter((e) => e[1] > 0);
    entries.sort((a, b) => b[1] - a[1]);
    const list = ui.presence.querySelector(".presence-breakdown");
    const text = entries.map((e) => W.shortLabel(categoryLabel(e[0])) + ": " + e[1]).join("|");
    if (list.dataset.text !== text) {
      list.dataset.text = text;
      list.replaceChildren(...entries.map((e) => {
        const li = el("li");
        li.title = categoryLabel(e[0]);
        li.append(el("span", null, W.shortLabel(categoryLabel(e[0]))), ": ", el("strong", null, String(e[1])));
        return li;
      }));
    }
  }

  // -------------------------------------------------------------- the timer

  let shownTimer = null;
  const countdown = new W.Countdown({
    element: ui.timer,
    noneText: T.timer_none,
    onState: (st) => {
      setText(ui.timerStatus, st === "paused" ? T.timer_paused : st === "expired" ? T.timer_over : "");
      renderTimerButtons();
    },
    onMinute: () => announce(T.timer_minute),
    onZero: () => announce(T.timer_over),
  });
  function renderTimerButtons() {
    const t = board.session.timer || {};
    const open = isOpen();
    const left = W.timerLeft(t);
    ui.timerStart.disabled = !open;
    ui.timerMinutes.disabled = !open;
    ui.timerPause.disabled = !open || !t.running || left === 0;
    ui.timerResume.disabled = !open || !!t.running || !t.duration_s || !(t.remaining_s > 0);
    ui.timerExtend.disabled = !open || !t.duration_s;
    ui.timerReset.disabled = !open || !t.duration_s;
  }

  // ------------------------------------------------------------- rendering

  let renderTimer = null;
  function scheduleRender() {
    if (renderTimer) return;
    renderTimer = setTimeout(render, 0);
  }
  function render() {
    clearTimeout(renderTimer);
    renderTimer = null;
    const active = document.activeElement;
    ui.root.dataset.phase = phase();
    renderSession();
    renderOffline();
    renderBoard();
    renderSelection();
    renderOutbox();
    if (active && active !== document.activeElement && active.isConnected && document.activeElement === document.body) {
      active.focus(); // e.g. a note that moved to another cluster: follow it
    }
  }

  function renderSession() {
    const s = board.session;
    const p = phase();
    // Phase
    ui.phaseCurrent.dataset.phase = p;
    setText(ui.phaseCurrent, PHASE_LABEL[p] || s.phase_label || p);
    const idx = PHASES.indexOf(p);
    Array.from(ui.phaseSteps.children).forEach((li, i) => {
      li.classList.toggle("is-done", i < idx);
      li.classList.toggle("is-current", i === idx);
      if (i === idx) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
      setText(li.querySelector(".phase-step-state"), i < idx ? "(" + T.phase_done + ")" : i === idx ? "(" + T.phase_now + ")" : "");
    });
    const next = isOpen() && idx >= 0 && idx < PHASES.length - 1 ? PHASES[idx + 1] : null;
    ui.phaseNext.hidden = !next;
    ui.phaseNext.dataset.phaseTarget = next || "";
    setText(ui.phaseNext, next ? fmt(T.next_phase, { label: PHASE_LABEL[next] }) : "");
    ui.phaseNext.classList.toggle("btn-danger", next === "chiusa");
    ui.phaseNext.classList.toggle("btn-primary", next !== "chiusa");
    const back = isOpen() ? BACKWARD[p] || null : null;
    ui.phaseBack.hidden = !back;
    ui.phaseBack.dataset.phaseTarget = back || "";
    setText(ui.phaseBack, back ? fmt(T.back_phase, { label: PHASE_LABEL[back] }) : "");
    const blocked = p === "votazione" && dotsPlacedAll() > 0;
    ui.phaseBack.disabled = blocked;
    ui.phaseBackHint.hidden = !(back && blocked);
    const hints = [(T.phase_hint && T.phase_hint[p]) || ""];
    if (next === "raggruppamento" && settings().private_writing && !s.notes_revealed) hints.push(T.hint_reveal_on_grouping);
    if (next === "chiusa") hints.push(T.hint_close);
    setText(ui.phaseHint, hints.filter(Boolean).join(" "));

    // Closed
    ui.closed.hidden = !s.closed;
    if (s.snapshot_hash) {
      setText(ui.hash, s.snapshot_hash);
      ui.hash.dataset.hash = s.snapshot_hash;
      ui.hash.title = s.snapshot_hash;
    }

    // Timer
    if (s.timer !== shownTimer) {
      shownTimer = s.timer;
      countdown.set(s.timer, false);
    }
    renderTimerButtons();

    // Reveals
    if (ui.revealNotes) {
      ui.revealNotes.disabled = !can.revealNotes();
      setText(ui.revealNotesState, s.notes_revealed ? T.announce_done["notes.reveal"] + "." : "");
    }
    ui.revealResults.disabled = !can.revealResults();
    setText(ui.revealResultsState, s.results_revealed ? T.announce_done["results.reveal"] + "." : "");

    // Board tools
    ui.clusterTitle.disabled = !can.cluster();
    ui.clusterCreate.disabled = !can.cluster();
  }

  function dotsPlacedAll() {
    let n = 0;
    for (const c of board.clusters.values()) n += c.votes || 0;
    for (const note of board.notes.values()) n += note.votes || 0;
    return n;
  }

  // ---- offline participants and "acting as" ------------------------------

  function offlineParticipants() {
    return Array.from(board.participants.values()).filter((p) => p.offline);
  }
  function renderOffline() {
    const people = offlineParticipants();
    const open = isOpen();
    ui.offlinePseudonym.disabled = !open;
    ui.offlineCategory.disabled = !open;
    ui.offlineAdd.disabled = !open;
    const sig = people.map((p) => p.id + ":" + p.pseudonym).join("|");
    if (ui.offlineList.dataset.sig !== sig) {
      ui.offlineList.dataset.sig = sig;
      ui.offlineList.replaceChildren(...(people.length ? people.map((p) => {
        const li = el("li");
        li.dataset.participantId = p.id;
        li.append(el("strong", null, p.pseudonym || "?"), " · ", el("span", null, categoryLabel(p.category)));
        return li;
      }) : [el("li", "offline-none", T.offline_none)]));
      // The "acting as" menu: keep the choice, rebuild the options.
      const keep = ui.actingAs.value;
      const options = [el("option", null, T.nobody)];
      options[0].value = "";
      for (const p of people) {
        const o = el("option", null, (p.pseudonym || "?") + " (" + W.shortLabel(categoryLabel(p.category)) + ")");
        o.value = p.id;
        options.push(o);
      }
      ui.actingAs.replaceChildren(...options);
      ui.actingAs.value = people.some((p) => p.id === keep) ? keep : "";
      state.acting = ui.actingAs.value;
    }
    ui.actingAs.disabled = !open;
    const who = actingAuthor();
    ui.staffNoteForm.hidden = !who;
    if (who) {
      const writable = can.writeFor();
      ui.staffNoteKind.disabled = !writable;
      ui.staffNoteText.disabled = !writable;
      ui.staffNoteSubmit.disabled = !writable;
      ui.staffNoteClosed.hidden = writable;
      setText(ui.staffNoteSubmit, fmt(T.acting_publish, { name: who.pseudonym }));
      const st = state.behalf.get(who.id);
      let status = st ? fmt(T.acting_dots, { name: who.pseudonym, left: st.dots_left, total: st.dots_total })
        : inPhase("votazione") ? fmt(T.acting_dots_unknown, { name: who.pseudonym }) : "";
      if (inPhase("votazione")) status += " " + fmt(T.acting_vote_hint, { name: who.pseudonym });
      setText(ui.actingStatus, status.trim());
    } else {
      setText(ui.actingStatus, "");
    }
  }

  // ---- the board -----------------------------------------------------------

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
  function placeChildren(container, nodes) {
    nodes.forEach((node, i) => {
      if (container.children[i] !== node) container.insertBefore(node, container.children[i] || null);
    });
    while (container.children.length > nodes.length) container.lastElementChild.remove();
  }

  function buildNote(id) {
    const li = el("li", "staff-note-item");
    li.dataset.noteId = String(id);
    const art = el("article", "staff-note note");
    art.dataset.noteId = String(id);
    art.tabIndex = -1;
    const headId = "staff-note-" + id + "-head";
    art.setAttribute("aria-labelledby", headId);

    const top = el("header", "staff-note-top");
    top.id = headId;
    const check = el("input", "note-select");
    check.type = "checkbox";
    check.id = "note-select-" + id;
    check.addEventListener("change", () => {
      if (check.checked) state.selected.add(id);
      else state.selected.delete(id);
      renderSelection();
    });
    top.append(check, el("span", "note-kind badge"), el("span", "note-number", "#" + id));
    const author = el("p", "note-author");
    const body = el("div", "note-body");
    const votes = el("div", "note-votes-box");
    const actions = el("div", "staff-note-actions");

    const moveWrap = el("div", "note-move-wrap");
    const moveLabel = el("label", "form-label", T.move_label);
    moveLabel.htmlFor = "note-move-" + id;
    const move = el("select", "form-select form-select-sm note-move");
    move.id = "note-move-" + id;
    // Arrow keys on a closed menu change it at every step: the move waits until the choice settles.
    move.addEventListener("change", () => {
      const target = move.value ? Number(move.value) : null;
      state.moveChoice.set(id, target);
      clearTimeout(moveTimers.get(id));
      moveTimers.set(id, setTimeout(() => {
        moveTimers.delete(id);
        const note = board.notes.get(id);
        const chosen = state.moveChoice.get(id);
        if (!note || (note.cluster_id || null) === chosen) {
          state.moveChoice.delete(id);
          return;
        }
        const done = () => {
          if (state.moveChoice.get(id) === chosen) state.moveChoice.delete(id);
          scheduleRender();
        };
        send("note.move", { note_id: id, cluster_id: chosen }, { where: alertOf(li), onOk: done, onError: done });
      }, MOVE_SETTLE_MS));
    });
    moveWrap.append(moveLabel, move);
    actions.append(moveWrap, el("div", "staff-note-buttons"));

    const inline = el("div", "note-inline");
    const alert = el("div", "note-alert");
    art.append(top, author, body, votes, actions, inline, alert);
    li.append(art);

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

  function alertOf(node) {
    return node ? node.querySelector(".note-alert") : null;
  }

  function renderNote(note, clusterOptions) {
    let li = noteElement(note.id);
    if (!li) li = buildNote(note.id);
    const art = li.firstElementChild;
    const stub = W.isPrivateStub(note);
    const hidden = !!note.hidden;
    art.dataset.kind = note.kind;
    art.classList.toggle("is-hidden", hidden);
    art.classList.toggle("note-private", stub);
    art.classList.toggle("is-selected", state.selected.has(note.id));
    const excerpt = noteExcerpt(note);
    setText(art.querySelector(".note-kind"), kindLabel(note.kind));

    const check = art.querySelector(".note-select");
    check.checked = state.selected.has(note.id);
    check.disabled = !isOpen();
    check.setAttribute("aria-label", fmt(T.select_label, { excerpt: excerpt }));

    const author = art.querySelector(".note-author");
    author.hidden = stub;
    if (!stub) {
      const a = note.author || {};
      const parts = [a.pseudonym || T.author_hidden, categoryLabel(a.category)];
      if (a.offline) parts.push(T.offline_mark);
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

    if ((state.inline.get(note.id) || {}).type !== "correct") {
      const body = art.querySelector(".note-body");
      if (stub) {
        if (body.dataset.html !== "\u0000private") {
          body.replaceChildren(el("p", "note-private-title", T.private_note), el("p", "note-private-hint", T.private_hint));
          body.dataset.html = "\u0000private";
        }
      } else if (body.dataset.html !== note.html) {
        body.innerHTML = note.html || ""; // sanitized by the server
        body.dataset.html = note.html || "";
      }
    }

    // Votes on loose notes (clusters carry their own).
    const loose = !note.cluster_id;
    const votesBox = art.querySelector(".note-votes-box");
    const showVotes = loose && !stub && !hidden && inPhase("votazione", "valutazione", "chiusa");
    votesBox.hidden = !showVotes;
    if (showVotes) renderVotes(votesBox, "note", note.id, note.votes);

    // Move menu
    const move = art.querySelector(".note-move");
    if (move.dataset.sig !== clusterOptions.sig) {
      move.dataset.sig = clusterOptions.sig;
      move.replaceChildren(...clusterOptions.build());
    }
    const choice = state.moveChoice.has(note.id) ? state.moveChoice.get(note.id) : note.cluster_id;
    move.value = choice ? String(choice) : "";
    move.disabled = !can.move() || hidden;
    move.setAttribute("aria-label", fmt(T.move_label_full, { excerpt: excerpt }));
    art.querySelector(".note-move-wrap").hidden = !isOpen();

    // Buttons exist only where they apply (a selector never finds a dead control).
    const id = note.id;
    const b = W.syncButtons(art.querySelector(".staff-note-buttons"), [
      { key: "correct", show: isOpen() && !stub && !hidden, make: () => onClick(button("btn-outline-secondary note-correct", T.correct), () => openCorrect(id)) },
      { key: "hide", show: isOpen() && !hidden, make: () => onClick(button("btn-outline-danger note-hide", T.hide), () => openHide(id)) },
      { key: "restore", show: isOpen() && hidden, make: () => onClick(button("btn-outline-primary note-restore", T.restore), () => send("note.restore", { note_id: id }, { where: alertOf(li) })) },
    ].concat(voteForSpecs("note", id, loose && !stub && !hidden)));
    if (b.correct) b.correct.setAttribute("aria-label", fmt(T.correct_label, { excerpt: excerpt }));
    if (b.hide) b.hide.setAttribute("aria-label", fmt(T.hide_label, { excerpt: excerpt }));
    if (b.restore) b.restore.setAttribute("aria-label", fmt(T.restore_label, { excerpt: excerpt }));
    renderVoteFor(b, "note", id, excerpt);

    art.draggable = can.move() && !hidden && !state.inline.has(note.id);
    art.classList.toggle("is-draggable", art.draggable);
    return li;
  }

  function onClick(node, handler) {
    node.addEventListener("click", handler);
    return node;
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
    const who = actingAuthor();
    const place = buttons["vote-place"];
    const withdraw = buttons["vote-withdraw"];
    if (!place || !who) return;
    setText(place, fmt(T.vote_for_place, { name: who.pseudonym }));
    setText(withdraw, fmt(T.vote_for_withdraw, { name: who.pseudonym }));
    place.setAttribute("aria-label", fmt(T.vote_for_place_label, { name: who.pseudonym, title: title }));
    withdraw.setAttribute("aria-label", fmt(T.vote_for_withdraw_label, { name: who.pseudonym, title: title }));
    const st = state.behalf.get(who.id);
    if (st) {
      const mine = ((type === "cluster" ? st.cluster_votes : st.votes) || {})[String(id)] || 0;
      place.disabled = st.dots_left <= 0 || mine >= settings().cap_per_item;
      withdraw.disabled = mine <= 0;
    } else {
      place.disabled = false;
      withdraw.disabled = false;
    }
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
    const strong = el("strong", type === "cluster" ? "cluster-votes" : "note-votes", plural(total, "votes_one", "votes_other"));
    strong.dataset.votes = String(total);
    line.append(strong);
    if (!board.session.results_revealed && inPhase("votazione", "valutazione")) line.append(" ", el("span", "votes-room-hidden", T.votes_hidden_room));
    box.replaceChildren(line);
    if (row && total > 0) {
      if (row.stale) {
        box.append(el("p", "vote-split-pending mb-0", T.split_pending));
      } else {
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
    }
  }
  let rowsCache = null;
  function resultRow(type, id) {
    if (!rowsCache) {
      rowsCache = new Map();
      for (const r of board.resultRows()) rowsCache.set(r.type + ":" + r.id, r);
    }
    return rowsCache.get(type + ":" + id) || null;
  }

  function buildCluster(id) {
    const sec = el("section", "staff-cluster drop-zone");
    sec.dataset.clusterId = String(id);
    sec.dataset.dropCluster = String(id);
    sec.dataset.dropLabel = T.drop_here;
    sec.tabIndex = -1;
    const titleId = "staff-cluster-" + id + "-title";
    sec.setAttribute("aria-labelledby", titleId);

    const head = el("header", "staff-cluster-head");
    const title = el("h3", "cluster-title h5");
    title.id = titleId;
    head.append(title, el("div", "staff-cluster-tools"));
    const renameBox = el("div", "cluster-rename-box");

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

    const votes = el("div", "cluster-votes-box");
    const voteForBox = el("div", "cluster-vote-for");

    const scores = el("form", "cluster-score-form");
    scores.noValidate = true;
    const fs = el("fieldset");
    fs.append(el("legend", "cluster-scores-legend", T.scores_legend));
    const row = el("div", "score-row");
    for (const crit of ["impatto", "fattibilita", "urgenza"]) {
      const wrap = el("div", "score-field");
      const label = el("label", "form-label", T["score_" + crit]);
      const select = el("select", "form-select form-select-sm score-" + crit);
      select.id = "score-" + crit + "-" + id;
      label.htmlFor = select.id;
      const empty = el("option", null, "—");
      empty.value = "";
      select.append(empty);
      for (let v = 1; v <= 5; v++) {
        const o = el("option", null, String(v));
        o.value = String(v);
        select.append(o);
      }
      select.addEventListener("change", () => {
        const draft = Object.assign({}, state.scoreDraft.get(id) || currentScores(id));
        draft[crit] = select.value ? Number(select.value) : null;
        state.scoreDraft.set(id, draft);
      });
      wrap.append(label, select);
      row.append(wrap);
    }
    const save = el("button", "btn btn-sm btn-primary score-save", T.score_save);
    save.type = "submit";
    row.append(save);
    fs.append(row);
    const scoreState = el("p", "score-state small-print mb-0");
    scores.append(fs, scoreState);
    scores.addEventListener("submit", (ev) => {
      ev.preventDefault();
      saveScores(id, sec);
    });

    const list = el("ul", "staff-notes");
    list.setAttribute("aria-labelledby", titleId);
    const empty = el("p", "drop-empty small-print", T.drop_empty);
    const alert = el("div", "note-alert");
    sec.append(head, renameBox, alert, areas, votes, voteForBox, scores, list, empty);
    wireDropZone(sec);
    return sec;
  }

  function currentScores(id) {
    const c = board.clusters.get(id);
    return Object.assign({ impatto: null, fattibilita: null, urgenza: null }, (c && c.scores) || {});
  }

  function renderCluster(c, noteCount) {
    let sec = clusterElement(c.id);
    if (!sec) sec = buildCluster(c.id);
    setText(sec.querySelector(".cluster-title"), c.title);
    const open = isOpen();
    const id = c.id;
    const tools = W.syncButtons(sec.querySelector(".staff-cluster-tools"), [
      { key: "rename", show: open, make: () => onClick(button("btn-outline-secondary cluster-rename", T.rename), () => openRename(id)) },
      { key: "dissolve", show: can.cluster(), make: () => onClick(button("btn-outline-danger cluster-dissolve", T.dissolve), () => {
        const current = board.clusters.get(id);
        if (!current || !window.confirm(fmt(T.confirm_dissolve, { title: current.title }))) return;
        send("cluster.dissolve", { cluster_id: id }, { where: alertOf(sec) });
      }) },
    ]);
    if (tools.rename) tools.rename.setAttribute("aria-label", fmt(T.rename_label, { title: c.title }));
    if (tools.dissolve) tools.dissolve.setAttribute("aria-label", fmt(T.dissolve_label, { title: c.title }));

    const areas = state.pendingAreas.get(c.id) || c.areas || [];
    for (const box of sec.querySelectorAll("input.cluster-area")) {
      box.checked = areas.indexOf(box.value) >= 0;
      box.disabled = !open;
    }

    const votesBox = sec.querySelector(".cluster-votes-box");
    const showVotes = inPhase("votazione", "valutazione", "chiusa");
    votesBox.hidden = !showVotes;
    if (showVotes) renderVotes(votesBox, "cluster", c.id, c.votes);
    const voteBox = sec.querySelector(".cluster-vote-for");
    renderVoteFor(W.syncButtons(voteBox, voteForSpecs("cluster", id, true)), "cluster", id, c.title);
    voteBox.hidden = voteBox.children.length === 0;

    const form = sec.querySelector(".cluster-score-form");
    form.hidden = !(can.score() || (phase() === "chiusa" && c.scores));
    const values = state.scoreDraft.get(c.id) || currentScores(c.id);
    for (const crit of ["impatto", "fattibilita", "urgenza"]) {
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
    const byVotes = inPhase("valutazione", "chiusa");
    const clusters = board.clusterList(byVotes);
    const options = {
      sig: clusters.map((c) => c.id + ":" + c.title).join("|"),
      build: () => {
        const none = el("option", null, T.no_cluster);
        none.value = "";
        return [none].concat(clusters.slice().sort((a, b) => a.id - b.id).map((c) => {
          const o = el("option", null, W.shorten(c.title, 60));
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
    setText(ui.selectionStatus, n === 0 ? T.selection_none : plural(n, "selection_one", "selection_other"));
    ui.selectionKeep.hidden = n < 2;
    if (n >= 2) setText(ui.selectionKeep, fmt(T.selection_keep, { excerpt: noteExcerpt(board.notes.get(ids[0])) }));
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

  // ------------------------------------------------------------- actions

  // Phase
  function onPhaseButton(ev) {
    const target = ev.currentTarget.dataset.phaseTarget;
    if (!target || !isOpen()) return;
    if (target === "chiusa" && !window.confirm(T.confirm_close)) return;
    send("phase.set", { phase: target }, {});
  }
  ui.phaseNext.addEventListener("click", onPhaseButton);
  ui.phaseBack.addEventListener("click", onPhaseButton);

  // Timer
  ui.timerForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const minutes = Number(ui.timerMinutes.value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 240) {
      ui.timerMinutes.setAttribute("aria-invalid", "true");
      showError(T.timer_minutes_invalid);
      ui.timerMinutes.focus();
      return;
    }
    ui.timerMinutes.removeAttribute("aria-invalid");
    send("timer.control", { action: "start", seconds: minutes * 60 }, {});
  });
  ui.timerPause.addEventListener("click", () => send("timer.control", { action: "pause" }, {}));
  ui.timerResume.addEventListener("click", () => send("timer.control", { action: "resume" }, {}));
  ui.timerExtend.addEventListener("click", () => send("timer.control", { action: "extend", seconds: 60 }, {}));
  ui.timerReset.addEventListener("click", () => send("timer.control", { action: "reset" }, {}));

  // Reveals
  if (ui.revealNotes) ui.revealNotes.addEventListener("click", () => send("notes.reveal", {}, {}));
  ui.revealResults.addEventListener("click", () => send("results.reveal", {}, {}));

  // Selection, merge, new cluster
  ui.selectionClear.addEventListener("click", () => {
    state.selected.clear();
    renderSelection();
  });
  ui.mergeSelected.addEventListener("click", () => {
    const ids = Array.from(state.selected).filter((id) => board.notes.has(id));
    if (ids.length < 2) return showError(T.merge_need_two);
    const into = board.notes.get(ids[0]);
    if (!window.confirm(fmt(T.confirm_merge, { n: ids.length, excerpt: noteExcerpt(into) }))) return;
    send("note.merge", { into_note_id: ids[0], note_ids: ids.slice(1) }, {
      onOk: () => {
        state.selected.clear();
        scheduleRender();
      },
    });
  });
  ui.clusterForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const title = ui.clusterTitle.value.trim();
    if (!title) {
      ui.clusterTitle.setAttribute("aria-invalid", "true");
      showError(T.cluster_title_needed);
      ui.clusterTitle.focus();
      return;
    }
    ui.clusterTitle.removeAttribute("aria-invalid");
    const ids = Array.from(state.selected).filter((id) => board.notes.has(id));
    // The title and the selection go with this request at once, so the next
    // cluster can be made before the answer comes without taking these notes
    // along; both are given back if it is refused.
    ui.clusterTitle.value = "";
    for (const id of ids) state.selected.delete(id);
    scheduleRender();
    send("cluster.create", { title: title, note_ids: ids }, {
      onOk: () => scheduleRender(),
      onError: () => {
        if (!ui.clusterTitle.value) ui.clusterTitle.value = title;
        if (state.selected.size === 0) for (const id of ids) if (board.notes.has(id)) state.selected.add(id);
        scheduleRender();
      },
    });
  });

  function moveNote(id, clusterId) {
    const li = noteElement(id);
    send("note.move", { note_id: id, cluster_id: clusterId }, { where: alertOf(li), onError: () => scheduleRender() });
  }

  function tagCluster(id) {
    const sec = clusterElement(id);
    if (!sec) return;
    const areas = Array.from(sec.querySelectorAll("input.cluster-area")).filter((b) => b.checked).map((b) => b.value);
    state.pendingAreas.set(id, areas);
    const done = () => {
      if (state.pendingAreas.get(id) === areas) state.pendingAreas.delete(id);
      scheduleRender();
    };
    send("cluster.tag", { cluster_id: id, areas: areas }, { where: alertOf(sec), onOk: done, onError: done });
  }

  function saveScores(id, sec) {
    const values = state.scoreDraft.get(id) || currentScores(id);
    if (!values.impatto || !values.fattibilita || !values.urgenza) {
      showError(T.score_missing, alertOf(sec));
      return;
    }
    send("score.record", { cluster_id: id, impatto: values.impatto, fattibilita: values.fattibilita, urgenza: values.urgenza }, {
      where: alertOf(sec),
      onOk: () => {
        if (state.scoreDraft.get(id) === values) state.scoreDraft.delete(id);
        announce(fmt(T.score_saved, values));
      },
    });
  }

  function voteFor(name, type, id) {
    const who = actingAuthor();
    if (!who || !can.voteFor()) return;
    const field = type === "cluster" ? "cluster_id" : "note_id";
    const holder = type === "cluster" ? clusterElement(id) : noteElement(id);
    send(name, { [field]: id, on_behalf_of: who.id }, { where: alertOf(holder) });
  }

  // Offline participants
  ui.offlineForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const pseudonym = ui.offlinePseudonym.value.trim();
    if (!pseudonym) {
      ui.offlinePseudonym.setAttribute("aria-invalid", "true");
      showError(T.offline_pseudonym_needed, ui.offlineAlert);
      ui.offlinePseudonym.focus();
      return;
    }
    ui.offlinePseudonym.removeAttribute("aria-invalid");
    ui.offlinePseudonym.value = "";
    send("participant.add_offline", { pseudonym: pseudonym, category: ui.offlineCategory.value }, {
      where: ui.offlineAlert,
      onError: () => {
        if (!ui.offlinePseudonym.value) ui.offlinePseudonym.value = pseudonym;
      },
      onOk: (ack) => {
        const p = ack.participant;
        if (p && p.id) board.participants.set(p.id, p);
        announce(fmt(T.offline_added, { name: (p && p.pseudonym) || pseudonym }));
        scheduleRender();
      },
    });
  });
  ui.actingAs.addEventListener("change", () => {
    state.acting = ui.actingAs.value;
    scheduleRender();
  });
  ui.staffNoteForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const who = actingAuthor();
    if (!who || !can.writeFor()) return;
    const text = ui.staffNoteText.value;
    const max = settings().note_max_chars;
    const problem = !text.trim() ? T.err_empty : W.codePoints(text.trim()) > max ? fmt(T.err_too_long, { n: max }) : null;
    if (problem) {
      ui.staffNoteText.setAttribute("aria-invalid", "true");
      showError(problem, ui.staffNoteAlert);
      ui.staffNoteText.focus();
      return;
    }
    ui.staffNoteText.removeAttribute("aria-invalid");
    ui.staffNoteText.value = "";
    send("note.create", { kind: ui.staffNoteKind.value, text: text, on_behalf_of: who.id }, {
      where: ui.staffNoteAlert,
      onError: () => {
        if (!ui.staffNoteText.value) ui.staffNoteText.value = text;
      },
    });
  });

  // ---- inline forms: hide with a reason, correct a note, rename a cluster ----

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
    const hint = el("p", "small-print mb-1", T.escape_hint);
    const alert = el("div", "inline-alert");
    const buttons = el("div", "inline-buttons");
    const ok = el("button", "btn btn-sm btn-primary", opts.submit);
    ok.type = "submit";
    const cancel = el("button", "btn btn-sm btn-outline-secondary", T.cancel);
    cancel.type = "button";
    buttons.append(ok, cancel);
    form.append(hint, alert, buttons);
    cancel.addEventListener("click", () => opts.close(true));
    form.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        opts.close(true);
      }
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const values = {};
      for (const input of fields) values[input.name] = input.value;
      const problem = opts.check(values);
      if (problem) {
        alert.replaceChildren(el("p", "local-error", problem));
        fields[0].setAttribute("aria-invalid", "true");
        fields[0].focus();
        showError(problem);
        return;
      }
      opts.submitValues(values);
    });
    return { form: form, fields: fields };
  }
  let inlineSeq = 0;

  function closeInline(id, restoreFocus) {
    const open = state.inline.get(id);
    if (!open) return;
    state.inline.delete(id);
    open.form.remove();
    const li = noteElement(id);
    if (li) li.firstElementChild.querySelector(".note-body").hidden = false;
    scheduleRender();
    if (restoreFocus && open.trigger && open.trigger.isConnected) {
      if (!open.trigger.hidden && !open.trigger.disabled) open.trigger.focus();
      else if (li) li.firstElementChild.focus();
    }
  }

  function openHide(id) {
    const li = noteElement(id);
    if (!li || !board.notes.has(id)) return;
    if (state.inline.has(id)) closeInline(id, false);
    const art = li.firstElementChild;
    const trigger = art.querySelector(".note-hide");
    const made = inlineForm({
      fields: [{ name: "reason", label: T.hide_reason, maxlength: 300 }],
      submit: T.hide_confirm,
      close: (focus) => closeInline(id, focus),
      check: (v) => (!v.reason.trim() ? T.hide_reason : null),
      submitValues: (v) => {
        const reason = v.reason.trim();
        closeInline(id, false);
        send("note.hide", { note_id: id, reason: reason }, {
          where: alertOf(li),
          onOk: () => {
            const note = board.notes.get(id);
            if (note) note.hidden_reason = reason; // staff.state confirms it
            scheduleRender();
            setTimeout(() => {
              const restore = art.querySelector(".note-restore"); // created by the render
              if (restore && (document.activeElement === document.body || art.contains(document.activeElement))) restore.focus();
            }, 0);
          },
        });
      },
    });
    state.inline.set(id, { type: "hide", form: made.form, trigger: trigger });
    art.querySelector(".note-inline").append(made.form);
    scheduleRender();
    made.fields[0].focus();
  }

  function openCorrect(id) {
    const li = noteElement(id);
    const note = board.notes.get(id);
    if (!li || !note || W.isPrivateStub(note)) return;
    if (state.inline.has(id)) closeInline(id, false);
    const art = li.firstElementChild;
    const trigger = art.querySelector(".note-correct");
    const kinds = settings().note_kinds.map((k) => [k, kindLabel(k)]);
    const made = inlineForm({
      fields: [
        { name: "kind", label: T.correct_kind, tag: "select", options: kinds, value: note.kind },
        { name: "text", label: T.correct_text, tag: "textarea", value: note.text || "" },
      ],
      submit: T.save,
      close: (focus) => closeInline(id, focus),
      check: (v) => {
        const max = settings().note_max_chars;
        if (!v.text.trim()) return T.err_empty;
        if (W.codePoints(v.text.trim()) > max) return fmt(T.err_too_long, { n: max });
        return null;
      },
      submitValues: (v) => {
        const current = board.notes.get(id);
        closeInline(id, true);
        if (!current) return;
        const fields = { note_id: id, text: v.text };
        if (v.kind !== current.kind) fields.kind = v.kind;
        if (v.text.trim() === (current.text || "").trim() && !fields.kind) return;
        send("note.edit", fields, { where: alertOf(li) });
      },
    });
    state.inline.set(id, { type: "correct", form: made.form, trigger: trigger });
    art.querySelector(".note-body").hidden = true;
    art.querySelector(".note-inline").append(made.form);
    scheduleRender();
    made.fields[1].focus();
  }

  function openRename(id) {
    const sec = clusterElement(id);
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
      fields: [{ name: "title", label: T.rename_field, maxlength: 200, value: c.title }],
      submit: T.save,
      close: close,
      check: (v) => (!v.title.trim() ? T.cluster_title_needed : null),
      submitValues: (v) => {
        close(true);
        if (v.title.trim() !== c.title) send("cluster.rename", { cluster_id: id, title: v.title.trim() }, { where: alertOf(sec) });
      },
    });
    state.renaming.set(id, { form: made.form });
    sec.querySelector(".cluster-rename-box").append(made.form);
    made.fields[0].focus();
    made.fields[0].select();
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
      moveNote(id, target);
    });
  }
  ui.looseZone.dataset.dropLabel = T.drop_here;
  wireDropZone(ui.looseZone);

  // ----------------------------------------------------------------- start

  render();
  setConnection("connecting");
  window.workshopControl = { board: board, state: state, socket: socket, applied: () => seq.applied, queue: queue };
})();
