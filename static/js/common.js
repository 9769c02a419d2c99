/*
 * What the three live pages share (room.js, control.js, projector.js):
 * the board model and how protocol events change it, strict `seq` ordering
 * with buffering and gap detection, the server-corrected countdown, the
 * results as rows, and small DOM helpers. See docs/protocol.md.
 *
 * Exposed as window.Workshop; no framework, no build step. Nothing here turns
 * user-written text into markup: notes are shown through the server's
 * sanitized `html`, everything else through textContent.
 */
(function () {
  "use strict";

  const W = {};

  // ------------------------------------------------------------- helpers

  W.readJSON = function (id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  };

  W.fmt = function (template, values) {
    return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  };

  W.el = function (tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };

  W.svgIcon = function (sprites, name, extraClass) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "icon icon-sm" + (extraClass ? " " + extraClass : ""));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const use = document.createElementNS(ns, "use");
    use.setAttribute("href", sprites + "#" + name);
    svg.append(use);
    return svg;
  };

  W.newCid = function () {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return "c-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  W.codePoints = function (s) {
    return Array.from(s).length;
  };

  /** Plain text of a note (from its sanitized html, parsed inertly), shortened. */
  W.excerpt = function (note, max) {
    max = max || 60;
    if (!note) return "";
    const tpl = document.createElement("template");
    tpl.innerHTML = note.html || ""; // inert: template content never runs scripts or loads images
    let text = (tpl.content.textContent || note.text || "").replace(/\s+/g, " ").trim();
    if (W.codePoints(text) > max) text = Array.from(text).slice(0, max - 1).join("").trimEnd() + "…";
    return text;
  };
  W.shorten = function (text, max) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    if (W.codePoints(text) > max) text = Array.from(text).slice(0, max - 1).join("").trimEnd() + "…";
    return text;
  };

  /** A short form of a long category label, for charts and tight lists:
   *  "Azienda USL di Reggio Emilia (Distretto, …)" → "Azienda USL di Reggio Emilia". */
  W.shortLabel = function (label) {
    let s = String(label || "");
    for (const sep of [" (", " / ", " - ", " – "]) {
      const i = s.indexOf(sep);
      if (i > 0) s = s.slice(0, i);
    }
    return s;
  };

  /** "mm:ss" (minutes may go past 59 for long timers). */
  W.clock = function (seconds) {
    const s = Math.max(0, Math.ceil(seconds));
    const m = Math.floor(s / 60);
    return String(m).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  };

  W.isPrivateStub = function (note) {
    return !!(note && note.private === true && note.html === undefined);
  };

  /**
   * Keep in `container` exactly the buttons that apply now, in the given
   * order: `specs` = [{key, show, make}]. A button is created by `make` when
   * it starts to apply and removed when it stops (so a selector never finds a
   * control that is not there); focus on a removed one goes to the enclosing
   * card. Returns {key: element or null}.
   */
  W.syncButtons = function (container, specs) {
    const out = {};
    let prev = null;
    for (const spec of specs) {
      let node = null;
      for (const child of container.children) if (child.dataset.key === spec.key) node = child;
      if (spec.show) {
        if (!node) {
          node = spec.make();
          node.dataset.key = spec.key;
        }
        const want = prev ? prev.nextElementSibling : container.firstElementChild;
        if (node !== want) container.insertBefore(node, want);
        prev = node;
      } else if (node) {
        const hadFocus = node.contains(document.activeElement);
        node.remove();
        if (hadFocus) {
          const holder = container.closest("article, section");
          if (holder) holder.focus();
        }
        node = null;
      }
      out[spec.key] = node;
    }
    return out;
  };

  // -------------------------------------------------------- server clock
  // Timers are shown as `ends_at − now`, with `now` corrected by the server
  // time a fresh message carried (its `server_now` minus our time of receipt).

  let clockOffset = 0;
  W.syncClock = function (serverNow) {
    const t = Date.parse(serverNow || "");
    if (!isNaN(t)) clockOffset = t - Date.now();
  };
  W.serverNow = function () {
    return Date.now() + clockOffset;
  };
  /** Seconds left on a Timer object, or null when no timer is set. */
  W.timerLeft = function (timer) {
    if (!timer || !timer.duration_s) return null;
    if (timer.running && timer.ends_at) {
      return Math.max(0, (Date.parse(timer.ends_at) - W.serverNow()) / 1000);
    }
    return Math.max(0, timer.remaining_s || 0);
  };

  /**
   * A countdown bound to an element, ticking on its own. `onMinute` and
   * `onZero` fire once per crossing (again only after the timer goes back
   * above the threshold, e.g. when extended).
   */
  W.Countdown = function (opts) {
    const self = this;
    let timer = null;
    let lastText = null;
    let lastState = null;
    let minuteSaid = true;
    let zeroSaid = true;
    function tick() {
      const left = W.timerLeft(timer);
      const state = left === null ? "none" : timer.running ? (left > 0 ? "running" : "expired") : "paused";
      const text = left === null ? opts.noneText : W.clock(left);
      if (text !== lastText) {
        opts.element.textContent = text;
        lastText = text;
      }
      if (state !== lastState) {
        opts.element.dataset.state = state;
        lastState = state;
        if (opts.onState) opts.onState(state, left);
      }
      if (left !== null && timer.running) {
        if (left > 60) minuteSaid = false;
        if (left > 0) zeroSaid = false;
        if (!minuteSaid && left <= 60 && left > 0) {
          minuteSaid = true;
          if (opts.onMinute) opts.onMinute();
        }
        if (!zeroSaid && left <= 0) {
          zeroSaid = true;
          if (opts.onZero) opts.onZero();
        }
      }
    }
    self.set = function (t, fresh) {
      if (fresh && t && t.server_now) W.syncClock(t.server_now);
      const before = W.timerLeft(timer);
      timer = t;
      const after = W.timerLeft(timer);
      // A timer first seen below a threshold does not announce it (e.g. on page load).
      if (after !== null && (before === null || !fresh)) {
        minuteSaid = after <= 60;
        zeroSaid = after <= 0;
      }
      tick();
    };
    self.left = () => W.timerLeft(timer);
    setInterval(tick, 250);
  };

  // ------------------------------------------------------- the board model

  /**
   * What a client knows of a session: the Session object, notes and
   * clusters (in id order), the last Results, and how many dots have been
   * placed while totals are hidden. `staff` boards (control room) keep what
   * staff know (totals, authors, hidden notes) when an event, built for the
   * room, leaves it out.
   */
  W.Board = function (session, staff) {
    this.session = session;
    this.staff = !!staff;
    this.notes = new Map();
    this.clusters = new Map();
    this.results = null;
    this.dotsPlaced = null;
    this.participants = new Map(); // staff: id -> Author
  };

  W.Board.prototype.load = function (ack) {
    if (ack.session) this.session = ack.session;
    if (ack.mode !== "snapshot") return;
    this.notes = new Map();
    for (const n of ack.notes || []) if (n && typeof n.id === "number") this.notes.set(n.id, n);
    this.clusters = new Map();
    for (const c of ack.clusters || []) if (c && typeof c.id === "number") this.clusters.set(c.id, c);
    this.results = ack.results || (this.totalsVisible() ? this.results : null);
    if (Array.isArray(ack.participants)) {
      this.participants = new Map();
      for (const p of ack.participants) if (p && p.id) this.participants.set(p.id, p);
    }
    if (ack.results && typeof ack.results.dots_placed === "number") this.dotsPlaced = ack.results.dots_placed;
  };

  W.Board.prototype.toJSON = function () {
    return {
      notes: Array.from(this.notes.values()),
      clusters: Array.from(this.clusters.values()),
      results: this.results,
      dots_placed: this.dotsPlaced,
    };
  };
  W.Board.prototype.restore = function (saved) {
    this.notes = new Map();
    for (const n of saved.notes || []) if (n && typeof n.id === "number") this.notes.set(n.id, n);
    this.clusters = new Map();
    for (const c of saved.clusters || []) if (c && typeof c.id === "number") this.clusters.set(c.id, c);
    this.results = saved.results || null;
    this.dotsPlaced = typeof saved.dots_placed === "number" ? saved.dots_placed : null;
  };

  /** Whether the room may see totals now (staff always do). */
  W.Board.prototype.totalsVisible = function () {
    const s = this.session;
    if (["votazione", "valutazione", "chiusa"].indexOf(s.phase) >= 0) return !!s.results_revealed;
    return true;
  };
  W.Board.prototype.resultsShown = function () {
    const s = this.session;
    return s.phase === "chiusa" || !!s.closed || (!!s.results_revealed && ["votazione", "valutazione"].indexOf(s.phase) >= 0);
  };

  /** A note from an event, merged with what staff already knew of it. */
  W.Board.prototype._keep = function (incoming) {
    const old = this.notes.get(incoming.id);
    if (!this.staff || !old) return incoming;
    const note = Object.assign({}, incoming);
    if ((note.votes === null || note.votes === undefined) && typeof old.votes === "number") note.votes = old.votes;
    if (note.author && !note.author.id && old.author && old.author.id) note.author = old.author;
    if (W.isPrivateStub(note) && !W.isPrivateStub(old)) return Object.assign({}, old, { cluster_id: note.cluster_id });
    if (note.hidden === undefined) note.hidden = !!old.hidden;
    if (note.hidden && note.hidden_reason === undefined) note.hidden_reason = old.hidden_reason;
    return note;
  };

  W.Board.prototype.setTotals = function (totals) {
    if (!totals) {
      if (this.staff) return; // staff keep their totals; staff.state brings fresh ones
      for (const n of this.notes.values()) if (!W.isPrivateStub(n)) n.votes = null;
      for (const c of this.clusters.values()) c.votes = null;
      return;
    }
    const tn = totals.notes || {};
    const tc = totals.clusters || {};
    for (const n of this.notes.values()) if (!W.isPrivateStub(n)) n.votes = tn[String(n.id)] || 0;
    for (const c of this.clusters.values()) c.votes = tc[String(c.id)] || 0;
  };

  W.Board.prototype._setFromResults = function (results) {
    if (!results || !Array.isArray(results.items)) return;
    for (const item of results.items) {
      const target = item.type === "cluster" ? this.clusters.get(item.id) : this.notes.get(item.id);
      if (target && typeof item.votes === "number") target.votes = item.votes;
    }
    if (typeof results.dots_placed === "number") this.dotsPlaced = results.dots_placed;
  };

  /**
   * Apply one event (its seq is the next one). Returns what changed, for the
   * page to render and announce: {kind, noteIds, clusterIds, ...}.
   */
  W.Board.prototype.apply = function (e) {
    const d = e.data || {};
    const s = this.session;
    const change = { type: e.type, data: d, noteIds: [], clusterIds: [], removedNotes: [], removedClusters: [] };
    switch (e.type) {
      case "participant.joined": {
        const p = d.participant;
        if (this.staff && p && p.id && !this.participants.has(p.id)) this.participants.set(p.id, p);
        break;
      }
      case "note.created":
      case "note.edited":
      case "note.restored": {
        const note = d.note;
        if (!note || typeof note.id !== "number") break;
        change.known = this.notes.has(note.id);
        change.previous = this.notes.get(note.id) || null;
        const kept = this._keep(note);
        if (e.type === "note.restored") {
          kept.hidden = false;
          delete kept.hidden_reason;
        }
        this.notes.set(note.id, kept);
        change.noteIds.push(note.id);
        break;
      }
      case "note.deleted": {
        if (this.notes.has(d.note_id)) {
          change.previous = this.notes.get(d.note_id);
          this.notes.delete(d.note_id);
          change.removedNotes.push(d.note_id);
        }
        break;
      }
      case "note.hidden": {
        const note = this.notes.get(d.note_id);
        if (!note) break;
        change.previous = note;
        if (this.staff) {
          note.hidden = true;
          if (note.hidden_reason === undefined) note.hidden_reason = null;
          note.votes = 0; // its dots went back to their owners
          change.noteIds.push(note.id);
        } else {
          this.notes.delete(d.note_id);
          change.removedNotes.push(d.note_id);
        }
        break;
      }
      case "note.merged": {
        if (d.note && typeof d.note.id === "number") {
          this.notes.set(d.note.id, this._keep(d.note));
          change.noteIds.push(d.note.id);
        }
        for (const id of d.merged || []) {
          if (this.notes.delete(id)) change.removedNotes.push(id);
        }
        break;
      }
      case "note.moved": {
        const note = this.notes.get(d.note_id);
        if (!note) break;
        change.from = note.cluster_id;
        note.cluster_id = d.cluster_id === undefined ? null : d.cluster_id;
        change.noteIds.push(note.id);
        break;
      }
      case "notes.revealed": {
        s.notes_revealed = true;
        for (const n of d.notes || []) {
          if (!n || typeof n.id !== "number") continue;
          this.notes.set(n.id, this._keep(n));
          change.noteIds.push(n.id);
        }
        break;
      }
      case "cluster.created":
      case "cluster.updated": {
        const c = d.cluster;
        if (!c || typeof c.id !== "number") break;
        const old = this.clusters.get(c.id);
        const kept = Object.assign({}, c);
        if (this.staff && (kept.votes === null || kept.votes === undefined)) kept.votes = old ? old.votes : 0;
        change.known = !!old;
        this.clusters.set(c.id, kept);
        change.clusterIds.push(c.id);
        for (const id of d.note_ids || []) {
          const note = this.notes.get(id);
          if (note) {
            note.cluster_id = c.id;
            change.noteIds.push(id);
          }
        }
        break;
      }
      case "cluster.dissolved": {
        const id = d.cluster_id;
        change.previousCluster = this.clusters.get(id) || null;
        if (this.clusters.delete(id)) change.removedClusters.push(id);
        for (const note of this.notes.values()) {
          if (note.cluster_id === id) {
            note.cluster_id = null;
            change.noteIds.push(note.id);
          }
        }
        break;
      }
      case "vote.placed":
      case "vote.withdrawn": {
        if (typeof d.total === "number") {
          if (d.cluster_id !== undefined && d.cluster_id !== null) {
            const c = this.clusters.get(d.cluster_id);
            if (c) c.votes = d.total;
            change.clusterIds.push(d.cluster_id);
          } else {
            const n = this.notes.get(d.note_id);
            if (n) n.votes = d.total;
            change.noteIds.push(d.note_id);
          }
        }
        if (typeof d.dots_placed === "number") this.dotsPlaced = d.dots_placed;
        else if (this.dotsPlaced !== null) this.dotsPlaced += e.type === "vote.placed" ? 1 : -1;
        break;
      }
      case "phase.changed": {
        change.previousPhase = s.phase;
        s.phase = d.phase || s.phase;
        if (d.label) s.phase_label = d.label;
        if (typeof d.results_revealed === "boolean") s.results_revealed = d.results_revealed;
        this.setTotals(d.totals || null);
        if (!d.totals && !this.staff && ["votazione", "valutazione", "chiusa"].indexOf(s.phase) >= 0) this.results = null;
        break;
      }
      case "results.revealed": {
        s.results_revealed = true;
        this.results = d.results || this.results;
        if (d.totals) this.setTotals(d.totals);
        break;
      }
      case "timer.changed": {
        if (d.timer) s.timer = d.timer;
        break;
      }
      case "session.closed": {
        s.closed = true;
        s.phase = "chiusa";
        s.results_revealed = true;
        s.notes_revealed = true;
        if (d.hash) s.snapshot_hash = d.hash;
        if (d.results) {
          this.results = d.results;
          this._setFromResults(d.results);
        }
        if (s.timer) s.timer = Object.assign({}, s.timer, { running: false, ends_at: null });
        break;
      }
      default:
        // Unknown types are ignored; their seq still counts.
        break;
    }
    return change;
  };

  /** Clusters, then (in id order) notes of a cluster or the loose ones. */
  W.Board.prototype.notesIn = function (clusterId) {
    const out = [];
    for (const n of this.notes.values()) if ((n.cluster_id || null) === (clusterId || null)) out.push(n);
    out.sort((a, b) => a.id - b.id);
    return out;
  };
  W.Board.prototype.clusterList = function (byVotes) {
    const list = Array.from(this.clusters.values());
    list.sort((a, b) => (byVotes ? (b.votes || 0) - (a.votes || 0) : 0) || a.id - b.id);
    return list;
  };

  /**
   * The results as rows: every cluster and every visible loose note with its
   * current total, most dots first (ties: clusters first, then by id, as the
   * server orders them), with what the last Results said of it: for staff and
   * the projector, once voting is over, the split by groups of categories as
   * it may be published (`split`: column key → dots, null = reserved; the
   * columns are `results.split_columns`). `stale` says the last Results
   * predate the current total.
   */
  W.Board.prototype.resultRows = function () {
    const byKey = new Map();
    for (const item of (this.results && this.results.items) || []) byKey.set(item.type + ":" + item.id, item);
    const rows = [];
    const push = (type, id, title, votes, extra) => {
      const r = byKey.get(type + ":" + id);
      const total = typeof votes === "number" ? votes : r ? r.votes : 0;
      rows.push(Object.assign({
        type: type, id: id, title: title, votes: total, split: (r && r.split) || null,
        offline_votes: r ? r.offline_votes || 0 : 0, stale: (r ? r.votes : 0) !== total,
      }, extra));
    };
    for (const c of this.clusters.values()) {
      push("cluster", c.id, c.title, c.votes, { areas: c.areas || [], scores: c.scores || null });
    }
    for (const n of this.notes.values()) {
      if (n.cluster_id || W.isPrivateStub(n) || n.hidden) continue;
      push("note", n.id, W.excerpt(n, 120), n.votes, { kind: n.kind });
    }
    rows.sort((a, b) => b.votes - a.votes || (a.type === b.type ? 0 : a.type === "cluster" ? -1 : 1) || a.id - b.id);
    return rows;
  };

  // ------------------------------------------------------------ sequencing

  /**
   * Applies events strictly in `seq` order (docs/protocol.md §8): older ones
   * are ignored, early ones buffered; a gap still open after `gapMs` calls
   * `onGap`. While a join/sync is in flight (`catchingUp`), events are only
   * buffered. The last applied events are kept so that a snapshot older than
   * what is already shown can be brought forward again.
   */
  W.Sequencer = function (opts) {
    this.applied = 0;
    this.hasBoard = false;
    this.catchingUp = true;
    this.buffer = new Map();
    this.log = [];
    this.gapTimer = null;
    this.opts = opts;
  };
  W.Sequencer.prototype.offer = function (e, quiet) {
    if (!e || typeof e.seq !== "number") return;
    if (this.catchingUp || !this.hasBoard) {
      if (!this.hasBoard || e.seq > this.applied) this.buffer.set(e.seq, e);
      return;
    }
    if (e.seq <= this.applied) return;
    this.buffer.set(e.seq, e);
    this.drain(quiet);
  };
  W.Sequencer.prototype.drain = function (quiet) {
    let changed = false;
    while (this.buffer.has(this.applied + 1)) {
      const e = this.buffer.get(this.applied + 1);
      this.buffer.delete(e.seq);
      this.opts.apply(e, quiet);
      this.applied = e.seq;
      this.log.push(e);
      changed = true;
    }
    if (this.log.length > 400) this.log.splice(0, this.log.length - 300);
    for (const seq of Array.from(this.buffer.keys())) if (seq <= this.applied) this.buffer.delete(seq);
    if (changed && this.opts.changed) this.opts.changed(quiet);
    if (this.buffer.size > 0 && !this.catchingUp) {
      if (!this.gapTimer) this.gapTimer = setTimeout(() => this._gapTimeout(), this.opts.gapMs || 2000);
    } else if (this.gapTimer) {
      clearTimeout(this.gapTimer);
      this.gapTimer = null;
    }
    return changed;
  };
  W.Sequencer.prototype._gapTimeout = function () {
    this.gapTimer = null;
    if (this.buffer.size > 0 && !this.buffer.has(this.applied + 1)) this.opts.onGap();
    else this.drain();
  };
  /** The board was just replaced by a snapshot at `head`. */
  W.Sequencer.prototype.snapshotAt = function (head) {
    const redo = this.log.filter((e) => e.seq > head);
    this.log = this.log.filter((e) => e.seq <= head);
    this.applied = head;
    this.hasBoard = true;
    for (const e of redo) if (!this.buffer.has(e.seq)) this.buffer.set(e.seq, e);
  };
  /** Events from an ack in "events" mode: buffered, applied by the next drain. */
  W.Sequencer.prototype.addEvents = function (events) {
    for (const e of events || []) if (e && typeof e.seq === "number" && e.seq > this.applied) this.buffer.set(e.seq, e);
  };
  W.Sequencer.prototype.reset = function () {
    this.buffer.clear();
    this.log = [];
    this.applied = 0;
    this.hasBoard = false;
  };

  // --------------------------------------------------------- announcements

  /** Short messages for screen readers, grouped so a busy room is not a flood. */
  W.Announcer = function (region) {
    let queue = [];
    let timer = null;
    const flush = () => {
      timer = null;
      const text = Array.from(new Set(queue)).join(". ");
      queue = [];
      region.textContent = ""; // so the same message twice in a row is spoken twice
      setTimeout(() => {
        region.textContent = text;
      }, 50);
    };
    return function (message) {
      if (!message) return;
      queue.push(String(message));
      if (!timer) timer = setTimeout(flush, 300);
    };
  };

  // -------------------------------------------------------------- results

  /** The columns of the split in the last Results (none before voting is over). */
  W.Board.prototype.splitColumns = function () {
    return (this.results && this.results.split_columns) || [];
  };

  window.Workshop = W;
})();
