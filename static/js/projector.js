/*
 * The projector view: what the room may see, in type big enough for the back
 * of the room, with no controls. A view on the live client (live/client.js)
 * in "projector" view (docs/protocol.md §6.3): `staff.join {view: "projector",
 * since}` on every connect, events applied in `seq` order, `sync` on a gap.
 *
 * In accoglienza it shows how to get in (code, QR, address, how many are in);
 * later the phase, the countdown and the live board; once the results are
 * revealed the totals, and once the session is closed (the split is frozen
 * with the results: docs/protocol.md §7) a horizontal stacked bar chart of the dots per item by groups of stakeholder
 * categories as they may be published (docs/protocol.md §7, Results: reserved
 * cells are one grey part) — colours *and* patterns, a legend, numbers on the
 * bars — and a data table with the same numbers; at the end, the hash of the
 * frozen results.
 */
import { Board, isPrivateStub } from "./live/board.js";
import { LiveClient } from "./live/client.js";
import { Countdown, timerLeft } from "./live/clock.js";
import { $, debounced, el, presenceText, readJSON, setText, shownResults } from "./live/dom.js";
import { BORDER, seriesFill, stackedBars, wrapLabel } from "./live/charts.js";
import { carriedLine, fmt, plural, shorten } from "./live/text.js";
import { Outbox } from "./live/outbox.js";

const config = readJSON("projector-config");
const T = readJSON("projector-strings");
const SESSION_ID = config.session.id;
const PHASE_LABEL = {};
for (const p of config.phases) PHASE_LABEL[p.key] = p.label;

const ui = {
  root: $("projector"),
  phase: $("projector-phase"),
  timerBox: $("projector-timer-box"),
  timer: $("projector-timer"),
  timerStatus: $("projector-timer-status"),
  presence: $("projector-presence"),
  codeSmall: $("projector-code-small"),
  welcome: $("projector-welcome"),
  connected: $("projector-connected"),
  closed: $("projector-closed"),
  hash: $("snapshot-hash"),
  results: $("projector-results"),
  summary: $("results-summary"),
  chartWrap: $("results-chart-wrap"),
  canvas: $("results-chart"),
  table: $("results-table"),
  boardSection: $("projector-board-section"),
  votesHidden: $("projector-votes-hidden"),
  board: $("projector-board"),
  connection: $("connection-status"),
  connectionText: document.querySelector("#connection-status .connection-text"),
  alert: $("projector-alert"),
};

const board = new Board(config.session, false);
const phase = () => board.phase();
const votes = (n) => plural(T, n, "votes_one", "votes_other");
const kindLabel = (kind) => (T.kinds && T.kinds[kind]) || kind;

const countdown = new Countdown({
  element: ui.timer,
  noneText: T.timer_none,
  onState: (st) => {
    ui.timerBox.hidden = st === "none" || phase() === "accoglienza" || phase() === "chiusa";
    setText(ui.timerStatus, st === "paused" ? T.timer_paused : st === "expired" ? T.timer_over : "");
  },
});

function applyPresence(p) {
  const text = presenceText(T, p);
  setText(ui.presence, text);
  setText(ui.connected, text);
}

const client = new LiveClient({
  sessionId: SESSION_ID,
  board: board,
  outbox: new Outbox(), // the wall sends no commands
  io: typeof window.io === "function" ? window.io : null,
  window: window,
  countdown: countdown,
  join: { event: "staff.join", payload: () => ({ session_id: SESSION_ID, view: "projector" }), since: true },
  stateView: "projector",
  onGap: "sync",
  hooks: {
    changed: () => scheduleRender(),
    caughtUp: (ack) => {
      if (ack.presence) applyPresence(ack.presence);
      render();
    },
    joined: () => ui.alert.replaceChildren(),
    joinRefused: (error) => {
      if (error.message) ui.alert.replaceChildren(el("p", "alert alert-danger", error.message));
    },
    connection: (state) => {
      ui.connection.dataset.state = state;
      setText(ui.connectionText, T["conn_" + state]);
    },
    presence: applyPresence,
  },
});

// ---------------------------------------------------------------- render

const scheduleRender = debounced(() => render());

function render() {
  const s = board.session;
  const p = phase();
  ui.root.dataset.phase = p;
  ui.phase.dataset.phase = p;
  setText(ui.phase, PHASE_LABEL[p] || s.phase_label || p);
  const welcome = p === "accoglienza";
  ui.welcome.hidden = !welcome;
  ui.boardSection.hidden = welcome;
  ui.codeSmall.hidden = welcome || p === "chiusa";
  ui.timerBox.hidden = welcome || p === "chiusa" || timerLeft(s.timer) === null;
  ui.closed.hidden = p !== "chiusa";
  if (s.snapshot_hash) {
    setText(ui.hash, s.snapshot_hash);
    ui.hash.dataset.hash = s.snapshot_hash;
  }
  const hiddenTotals = board.totalsHidden();
  ui.votesHidden.hidden = !hiddenTotals;
  if (hiddenTotals) {
    setText(ui.votesHidden, T.votes_hidden + (board.dotsPlaced !== null ? " " + plural(T, board.dotsPlaced, "dots_progress_one", "dots_progress_other") : ""));
  }
  renderBoard();
  renderResults();
}

