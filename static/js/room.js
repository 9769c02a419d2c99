/*
 * The live room of a lab session, for participants: a view on the live
 * client (live/client.js), which joins with the token (and `since` when this
 * page already holds a board), applies events in `seq` order, and sends the
 * commands of the outbox one at a time with their `cid` (docs/protocol.md).
 * Here the outbox lives in localStorage, written *before* a command is sent,
 * so what is written offline survives a reload and is sent once the
 * connection is back; the board and our `self` are saved too, so a reload
 * shows them at once and catches up with events.
 *
 * The session moves through phases (accoglienza → … → chiusa); what each
 * allows comes from the server (`session.commands`, board.allows), and the
 * room sees what the server lets it see (private notes as blank cards,
 * totals hidden until revealed). Our own notes come from `self`.
 *
 * The board, cluster and results rendering is views/room-board.js, the
 * inline editor and the character counters views/room-editor.js. User-written
 * text never becomes markup here: notes are shown through the server's
 * sanitized `html`, everything else through textContent.
 */
import { Board } from "./live/board.js";
import { FORCE_SNAPSHOT_SINCE, LiveClient } from "./live/client.js";
import { Countdown } from "./live/clock.js";
import { $, announcer, debounced, el, errorAlert, readJSON, StatusLine } from "./live/dom.js";
import { browserStorage, Outbox, readStored, sharedStore, writeStored } from "./live/outbox.js";
import { fmt, noteProblem, plural } from "./live/text.js";
import { roomBoard } from "./views/room-board.js";
import { roomEditor } from "./views/room-editor.js";
import { roomSimilar } from "./views/room-similar.js";

const config = readJSON("room-config");
const T = readJSON("room-strings");
const SESSION_ID = config.session.id;
const STATE_KEY = "workshop:room:" + SESSION_ID;
const OUTBOX_KEY = "workshop:outbox:" + SESSION_ID;

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
  similar: $("similar-notes"),
  similarList: $("similar-list"),
  similarHint: $("similar-hint"),
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

// ----------------------------------------------------------------- state

const board = new Board(config.session, false);
const state = {
  me: config.me, // Author: {id, pseudonym, category}
  token: config.token,
  self: null,
  selfSeq: -1,
  presence: null,
};
const storage = browserStorage();
const outbox = new Outbox(sharedStore(storage, OUTBOX_KEY, (c) => c.participant_id === state.me.id));

const settings = () => board.session.settings;
const phase = () => board.phase();
const canWrite = () => board.allows("participant", "note.create");
const canVote = () => board.allows("participant", "vote.place");
const kindLabel = (kind) => (T.kinds && T.kinds[kind]) || kind;
const categoryLabel = (key) => (config.categories && config.categories[key]) || key || "";
const phaseLabel = (p) => (T.phases && T.phases[p]) || board.session.phase_label || p;
const phaseHelp = (p) =>
  fmt((T.phase_help && T.phase_help[p]) || "", { dots: settings().dots_per_participant, cap: settings().cap_per_item });

