/*
 * The projector view: what the room may see, in type big enough for the back
 * of the room, with no controls. A staff client in "projector" view
 * (docs/protocol.md §6.3): `staff.join {view: "projector", since}` on every
 * connect, events applied in `seq` order (common.js), `sync` on a gap.
 *
 * In accoglienza it shows how to get in (code, QR, address, how many are in);
 * later the phase, the countdown and the live board; once the results are
 * revealed the totals, and once voting is over (or the session is closed) a
 * horizontal stacked bar chart of the dots per item by groups of stakeholder
 * categories as they may be published (docs/protocol.md §7, Results: reserved
 * cells are one grey part) — colours *and* patterns, a legend, numbers on the
 * bars — and a data table with the same numbers; at the end, the hash of the
 * frozen results.
 */
(function () {
  "use strict";

  const W = window.Workshop;
  const config = W.readJSON("projector-config");
  const T = W.readJSON("projector-strings");
  const SESSION_ID = config.session.id;
  const PHASE_LABEL = {};
  for (const p of config.phases) PHASE_LABEL[p.key] = p.label;
  const ACK_TIMEOUT_MS = 10000;
  const RETRY_MS = 3000;

  const $ = (id) => document.getElementById(id);
  const el = W.el;
  const fmt = W.fmt;
  const setText = (node, text) => {
    text = String(text);
    if (node.textContent !== text) node.textContent = text;
  };
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
    question: $("projector-question"),
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

  const board = new W.Board(config.session, false);
  const state = { joined: false, presence: null };
  const seq = new W.Sequencer({
    gapMs: 2000,
    apply: (e) => {
      board.apply(e);
      if (e.type === "timer.changed") countdown.set(board.session.timer, true);
    },
    changed: () => scheduleRender(),
    onGap: () => sync(),
  });
  let connId = 0;

  function phase() {
    return board.session.closed ? "chiusa" : board.session.phase;
  }
  function plural(n, one, other) {
    return fmt(n === 1 ? T[one] : T[other], { n: n });
  }
  function kindLabel(kind) {
    return (T.kinds && T.kinds[kind]) || kind;
  }

  // ---------------------------------------------------------------- socket

  if (typeof window.io !== "function") return;
  const socket = window.io({ transports: ["websocket", "polling"] });

  function setConnection(next) {
    ui.connection.dataset.state = next;
    setText(ui.connectionText, T["conn_" + next]);
  }

  function join() {
    const myConn = connId;
    seq.catchingUp = true;
    setConnection("connecting");
    const payload = { session_id: SESSION_ID, view: "projector" };
    if (seq.hasBoard) payload.since = seq.applied;
    socket.timeout(ACK_TIMEOUT_MS).emit("staff.join", payload, (err, ack) => {
      if (myConn !== connId) return;
      if (err || !ack || !ack.ok) {
        const error = ack && ack.error;
        if (error) ui.alert.replaceChildren(el("p", "alert alert-danger", error.message));
        const again = error && error.code === "rate_limited" ? (Number(error.params && error.params.retry_after) || 10) * 1000 : RETRY_MS;
        if (!error || ["rate_limited", "internal_error"].indexOf(error.code) >= 0) {
          setTimeout(() => myConn === connId && socket.connected && join(), again);
        } else {
          setConnection("offline");
        }
        return;
      }
      ui.alert.replaceChildren();
      applyCatchUp(ack);
      state.joined = true;
      setConnection("online");
    });
  }

  function applyCatchUp(ack) {
    if (ack.session && ack.session.timer) W.syncClock(ack.session.timer.server_now);
    if (ack.mode === "snapshot") {
      board.load(ack);
      seq.snapshotAt(ack.head);
    } else {
      if (ack.session) board.session = Object.assign({}, board.session, ack.session);
      seq.addEvents(ack.events);
    }
    seq.catchingUp = false;
    seq.drain();
    if (ack.presence) applyPresence(ack.presence);
    countdown.set(board.session.timer, true);
    render();
  }

  function sync(since) {
    if (!state.joined || seq.catchingUp) return;
    const myConn = connId;
    seq.catchingUp = true;
    socket.timeout(ACK_TIMEOUT_MS).emit("sync", { session_id: SESSION_ID, since: typeof since === "number" ? since : seq.applied }, (err, ack) => {
      if (myConn !== connId) return;
      if (err || !ack || !ack.ok) {
        seq.catchingUp = false;
        if (ack && ack.error && ack.error.code === "not_joined") return join();
        seq.drain();
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
    state.joined = false;
    seq.catchingUp = true;
    setConnection("offline");
  });
  socket.on("connect_error", () => {
    if (!socket.connected) setConnection("offline");
  });
  socket.on("event", (e) => {
    if (e && e.session_id === SESSION_ID) seq.offer(e);
  });
  socket.on("presence", applyPresence);

  function applyPresence(p) {
    if (!p || p.session_id !== SESSION_ID) return;
    state.presence = p;
    const text = p.connected ? plural(p.connected, "presence_one", "presence_other") : T.presence_none;
    setText(ui.presence, text);
    setText(ui.connected, text);
  }

  // ----------------------------------------------------------------- timer

  const countdown = new W.Countdown({
    element: ui.timer,
    noneText: T.timer_none,
    onState: (st) => {
      ui.timerBox.hidden = st === "none" || phase() === "accoglienza" || phase() === "chiusa";
      setText(ui.timerStatus, st === "paused" ? T.timer_paused : st === "expired" ? T.timer_over : "");
    },
  });

  // ---------------------------------------------------------------- render

  let renderTimer = null;
  function scheduleRender() {
    if (renderTimer) return;
    renderTimer = setTimeout(render, 0);
  }

  function render() {
    clearTimeout(renderTimer);
    renderTimer = null;
    const s = board.session;
    const p = phase();
    ui.root.dataset.phase = p;
    ui.phase.dataset.phase = p;
    setText(ui.phase, PHASE_LABEL[p] || s.phase_label || p);
    const welcome = p === "accoglienza";
    ui.welcome.hidden = !welcome;
    ui.boardSection.hidden = welcome;
    ui.codeSmall.hidden = welcome || p === "chiusa";
    ui.timerBox.hidden = welcome || p === "chiusa" || W.timerLeft(s.timer) === null;
    ui.closed.hidden = p !== "chiusa";
    if (s.snapshot_hash) {
      setText(ui.hash, s.snapshot_hash);
      ui.hash.dataset.hash = s.snapshot_hash;
    }
    const hiddenTotals = ["votazione", "valutazione"].indexOf(p) >= 0 && !s.results_revealed;
    ui.votesHidden.hidden = !hiddenTotals;
    if (hiddenTotals) {
      setText(ui.votesHidden, T.votes_hidden + (board.dotsPlaced !== null ? " " + plural(board.dotsPlaced, "dots_progress_one", "dots_progress_other") : ""));
    }
    renderBoard();
    renderResults();
  }

  function noteCard(note) {
    const li = el("li", "projector-note");
    const stub = W.isPrivateStub(note);
    li.dataset.noteId = String(note.id);
    li.dataset.kind = note.kind;
    const badge = el("span", "note-kind-tag", kindLabel(note.kind));
    li.append(badge);
    if (stub) {
      li.classList.add("is-private");
      li.append(el("p", "projector-note-body", T.private_note));
    } else {
      const body = el("div", "projector-note-body");
      body.innerHTML = note.html || ""; // sanitized by the server
      li.append(body);
      if (note.author && note.author.pseudonym) li.append(el("p", "projector-note-author", note.author.pseudonym));
    }
    if (!note.cluster_id && !stub && ["votazione", "valutazione", "chiusa"].indexOf(phase()) >= 0 && typeof note.votes === "number") {
      li.append(el("p", "projector-votes", plural(note.votes, "votes_one", "votes_other")));
    }
    return li;
  }

  let boardSig = null;
  function renderBoard() {
    if (ui.boardSection.hidden) return;
    const p = phase();
    const byVotes = ["valutazione", "chiusa"].indexOf(p) >= 0 && board.totalsVisible();
    const clusters = board.clusterList(byVotes);
    const loose = board.notesIn(null).filter((n) => !n.cluster_id || !board.clusters.has(n.cluster_id));
    const sig = JSON.stringify([p, clusters, Array.from(board.notes.values())]);
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
      meta.append(el("span", null, plural(notes.length, "notes_one", "notes_other")));
      if ((c.areas || []).length) meta.append(" · ", el("span", "projector-areas", c.areas.join(" ")));
      head.append(meta);
      if (["votazione", "valutazione", "chiusa"].indexOf(p) >= 0 && typeof c.votes === "number") {
        const votes = el("p", "projector-votes cluster-votes", plural(c.votes, "votes_one", "votes_other"));
        votes.dataset.votes = String(c.votes);
        head.append(votes);
      }
      if (c.scores) head.append(el("p", "projector-scores", fmt(T.scores_line, c.scores)));
      const list = el("ul", "projector-notes");
      for (const n of notes) list.append(noteCard(n));
      sec.append(head, list);
      parts.push(sec);
    }
    if (loose.length) {
      const sec = el("section", "projector-loose");
      if (clusters.length) sec.append(el("h3", "projector-cluster-title", T.loose_title));
      const list = el("ul", "projector-notes");
      for (const n of loose) list.append(noteCard(n));
      sec.append(list);
      parts.push(sec);
    }
    if (!parts.length) parts.push(el("p", "projector-empty", T.board_empty));
    ui.board.replaceChildren(...parts);
  }

  // --------------------------------------------------------------- results

  // Okabe–Ito colours (distinguishable with common colour-vision deficiencies),
  // each with its own pattern, so that colour is never the only difference.
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7F7F7F"];
  const PATTERNS = ["solid", "diagonal", "dots", "horizontal", "cross", "vertical", "zigzag", "reverse"];

  function pattern(ctx, colour, kind) {
    const size = 16;
    const c = document.createElement("canvas");
    c.width = size;
    c.height = size;
    const g = c.getContext("2d");
    g.fillStyle = colour;
    g.fillRect(0, 0, size, size);
    g.strokeStyle = "rgba(0, 0, 0, 0.55)";
    g.fillStyle = "rgba(0, 0, 0, 0.55)";
    g.lineWidth = 2;
    g.beginPath();
    switch (kind) {
      case "diagonal":
        g.moveTo(0, size);
        g.lineTo(size, 0);
        g.moveTo(-4, 4);
        g.lineTo(4, -4);
        g.moveTo(size - 4, size + 4);
        g.lineTo(size + 4, size - 4);
        break;
      case "reverse":
        g.moveTo(0, 0);
        g.lineTo(size, size);
        g.moveTo(size - 4, -4);
        g.lineTo(size + 4, 4);
        g.moveTo(-4, size - 4);
        g.lineTo(4, size + 4);
        break;
      case "dots":
        g.arc(size / 2, size / 2, 2.5, 0, Math.PI * 2);
        g.fill();
        break;
      case "horizontal":
        g.moveTo(0, size / 2);
        g.lineTo(size, size / 2);
        break;
      case "vertical":
        g.moveTo(size / 2, 0);
        g.lineTo(size / 2, size);
        break;
      case "cross":
        g.moveTo(0, size / 2);
        g.lineTo(size, size / 2);
        g.moveTo(size / 2, 0);
        g.lineTo(size / 2, size);
        break;
      case "zigzag":
        g.moveTo(0, size * 0.75);
        g.lineTo(size / 4, size / 4);
        g.lineTo(size / 2, size * 0.75);
        g.lineTo(size * 0.75, size / 4);
        g.lineTo(size, size * 0.75);
        break;
      default:
        break;
    }
    g.stroke();
    return ctx.createPattern(c, "repeat");
  }

  /** Numbers on the bars (each segment wide enough) and the total at each bar's end. */
  const barLabels = {
    id: "workshopBarLabels",
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = "700 16px 'Titillium Web', sans-serif";
      ctx.textBaseline = "middle";
      chart.data.datasets.forEach((ds, i) => {
        const meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        meta.data.forEach((bar, j) => {
          const v = ds.data[j];
          if (!v) return;
          const width = Math.abs(bar.x - bar.base);
          if (width < 22) return;
          ctx.textAlign = "center";
          ctx.lineWidth = 4;
          ctx.strokeStyle = "#fff";
          ctx.fillStyle = "#000";
          ctx.strokeText(String(v), (bar.x + bar.base) / 2, bar.y);
          ctx.fillText(String(v), (bar.x + bar.base) / 2, bar.y);
        });
      });
      const totals = chart.data.totals || [];
      const last = chart.getDatasetMeta(chart.data.datasets.length - 1);
      ctx.font = "700 18px 'Titillium Web', sans-serif";
      ctx.fillStyle = "#1a1a1a";
      ctx.textAlign = "left";
      (last ? last.data : []).forEach((bar, j) => {
        const x = chart.scales.x.getPixelForValue(totals[j] || 0);
        ctx.fillText(String(totals[j] || 0), x + 8, bar.y);
      });
      ctx.restore();
    },
  };

  let chart = null;
  let resultsSig = null;
  let staleTimer = null;
  function wrapLabel(text, width) {
    const words = W.shorten(text, 90).split(" ");
    const lines = [];
    let line = "";
    for (const w of words) {
      if ((line + " " + w).trim().length > width && line) {
        lines.push(line);
        line = w;
      } else {
        line = (line + " " + w).trim();
      }
    }
    if (line) lines.push(line);
    return lines;
  }

  function renderResults() {
    const show = board.resultsShown();
    ui.results.hidden = !show;
    if (!show) return;
    const rows = board.resultRows();
    const results = board.results;
    const over = phase() === "valutazione" || phase() === "chiusa";
    if (!staleTimer && (rows.some((r) => r.stale) || (over && !board.splitColumns().length && rows.some((r) => r.votes)))) {
      // Events carry totals; the split by categories (once voting is over, as it
      // may be published) comes with a projector snapshot.
      staleTimer = setTimeout(() => {
        staleTimer = null;
        refresh();
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
    ui.chartWrap.style.height = Math.max(200, chartRows.length * 64 + 120) + "px";
    const ctx = ui.canvas.getContext("2d");
    const datasets = present.map((col, i) => ({
      label: col.label,
      data: chartRows.map((r) => (r.stale || !r.split ? 0 : r.split[col.key] || 0)),
      backgroundColor: pattern(ctx, PALETTE[i % PALETTE.length], PATTERNS[i % PATTERNS.length]),
      borderColor: "#1a1a1a",
      borderWidth: 1,
    }));
    // What is not published by category (reserved cells, or no split yet) is one grey part.
    const rest = chartRows.map((r) => (r.stale || !r.split ? r.votes : hiddenOf(r)));
    if (rest.some((n) => n > 0)) {
      datasets.push({ label: present.length ? T.split_hidden_part : T.axis_points, data: rest, backgroundColor: "#d9dadb", borderColor: "#1a1a1a", borderWidth: 1 });
    }
    const data = { labels: chartRows.map((r) => wrapLabel(titleOf(r), 38)), datasets: datasets, totals: chartRows.map((r) => r.votes) };
    const maxTotal = Math.max.apply(null, chartRows.map((r) => r.votes));
    if (chart) {
      chart.data = data;
      chart.options.scales.x.suggestedMax = maxTotal * 1.1 + 1;
      chart.update("none");
      return;
    }
    const Chart = window.Chart;
    Chart.defaults.font.family = "'Titillium Web', Geneva, Tahoma, sans-serif";
    Chart.defaults.font.size = 16;
    Chart.defaults.color = "#1a1a1a";
    chart = new Chart(ui.canvas, {
      type: "bar",
      data: data,
      plugins: [barLabels],
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { right: 40 } },
        scales: {
          x: { stacked: true, beginAtZero: true, suggestedMax: maxTotal * 1.1 + 1, ticks: { precision: 0 }, title: { display: true, text: T.axis_points } },
          y: { stacked: true, ticks: { autoSkip: false, font: { size: 17, weight: "600" } } },
        },
        plugins: {
          legend: { position: "top", labels: { boxWidth: 36, boxHeight: 20, padding: 18, font: { size: 16 } } },
          tooltip: { enabled: true },
        },
      },
    });
  }

  function renderTable(rows, present, titleOf) {
    const thead = ui.table.tHead;
    const tbody = ui.table.tBodies[0];
    const tfoot = ui.table.tFoot;
    const head = el("tr");
    const th = (text, scope) => {
      const cell = el("th", null, text);
      cell.scope = scope;
      return cell;
    };
    head.append(th(T.col_rank, "col"), th(T.col_item, "col"));
    for (const col of present) head.append(th(col.label, "col"));
    head.append(th(T.col_total, "col"));
    thead.replaceChildren(head);
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
    tbody.replaceChildren(...body);
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
    tfoot.replaceChildren(foot);
  }

  /** A projector snapshot: the room's board with the publishable split. */
  let refreshing = false;
  function refresh() {
    if (!state.joined || refreshing) return;
    const myConn = connId;
    refreshing = true;
    socket.timeout(ACK_TIMEOUT_MS).emit("staff.state", { session_id: SESSION_ID, view: "projector" }, (err, ack) => {
      refreshing = false;
      if (myConn !== connId) return;
      if (!err && ack && ack.ok) applyCatchUp(ack);
      else if (ack && ack.error && ack.error.code === "not_joined") join();
    });
  }

  render();
  setConnection("connecting");
  window.workshopProjector = { board: board, socket: socket, applied: () => seq.applied, chart: () => chart };
})();
