/*
 * The facilitator's control room (a laptop page, often shown on the projector
 * too): a staff view on the live client (live/client.js, docs/protocol.md
 * §5.2, §6.3):
 *   - on every connect: `staff.join {session_id, view: "control"}`, whose
 *     answer is a staff snapshot (totals at all times, hidden notes with their
 *     reason, every participant); then the queued commands are sent;
 *   - events are applied in `seq` order like the room does; what events do
 *     not carry for staff (totals while hidden from the room, the split by
 *     category, hidden reasons) comes from `staff.state`, asked at most once a
 *     second after the events that need it, and on a gap;
 *   - every command has a fresh cid, goes out one at a time in order, and is
 *     sent again with the same cid after a timeout or a reconnection.
 * What each phase allows comes from the server (`session.commands`).
 *
 * This file holds the session's panels (phase, timer, reveals, people without
 * a phone); the board (notes, clusters, votes, drag and drop) is
 * views/control-board.js, the inline forms (hide, correct, rename)
 * views/control-forms.js. Everything a pointer can do has a keyboard path.
 * User-written text is shown through the server's sanitized `html` or through
 * textContent, never as markup.
 */
import { Board, isPrivateStub } from "./live/board.js";
import { LiveClient } from "./live/client.js";
import { Countdown, timerLeft } from "./live/clock.js";
import { $, announcer, debounced, el, excerpt, keepingFocus, presenceText, readJSON, setText, StatusLine } from "./live/dom.js";
import { Outbox } from "./live/outbox.js";
import { fmt, noteProblem, shortLabel } from "./live/text.js";
import { controlBoard } from "./views/control-board.js";
import { controlForms } from "./views/control-forms.js";
import { controlSuggest } from "./views/control-suggest.js";
import { goToCard, watchSimilar } from "./views/room-similar.js";

const config = readJSON("control-config");
const T = readJSON("control-strings");
const SESSION_ID = config.session.id;
const PHASES = config.phases.map((p) => p.key);
const PHASE_LABEL = {};
for (const p of config.phases) PHASE_LABEL[p.key] = p.label;
const BACKWARD = config.backward || {};

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
  offlineTerritory: $("offline-territory"), // absent when the admin keeps no territories
  offlineAdd: $("offline-add"),
  offlineList: $("offline-list"),
  actingAs: $("acting-as"),
  actingStatus: $("acting-as-status"),
  staffNoteForm: $("staff-note-form"),
  staffNoteAlert: $("staff-note-alert"),
  staffNoteKind: $("staff-note-kind"),
  staffNoteText: $("staff-note-text"),
  staffSimilar: $("staff-similar"),
  staffSimilarList: $("staff-similar-list"),
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
  suggestButton: $("suggest-groups"),
  suggestStatus: $("suggest-status"),
  suggestPanel: $("suggest-panel"),
  suggestTitle: $("suggest-title"),
  suggestList: $("suggest-list"),
  suggestEmpty: $("suggest-empty"),
  suggestClose: $("suggest-close"),
  loose: $("staff-loose-notes"),
};

// ----------------------------------------------------------------- state

const board = new Board(config.session, true);
const state = {
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
const outbox = new Outbox();

const phase = () => board.phase();
const settings = () => board.session.settings;
const staffMay = (command) => board.allows("staff", command);
/** What the controls may do now: the server's table of phases (session.commands). */
const can = {
  open: () => phase() !== "chiusa",
  move: () => staffMay("note.move"),
  cluster: () => staffMay("cluster.create"),
  dissolve: () => staffMay("cluster.dissolve"),
  merge: () => staffMay("note.merge"),
  score: () => staffMay("score.record"),
  revealNotes: () => staffMay("notes.reveal") && !board.session.notes_revealed,
  revealResults: () => staffMay("results.reveal") && !board.session.results_revealed,
  voteFor: () => board.allows("participant", "vote.place") && !!actingAuthor(),
  writeFor: () => board.allows("participant", "note.create") && !!actingAuthor(),
};
const kindLabel = (kind) => (T.kinds && T.kinds[kind]) || kind;
const categoryLabel = (key) => (config.categories && config.categories[key]) || key || "";
const noteExcerpt = (note) => (isPrivateStub(note) ? T.private_note + " #" + note.id : excerpt(note));
function actingAuthor() {
  return state.acting ? board.participants.get(state.acting) || null : null;
}

// ----------------------------------------------------- announcements, errors

const announce = announcer(ui.live);

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

/** Queue a staff command; `opts.where` is where its error goes, `onOk`/`onError` follow up. */
function send(name, fields, opts) {
  const cmd = client.send(name, fields, { opts: opts || {} });
  status.outbox();
  return cmd;
}

/** A command's final answer. */
function done(cmd, ack, error) {
  const opts = cmd.opts || {};
  if (ack && ack.ok) {
    if (ack.on_behalf && cmd.payload.on_behalf_of) state.behalf.set(cmd.payload.on_behalf_of, ack.on_behalf);
    if (opts.where) opts.where.replaceChildren();
    if (opts.onOk) opts.onOk(ack);
    announce((T.announce_done && T.announce_done[cmd.name]) || "");
  } else {
    showError((error && error.message) || T.conn_offline, opts.where);
    if (opts.onError) opts.onError(error);
    if (error && error.code === "session_closed") client.requestState(true);
  }
  status.outbox();
  scheduleRender();
}

/** Whether an event left out something staff see (then staff.state fills it in). */
function needsStaffState(e) {
  const d = e.data || {};
  const partial = (n) => n.votes === null || !(n.author && n.author.id);
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
      return !!d.note && !isPrivateStub(d.note) && partial(d.note);
    case "notes.revealed":
      return (d.notes || []).some(partial);
    default:
      return false;
  }
}