function noteCard(note) {
  const li = el("li", "projector-note");
  const stub = isPrivateStub(note);
  li.dataset.noteId = String(note.id);
  li.dataset.kind = note.kind;
  li.append(el("span", "note-kind-tag", kindLabel(note.kind)));
  if (stub) {
    li.classList.add("is-private");
    li.append(el("p", "projector-note-body", T.private_note));
  } else {
    const body = el("div", "projector-note-body");
    body.dir = "auto"; // a note keeps the direction of the language it was written in
    body.innerHTML = note.html || ""; // sanitized by the server
    li.append(body);
    if (note.author && note.author.pseudonym) li.append(el("p", "projector-note-author", note.author.pseudonym));
    const carried = carriedLine(T, note, document.documentElement.lang);
    if (carried) li.append(el("p", "projector-note-author note-carried", carried));
  }
  if (!note.cluster_id && !stub && board.votingOn() && typeof note.votes === "number") {
    li.append(el("p", "projector-votes", votes(note.votes)));
  }
  return li;
}

function noteList(notes) {
  const list = el("ul", "projector-notes");
  for (const n of notes) list.append(noteCard(n));
  return list;
}

let boardSig = null;
function renderBoard() {
  if (ui.boardSection.hidden) return;
  const clusters = board.clusterList(board.rankByVotes());
  const loose = board.notesIn(null).filter((n) => !n.cluster_id || !board.clusters.has(n.cluster_id));
  const sig = JSON.stringify([phase(), clusters, Array.from(board.notes.values())]);
  if (sig === boardSig) return; // a projector is read from afar: no needless flicker
  boardSig = sig;
  const parts = [];
  for (const c of clusters) {
    const sec = el("section", "projector-cluster");
    sec.dataset.clusterId = String(c.id);
    const head = el("header", "projector-cluster-head");
    head.append(el("h3", "projector-cluster-title", c.title));
    const meta = el("p", "projector-cluster-meta");
    const notes = board.notesIn(c.id);
    meta.append(el("span", null, plural(T, notes.length, "notes_one", "notes_other")));
    if ((c.areas || []).length) meta.append(" · ", el("span", "projector-areas", c.areas.join(" ")));
    head.append(meta);
    if (board.votingOn() && typeof c.votes === "number") {
      const line = el("p", "projector-votes cluster-votes", votes(c.votes));
      line.dataset.votes = String(c.votes);
      head.append(line);
    }
    if (c.scores) head.append(el("p", "projector-scores", fmt(T.scores_line, c.scores)));
    sec.append(head, noteList(notes));
    parts.push(sec);
  }
  if (loose.length) {
    const sec = el("section", "projector-loose");
    if (clusters.length) sec.append(el("h3", "projector-cluster-title", T.loose_title));
    // Newest first: what was just written is what the room looks for on the wall.
    sec.append(noteList(loose.slice().sort((a, b) => b.id - a.id)));
    parts.push(sec);
  }
  if (!parts.length) parts.push(el("p", "projector-empty", T.board_empty));
  ui.board.replaceChildren(...parts);
}

// --------------------------------------------------------------- results

let chart = null;
let resultsSig = null;
let staleTimer = null;
let splitAskedIn = null;