/** What is still queued for one note or cluster. */
function pendingFor(type, id) {
  const p = { place: 0, withdraw: 0, edit: false, del: false };
  const field = type === "cluster" ? "cluster_id" : "note_id";
  for (const c of outbox.list()) {
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
  for (const c of outbox.list()) {
    if (c.name === "vote.place") used++;
    else if (c.name === "vote.withdraw") used--;
  }
  return used;
}

// ------------------------------------------------- announcements, alerts

const announce = announcer(ui.live);
let newNotes = [];
let newNotesTimer = null;
/** "Nuovo contributo di Anna", or "3 nuovi contributi" when several arrive at once. */
function announceNewNote(name) {
  newNotes.push(name);
  if (newNotesTimer) return;
  newNotesTimer = setTimeout(() => {
    newNotesTimer = null;
    const names = newNotes;
    newNotes = [];
    if (names.length === 1 && names[0]) announce(fmt(T.announce_new_note, { name: names[0] }));
    else announce(plural(T, names.length, "announce_new_notes_one", "announce_new_notes"));
  }, 300);
}

/** An error for people: shown where it happened and spoken. Never swallowed. */
function showError(message, where, extra) {
  const focusAfter = (box) => box.closest("article, section") || ui.text;
  (where || ui.formAlert).replaceChildren(errorAlert(T, message, { extra: extra, closeLabel: T.cancel, focusAfter: focusAfter }));
  announce(message);
}
function clearError(where) {
  (where || ui.formAlert).replaceChildren();
}

// ------------------------------------------------------------- the views

const ctx = {
  config, T, ui, board, state, outbox, settings, phase, canWrite, canVote,
  kindLabel, categoryLabel, phaseLabel, phaseHelp, pendingFor, pendingDotsUsed,
  announce, showError, clearError,
  vote: vote,
  deleteNote: deleteNote,
  hasBoard: () => client.seq.hasBoard,
  joined: () => client.joined,
  everJoined: () => client.everJoined,
  sync: (since) => client.sync(since),
  enqueue: enqueue,
};
const view = roomBoard(ctx);
ctx.view = view;
const editor = roomEditor(ctx);
ctx.editor = editor;
const status = new StatusLine(ui, T, () => ({ list: outbox.list(), joined: client.joined }));
ctx.status = status;

function renderAll() {
  view.renderSession();
  view.renderBoard();
  if (ctx.similar) ctx.similar.refresh();
}

const countdown = new Countdown({
  element: ui.timer,
  noneText: T.timer_none,
  onState: (st) => {
    ui.timerBox.hidden = st === "none" || phase() === "chiusa";
    ui.timerStatus.textContent = st === "paused" ? T.timer_paused : st === "expired" ? T.timer_over : "";
  },
  onMinute: () => announce(T.timer_minute),
  onZero: () => announce(T.timer_over),
});
ctx.countdown = countdown;

// ---------------------------------------------------------- persistence

const scheduleSave = debounced(() => {
  const base = { v: 2, participant_id: state.me.id, token: state.token, self_seq: state.selfSeq, self: state.self };
  const seq = client.seq;
  const full = Object.assign({}, base, {
    applied: seq.hasBoard ? seq.applied : null,
    board: seq.hasBoard ? board.toJSON() : null,
  });
  // Without room for the board, keep identity only: the next load asks for a snapshot.
  if (!writeStored(storage, STATE_KEY, full)) writeStored(storage, STATE_KEY, Object.assign(base, { applied: null, board: null }));
}, 250);
const saveState = scheduleSave.now;

/** Restore what an earlier page load knew, if it was the same participant. */
function restoreState() {
  const saved = readStored(storage, STATE_KEY);
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
    client.seq.applied = saved.applied;
    client.seq.hasBoard = true;
  }
}

// ------------------------------------------------------- applying state

function applySelf(s) {
  if (!s || s.session_id !== SESSION_ID) return;
  if (typeof s.seq === "number" && s.seq < state.selfSeq) return; // older than what we show
  const before = view.myNotes();
  state.selfSeq = typeof s.seq === "number" ? s.seq : state.selfSeq;
  state.self = s;
  if (s.participant) state.me = Object.assign({}, state.me, s.participant);
  if (client.everJoined) {
    for (const n of s.notes || []) {
      const old = before.get(n.id);
      if (old && !old.hidden && n.hidden) announce(T.announce_hidden_mine);
      if (old && old.hidden && !n.hidden) announce(T.announce_restored_mine);
    }
  }
  view.renderBoard();
  scheduleSave();
}

/** Whether a note is ours: by `self`, by author id, or (pseudonyms hidden) our note.create in flight. */
function isMineId(id, note) {
  if (view.myNotes().has(id)) return true;
  if (note && note.author && note.author.id) return note.author.id === state.me.id;
  return !!client.inFlight && outbox.list().some((c) => c.cid === client.inFlight && c.name === "note.create");
}