let newNoteCount = 0;
function applyEvent(e, quiet, change) {
  if (needsStaffState(e)) client.requestState();
  if (e.type === "note.created" && !change.known) newNoteCount++;
  if (e.type === "phase.changed") announce(fmt(T.announce_phase, { label: PHASE_LABEL[board.session.phase] || board.session.phase }));
  for (const id of change.removedNotes) state.selected.delete(id);
}
setInterval(() => {
  if (!newNoteCount) return;
  announce(newNoteCount === 1 ? T.announce_new_note : fmt(T.announce_new_notes, { n: newNoteCount }));
  newNoteCount = 0;
}, 5000);

// -------------------------------------------------------------- the timer

const countdown = new Countdown({
  element: ui.timer,
  noneText: T.timer_none,
  onState: (st) => {
    setText(ui.timerStatus, st === "paused" ? T.timer_paused : st === "expired" ? T.timer_over : "");
    renderTimerButtons();
  },
  onMinute: () => announce(T.timer_minute),
  onZero: () => announce(T.timer_over),
});

const client = new LiveClient({
  sessionId: SESSION_ID,
  board: board,
  outbox: outbox,
  countdown: countdown,
  join: { event: "staff.join", payload: () => ({ session_id: SESSION_ID, view: "control" }), since: false },
  stateView: "control",
  onGap: "state",
  hooks: {
    apply: applyEvent,
    changed: () => scheduleRender(),
    caughtUp: (ack) => {
      if (ack.presence) applyPresence(ack.presence);
      render();
    },
    joined: (ack, info) => {
      ui.alert.replaceChildren();
      if (info.rejoin) announce(T.announce_restored);
    },
    joinRefused: (error) => showError(error.message || T.conn_offline),
    connection: (s) => status.connection(s),
    lost: (was) => {
      status.outbox();
      if (was) announce(T.announce_lost);
    },
    presence: applyPresence,
    done: done,
    rateLimited: (n) => announce(fmt(T.announce_rate_limited, { n: n })),
  },
});
const status = new StatusLine(ui, T, () => ({ list: outbox.list(), joined: client.joined }));

// ------------------------------------------------------------- the views

const ctx = {
  config, T, ui, board, state, can, phase, settings, kindLabel, categoryLabel, noteExcerpt, actingAuthor,
  announce, showError, send, scheduleRender: () => scheduleRender(),
};
const view = controlBoard(ctx);
ctx.view = view;
const forms = controlForms(ctx);
ctx.forms = forms;
const suggestions = controlSuggest(ctx, client);
// «Agisci per conto di»: the notes that say nearly the same, as the room shows them while typing.
const onBehalfSimilar = watchSimilar({
  T,
  client,
  area: ui.staffNoteText,
  box: ui.staffSimilar,
  list: ui.staffSimilarList,
  canAsk: () => can.writeFor(),
  maxChars: () => settings().note_max_chars,
  known: (id) => board.notes.has(id),
  goTo: (id) => goToCard(ctx, id),
  kindLabel,
  announce,
});

// ------------------------------------------------------------- status