function renderResults() {
  const rows = shownResults(board, ui.results);
  if (!rows) return;
  const results = board.results;
  // Events carry totals; the split by categories (frozen at closing, as it may
  // be published) comes with a projector snapshot: asked for when a total moved,
  // and once in chiusa while there is none (the server decides when it has one).
  const noSplit = board.inPhase("chiusa") && !board.splitColumns().length && rows.some((r) => r.votes);
  if (!staleTimer && (rows.some((r) => r.stale) || (noSplit && splitAskedIn !== phase()))) {
    splitAskedIn = phase();
    staleTimer = setTimeout(() => {
      staleTimer = null;
      client.requestState(true);
    }, 1200);
  }
  const sig = JSON.stringify([rows, results && results.dots_placed, results && results.voters, board.splitColumns()]);
  if (sig === resultsSig) return;
  resultsSig = sig;
  setText(ui.summary, results ? fmt(T.results_summary, { dots: results.dots_placed, voters: results.voters }) : "");

  // The columns of the split, in the server's order (so colours stay put).
  const present = board.splitColumns();
  const titleOf = (r) => (r.type === "note" ? T.note_prefix + " " : "") + r.title;
  const hiddenOf = (r) => (r.split ? r.votes - present.reduce((a, c) => a + (r.split[c.key] || 0), 0) : 0);

  renderTable(rows, present, titleOf);

  const chartRows = rows.filter((r) => r.votes > 0);
  ui.chartWrap.hidden = chartRows.length === 0 || typeof window.Chart !== "function";
  if (ui.chartWrap.hidden) return;
  // Bars as tall as the labels need, the whole chart within what is left of the screen.
  const px = fontPx();
  const room = window.innerHeight - ui.chartWrap.getBoundingClientRect().top - window.scrollY - px * 1.5;
  ui.chartWrap.style.height = Math.round(Math.max(px * 12, Math.min(chartRows.length * px * 3.6 + px * 7, room))) + "px";
  const datasets = present.map((col, i) => Object.assign({
    label: col.label,
    data: chartRows.map((r) => (r.stale || !r.split ? 0 : r.split[col.key] || 0)),
    backgroundColor: seriesFill(i),
  }, BORDER));
  // What is not published by category (reserved cells, or no split yet) is one grey part.
  const rest = chartRows.map((r) => (r.stale || !r.split ? r.votes : hiddenOf(r)));
  if (rest.some((n) => n > 0)) {
    datasets.push(Object.assign({ label: present.length ? T.split_hidden_part : T.axis_points, data: rest, backgroundColor: "#d9dadb" }, BORDER));
  }
  const data = { labels: chartRows.map((r) => wrapLabel(shorten(titleOf(r), 90), 38)), datasets: datasets, totals: chartRows.map((r) => r.votes) };
  const max = Math.max.apply(null, chartRows.map((r) => r.votes)) * 1.1 + 1;
  if (chart) {
    chart.data = data;
    chart.options.scales.x.suggestedMax = max;
    chart.update("none");
    return;
  }
  chart = stackedBars(ui.canvas, data, { axis: T.axis_points, max: max, size: "wall", fontPx: px });
  chartPx = px;
}

/** The wall's base type size (it grows with the viewport: app.css). */
function fontPx() {
  return parseFloat(window.getComputedStyle(ui.root).fontSize) || 16;
}

// The chart's type follows the wall's when the window changes size (a projector
// window moved to the wall, full screen): drawn again at the new size.
let chartPx = null;
window.addEventListener("resize", debounced(() => {
  if (chart && chartPx !== fontPx()) {
    chart.destroy();
    chart = null;
    resultsSig = null;
  }
  scheduleRender();
}, 200));

function renderTable(rows, present, titleOf) {
  const th = (text, scope) => {
    const cell = el("th", null, text);
    cell.scope = scope;
    return cell;
  };
  const head = el("tr");
  head.append(th(T.col_rank, "col"), th(T.col_item, "col"));
  for (const col of present) head.append(th(col.label, "col"));
  head.append(th(T.col_total, "col"));
  ui.table.tHead.replaceChildren(head);
  const cell = (r, key) => {
    if (r.stale || !r.split) return "…";
    const n = r.split[key];
    return n === null || n === undefined ? T.split_hidden : String(n);
  };
  const body = rows.map((r, i) => {
    const tr = el("tr");
    tr.dataset.type = r.type;
    tr.dataset.id = String(r.id);
    tr.append(el("td", "num", String(i + 1)), th(titleOf(r), "row"));
    for (const col of present) {
      const td = el("td", "num", cell(r, col.key));
      td.dataset.column = col.key;
      tr.append(td);
    }
    tr.append(el("td", "num total", String(r.votes)));
    return tr;
  });
  if (!body.length) {
    const tr = el("tr");
    const td = el("td", null, T.results_empty);
    td.colSpan = present.length + 3;
    tr.append(td);
    body.push(tr);
  }
  ui.table.tBodies[0].replaceChildren(...body);
  const foot = el("tr");
  const label = th(T.row_total, "row");
  label.colSpan = 2;
  foot.append(label);
  // A column's total only where none of its cells is reserved: otherwise it
  // would give the reserved ones back.
  for (const col of present) {
    const open = rows.every((r) => r.split && !r.stale && r.split[col.key] !== null && r.split[col.key] !== undefined);
    foot.append(el("td", "num", open ? String(rows.reduce((a, r) => a + r.split[col.key], 0)) : "—"));
  }
  foot.append(el("td", "num total", String(rows.reduce((a, r) => a + r.votes, 0))));
  ui.table.tFoot.replaceChildren(foot);
}

render();
client.setConnection("connecting");
window.workshopProjector = { board: board, client: client, socket: client.socket, applied: () => client.seq.applied, chart: () => chart };