/** After the board applied an event: what to say about it. */
function applyEvent(e, quiet, change) {
  const d = e.data || {};
  if (quiet) {
    if (e.type === "note.created" && d.note && !change.known && !isMineId(d.note.id, d.note)) quiet.newNotes = (quiet.newNotes || 0) + 1;
    if (e.type === "phase.changed" || e.type === "session.closed") quiet.phase = true;
    return;
  }
  const note = d.note;
  switch (e.type) {
    case "note.created":
      if (note && !change.known && !isMineId(note.id, note)) announceNewNote((note.author && note.author.pseudonym) || "");
      break;
    case "note.edited":
      if (note && !isMineId(note.id, note) && note.author && note.author.pseudonym) {
        announce(fmt(T.announce_edited_other, { name: note.author.pseudonym }));
      }
      break;
    case "note.deleted":
      if (change.previous && !isMineId(d.note_id)) announce(T.announce_deleted);
      break;
    case "cluster.created":
      if (d.cluster) announce(fmt(T.announce_cluster, { title: d.cluster.title }));
      break;
    case "phase.changed":
      announce(fmt(T.announce_phase, { label: phaseLabel(board.session.phase), help: phaseHelp(board.session.phase) }));
      break;
    default:
      announce({
        "note.merged": T.announce_merged,
        "notes.revealed": T.announce_notes_revealed,
        "results.revealed": T.announce_results,
        "session.closed": T.announce_closed,
      }[e.type]);
  }
}

/** A join or sync ack was applied (snapshot or events). */
function caughtUp(ack, info) {
  if (ack.token) state.token = ack.token;
  const quiet = info.quiet;
  if (info.snapshot) {
    state.selfSeq = -1; // the server may have been reset: its seq starts again
    if (info.hadBoard) {
      const mine = view.myNotes();
      for (const id of info.notesLoaded) if (!info.notesBefore.has(id) && !mine.has(id)) quiet.newNotes = (quiet.newNotes || 0) + 1;
    }
  }
  applySelf(ack.self);
  if (ack.presence) view.applyPresence(ack.presence);
  if (info.hadBoard && client.everJoined && info.phaseBefore !== phase()) quiet.phase = true;
  renderAll();
  saveState();
}

function joined(ack, info) {
  clearError(ui.alert);
  const quiet = info.quiet;
  if (info.rejoin) announce(T.announce_restored);
  if (quiet.phase) announce(fmt(T.announce_phase, { label: phaseLabel(phase()), help: phaseHelp(phase()) }));
  if (quiet.newNotes) announce(plural(T, quiet.newNotes, "announce_new_notes_one", "announce_new_notes"));
  view.renderCounts();
}

function joinRefused(error, retrying) {
  const message = error.message || T.conn_offline;
  let extra = null;
  if (error.code === "invalid_token") {
    // This browser's identity is gone (e.g. the data were reset): start again with the code.
    if (storage) storage.removeItem(STATE_KEY);
    extra = el("a", "alert-link", T.rejoin);
    extra.href = "/s/" + encodeURIComponent(board.session.code);
  }
  showError(message, ui.alert, retrying ? null : extra);
}

/** «Ti restano 2 punti su 3.», counting dots still queued. */
function dotsLeftSentence() {
  const left = view.dotsLeft();
  const total = state.self ? state.self.dots_total : settings().dots_per_participant;
  const key = left === 0 ? "announce_dots_left_none" : left === 1 ? "announce_dots_left_one" : "announce_dots_left_other";
  return fmt(T[key], { n: left, total: total });
}