function applyPresence(p) {
  state.presence = p;
  let line = ui.presence.querySelector(".presence-count");
  if (!line) {
    line = el("p", "presence-count mb-0");
    line.append(el("strong", "presence-total"));
    ui.presence.replaceChildren(line, el("ul", "presence-breakdown"));
  }
  setText(line.querySelector(".presence-total"), presenceText(T, p));
  const entries = Object.entries(p.by_category || {}).filter((e) => e[1] > 0);
  entries.sort((a, b) => b[1] - a[1]);
  const list = ui.presence.querySelector(".presence-breakdown");
  const text = entries.map((e) => shortLabel(categoryLabel(e[0])) + ": " + e[1]).join("|");
  if (list.dataset.text !== text) {
    list.dataset.text = text;
    list.replaceChildren(...entries.map((e) => {
      const li = el("li");
      li.title = categoryLabel(e[0]);
      li.append(el("span", null, shortLabel(categoryLabel(e[0]))), ": ", el("strong", null, String(e[1])));
      return li;
    }));
  }
}

function renderTimerButtons() {
  const t = board.session.timer || {};
  const open = staffMay("timer.control");
  const left = timerLeft(t);
  ui.timerStart.disabled = !open;
  ui.timerMinutes.disabled = !open;
  ui.timerPause.disabled = !open || !t.running || left === 0;
  ui.timerResume.disabled = !open || !!t.running || !t.duration_s || !(t.remaining_s > 0);
  ui.timerExtend.disabled = !open || !t.duration_s;
  ui.timerReset.disabled = !open || !t.duration_s;
}

// ------------------------------------------------------------- rendering

const scheduleRender = debounced(() => keepingFocus(() => {
  ui.root.dataset.phase = phase();
  renderSession();
  renderOffline();
  view.renderBoard();
  view.renderSelection();
  suggestions.render();
  onBehalfSimilar.refresh();
  status.outbox();
}));
const render = scheduleRender.now;

function renderSession() {
  const s = board.session;
  const p = phase();
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
  const movable = staffMay("phase.set");
  const next = movable && idx >= 0 && idx < PHASES.length - 1 ? PHASES[idx + 1] : null;
  ui.phaseNext.hidden = !next;
  ui.phaseNext.dataset.phaseTarget = next || "";
  setText(ui.phaseNext, next ? fmt(T.next_phase, { label: PHASE_LABEL[next] }) : "");
  ui.phaseNext.classList.toggle("btn-danger", next === "chiusa");
  ui.phaseNext.classList.toggle("btn-primary", next !== "chiusa");
  const back = movable ? BACKWARD[p] || null : null;
  ui.phaseBack.hidden = !back;
  ui.phaseBack.dataset.phaseTarget = back || "";
  setText(ui.phaseBack, back ? fmt(T.back_phase, { label: PHASE_LABEL[back] }) : "");
  const blocked = p === "votazione" && view.dotsPlacedAll() > 0;
  ui.phaseBack.disabled = blocked;
  ui.phaseBackHint.hidden = !(back && blocked);
  const hints = [(T.phase_hint && T.phase_hint[p]) || ""];
  if (next === "raggruppamento" && settings().private_writing && !s.notes_revealed) hints.push(T.hint_reveal_on_grouping);
  if (next === "chiusa") hints.push(T.hint_close);
  setText(ui.phaseHint, hints.filter(Boolean).join(" "));

  ui.closed.hidden = !s.closed;
  if (s.snapshot_hash) {
    setText(ui.hash, s.snapshot_hash);
    ui.hash.dataset.hash = s.snapshot_hash;
    ui.hash.title = s.snapshot_hash;
  }
  countdown.follow(s.timer);
  renderTimerButtons();

  if (ui.revealNotes) {
    ui.revealNotes.disabled = !can.revealNotes();
    setText(ui.revealNotesState, s.notes_revealed ? T.announce_done["notes.reveal"] + "." : "");
  }
  ui.revealResults.disabled = !can.revealResults();
  setText(ui.revealResultsState, s.results_revealed ? T.announce_done["results.reveal"] + "." : "");
  ui.clusterTitle.disabled = !can.cluster();
  ui.clusterCreate.disabled = !can.cluster();
}

// ---- offline participants and "acting as" ------------------------------