/** A command's final answer. */
function done(cmd, ack, error) {
  if (error && error.code === "session_closed") {
    board.session = Object.assign({}, board.session, { closed: true });
    client.sync(FORCE_SNAPSHOT_SINCE); // the frozen results
  }
  if (ack && ack.ok) {
    applySelf(ack.self);
    const said = {
      "note.create": T.announce_created,
      "note.edit": T.announce_edited,
      "note.delete": T.announce_deleted_mine,
      "vote.place": T.announce_vote,
      "vote.withdraw": T.announce_withdraw,
    }[cmd.name];
    // After a dot, what the person needs next: how many are left.
    announce(cmd.name === "vote.place" || cmd.name === "vote.withdraw" ? said + " " + dotsLeftSentence() : said);
    if (cmd.name === "note.create") clearError();
  } else {
    showError((error && error.message) || T.conn_offline, view.alertBoxFor(cmd.payload));
    if (cmd.name === "note.create" && !ui.text.value.trim()) {
      // Give the text back so it can be fixed and sent again.
      ui.kind.value = cmd.payload.kind;
      ui.text.value = cmd.payload.text;
      editor.updateCounter();
    }
  }
  renderAll();
}

const client = new LiveClient({
  sessionId: SESSION_ID,
  board: board,
  outbox: outbox,
  window: window,
  countdown: countdown,
  join: { event: "join", payload: () => ({ token: state.token }), since: true },
  onGap: "sync",
  hooks: {
    apply: applyEvent,
    changed: () => {
      renderAll();
      scheduleSave();
    },
    caughtUp: caughtUp,
    joined: joined,
    joinRefused: joinRefused,
    connection: (s) => status.connection(s),
    lost: (was) => {
      view.renderCounts();
      if (was) announce(T.announce_lost);
    },
    self: applySelf,
    presence: (p) => view.applyPresence(p),
    done: done,
    rateLimited: (n) => announce(fmt(T.announce_rate_limited, { n: n })),
  },
});

ctx.client = client; // the editor's similar notes ask through it (a read, never queued)
const similar = roomSimilar(ctx, client);
ctx.similar = similar;

// ------------------------------------------------------------- actions

/** Queue a command (persisted first), then try to send it. */
function enqueue(name, fields) {
  const cmd = client.send(name, fields, { participant_id: state.me.id });
  renderAll(); // a queued dot counts at once: buttons everywhere follow
  if (!client.joined) announce(T.announce_queued);
  return cmd;
}

ui.form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (!canWrite()) return;
  const problem = noteProblem(T, ui.text.value, settings().note_max_chars);
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
  similar.clear();
  editor.updateCounter();
  ui.text.focus();
});

function vote(name, type, id) {
  if (!canVote()) return;
  const field = type === "cluster" ? "cluster_id" : "note_id";
  if (type === "cluster" ? !board.clusters.has(id) : !view.shownNotes().has(id)) return;
  clearError(view.alertBoxFor({ [field]: id }));
  enqueue(name, { [field]: id });
}

function deleteNote(id) {
  if (!view.shownNotes().has(id) || !canWrite()) return;
  if (!window.confirm(T.confirm_delete)) return;
  editor.closeEditor(id, false);
  enqueue("note.delete", { note_id: id });
}

// Another tab of this browser changed the outbox: show it, and send what it queued.
window.addEventListener("storage", (ev) => {
  if (ev.key === OUTBOX_KEY) {
    renderAll();
    client.pump();
  }
});
window.addEventListener("pagehide", saveState);

// --------------------------------------------------------------- start

restoreState();
outbox.tidy(); // drops what another participant left queued in this browser
renderAll(); // what this browser knew: shown at once, even offline
editor.updateCounter();
status.connection("connecting");
if (typeof window.io === "function") client.connect(window.io, window);
else showError(T.conn_offline, ui.alert);

window.workshopRoom = {
  state: state,
  board: board,
  client: client,
  applied: () => client.seq.applied,
  outbox: () => outbox.list(),
  socket: client.socket,
};