function renderOffline() {
  const people = Array.from(board.participants.values()).filter((p) => p.offline);
  const open = staffMay("participant.add_offline");
  ui.offlinePseudonym.disabled = !open;
  ui.offlineCategory.disabled = !open;
  if (ui.offlineTerritory) ui.offlineTerritory.disabled = !open;
  ui.offlineAdd.disabled = !open;
  const nameOf = (p) => p.pseudonym || "?";
  const sig = people.map((p) => p.id + ":" + p.pseudonym).join("|");
  if (ui.offlineList.dataset.sig !== sig) {
    ui.offlineList.dataset.sig = sig;
    ui.offlineList.replaceChildren(...(people.length ? people.map((p) => {
      const li = el("li");
      li.dataset.participantId = p.id;
      li.append(el("strong", null, nameOf(p)), " · ", el("span", null, categoryLabel(p.category)));
      return li;
    }) : [el("li", "offline-none", T.offline_none)]));
    // The "acting as" menu: keep the choice, rebuild the options.
    const keep = ui.actingAs.value;
    const options = [el("option", null, T.nobody)];
    options[0].value = "";
    for (const p of people) {
      const o = el("option", null, nameOf(p) + " (" + shortLabel(categoryLabel(p.category)) + ")");
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
  if (!who) return setText(ui.actingStatus, "");
  const writable = can.writeFor();
  ui.staffNoteKind.disabled = !writable;
  ui.staffNoteText.disabled = !writable;
  ui.staffNoteSubmit.disabled = !writable;
  ui.staffNoteClosed.hidden = writable;
  setText(ui.staffNoteSubmit, fmt(T.acting_publish, { name: who.pseudonym }));
  const st = state.behalf.get(who.id);
  const voting = board.allows("participant", "vote.place");
  let line = st ? fmt(T.acting_dots, { name: who.pseudonym, left: st.dots_left, total: st.dots_total })
    : voting ? fmt(T.acting_dots_unknown, { name: who.pseudonym }) : "";
  if (voting) line += " " + fmt(T.acting_vote_hint, { name: who.pseudonym });
  setText(ui.actingStatus, line.trim());
}

// ------------------------------------------------------------- actions

/** A form field's value is needed: say so next to it. */
function required(input, value, message, where) {
  if (value) {
    input.removeAttribute("aria-invalid");
    return true;
  }
  input.setAttribute("aria-invalid", "true");
  showError(message, where);
  input.focus();
  return false;
}

function onPhaseButton(ev) {
  const target = ev.currentTarget.dataset.phaseTarget;
  if (!target || !staffMay("phase.set")) return;
  if (target === "chiusa" && !window.confirm(T.confirm_close)) return;
  send("phase.set", { phase: target }, {});
}
ui.phaseNext.addEventListener("click", onPhaseButton);
ui.phaseBack.addEventListener("click", onPhaseButton);

ui.timerForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const minutes = Number(ui.timerMinutes.value);
  const valid = Number.isInteger(minutes) && minutes >= 1 && minutes <= config.limits.timer_minutes_max;
  if (required(ui.timerMinutes, valid, T.timer_minutes_invalid)) send("timer.control", { action: "start", seconds: minutes * 60 }, {});
});
const timer = (fields) => () => send("timer.control", fields, {});
ui.timerPause.addEventListener("click", timer({ action: "pause" }));
ui.timerResume.addEventListener("click", timer({ action: "resume" }));
ui.timerExtend.addEventListener("click", timer({ action: "extend", seconds: 60 }));
ui.timerReset.addEventListener("click", timer({ action: "reset" }));

if (ui.revealNotes) ui.revealNotes.addEventListener("click", () => send("notes.reveal", {}, {}));
ui.revealResults.addEventListener("click", () => send("results.reveal", {}, {}));

ui.selectionClear.addEventListener("click", () => {
  state.selected.clear();
  view.renderSelection();
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
  if (!required(ui.clusterTitle, title, T.cluster_title_needed)) return;
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

ui.offlineForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const pseudonym = ui.offlinePseudonym.value.trim();
  if (!required(ui.offlinePseudonym, pseudonym, T.offline_pseudonym_needed, ui.offlineAlert)) return;
  ui.offlinePseudonym.value = "";
  const person = { pseudonym: pseudonym, category: ui.offlineCategory.value };
  if (ui.offlineTerritory && ui.offlineTerritory.value) person.territory = ui.offlineTerritory.value;
  send("participant.add_offline", person, {
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
  const problem = noteProblem(T, text, settings().note_max_chars);
  if (!required(ui.staffNoteText, !problem, problem, ui.staffNoteAlert)) return;
  ui.staffNoteText.value = "";
  onBehalfSimilar.clear();
  send("note.create", { kind: ui.staffNoteKind.value, text: text, on_behalf_of: who.id }, {
    where: ui.staffNoteAlert,
    onError: () => {
      if (!ui.staffNoteText.value) ui.staffNoteText.value = text;
    },
  });
});

// ----------------------------------------------------------------- start

render();
status.connection("connecting");
if (typeof window.io === "function") client.connect(window.io, window);
else showError(T.conn_offline);
window.workshopControl = { board: board, state: state, client: client, socket: client.socket, applied: () => client.seq.applied, queue: () => outbox.list() };
