/*
 * The board reducer: what a client knows of a session, and how each protocol
 * event changes it (docs/protocol.md §6.1, §7). No DOM and no socket: the
 * Node tests (tests/js) feed it event sequences recorded from the server and
 * compare the result with the server's snapshot at the same head.
 *
 * `staff` boards (control room) keep what staff know (totals, authors, hidden
 * notes) when an event, built for the room, leaves it out.
 */

const VOTING_ON = ["votazione", "valutazione", "chiusa"];

export function isPrivateStub(note) {
  return !!(note && note.private === true && note.html === undefined);
}

function byId(list) {
  const map = new Map();
  for (const item of list || []) if (item && typeof item.id === "number") map.set(item.id, item);
  return map;
}

export class Board {
  constructor(session, staff) {
    this.session = session;
    this.staff = !!staff;
    this.notes = new Map();
    this.clusters = new Map();
    this.results = null;
    this.dotsPlaced = null;
    this.participants = new Map(); // staff: id -> Author
  }

  /** A join/sync/staff ack: a snapshot replaces the board; any ack brings the session. */
  load(ack) {
    if (ack.session) this.session = ack.session;
    if (ack.mode !== "snapshot") return;
    this.notes = byId(ack.notes);
    this.clusters = byId(ack.clusters);
    this.results = ack.results || (this.totalsVisible() ? this.results : null);
    if (Array.isArray(ack.participants)) {
      this.participants = new Map();
      for (const p of ack.participants) if (p && p.id) this.participants.set(p.id, p);
    }
    if (ack.results && typeof ack.results.dots_placed === "number") this.dotsPlaced = ack.results.dots_placed;
  }

  toJSON() {
    return {
      notes: Array.from(this.notes.values()),
      clusters: Array.from(this.clusters.values()),
      results: this.results,
      dots_placed: this.dotsPlaced,
    };
  }

  restore(saved) {
    this.notes = byId(saved.notes);
    this.clusters = byId(saved.clusters);
    this.results = saved.results || null;
    this.dotsPlaced = typeof saved.dots_placed === "number" ? saved.dots_placed : null;
  }

  // ---------------------------------------------------------- the session

  phase() {
    return this.session.closed ? "chiusa" : this.session.phase;
  }
  inPhase(...phases) {
    return phases.indexOf(this.phase()) >= 0;
  }
  /**
   * Whether `command` (a socket event name) is allowed now, for a
   * "participant" (also staff typing for an offline one) or "staff": the
   * server's own table, sent in the session object (`commands`).
   */
  allows(actor, command) {
    const table = (this.session.commands || {})[actor] || {};
    return (table[command] || []).indexOf(this.phase()) >= 0;
  }
  /** From votazione on, items show their dots (or that they are hidden). */
  votingOn() {
    return VOTING_ON.indexOf(this.phase()) >= 0;
  }
  /** Whether the room may see totals now (staff always do). */
  totalsVisible() {
    return VOTING_ON.indexOf(this.session.phase) >= 0 ? !!this.session.results_revealed : true;
  }
  /** Totals hidden from the room while voting or scoring (until the reveal). */
  totalsHidden() {
    return this.inPhase("votazione", "valutazione") && !this.session.results_revealed;
  }
  resultsShown() {
    const s = this.session;
    return s.phase === "chiusa" || !!s.closed || (!!s.results_revealed && ["votazione", "valutazione"].indexOf(s.phase) >= 0);
  }
  /** In valutazione and chiusa, clusters are listed by their dots (when the room sees them). */
  rankByVotes() {
    return this.inPhase("valutazione", "chiusa") && this.totalsVisible();
  }

  // ------------------------------------------------------------- events

  /** A note from an event, merged with what staff already knew of it. */
  _keep(incoming) {
    const old = this.notes.get(incoming.id);
    if (!this.staff || !old) return incoming;
    const note = Object.assign({}, incoming);
    if ((note.votes === null || note.votes === undefined) && typeof old.votes === "number") note.votes = old.votes;
    if (note.author && !note.author.id && old.author && old.author.id) note.author = old.author;
    if (isPrivateStub(note) && !isPrivateStub(old)) return Object.assign({}, old, { cluster_id: note.cluster_id });
    if (note.hidden === undefined) note.hidden = !!old.hidden;
    if (note.hidden && note.hidden_reason === undefined) note.hidden_reason = old.hidden_reason;
    return note;
  }

  setTotals(totals) {
    if (!totals) {
      if (this.staff) return; // staff keep their totals; staff.state brings fresh ones
      for (const n of this.notes.values()) if (!isPrivateStub(n)) n.votes = null;
      for (const c of this.clusters.values()) c.votes = null;
      return;
    }
    const tn = totals.notes || {};
    const tc = totals.clusters || {};
    for (const n of this.notes.values()) if (!isPrivateStub(n)) n.votes = tn[String(n.id)] || 0;
    for (const c of this.clusters.values()) c.votes = tc[String(c.id)] || 0;
  }

  _setFromResults(results) {
    if (!results || !Array.isArray(results.items)) return;
    for (const item of results.items) {
      const target = item.type === "cluster" ? this.clusters.get(item.id) : this.notes.get(item.id);
      if (target && typeof item.votes === "number") target.votes = item.votes;
    }
    if (typeof results.dots_placed === "number") this.dotsPlaced = results.dots_placed;
  }

  /**
   * Apply one event (its seq is the next one). Returns what changed, for the
   * page to render and announce: {type, data, noteIds, clusterIds, removedNotes, …}.
   */
  apply(e) {
    const d = e.data || {};
    const change = { type: e.type, data: d, noteIds: [], clusterIds: [], removedNotes: [], removedClusters: [] };
    const handler = EVENT_HANDLERS[e.type];
    if (handler) handler.call(this, d, change, e); // unknown types are ignored; their seq still counts
    return change;
  }

  // ------------------------------------------------------------- queries

  /** Notes of a cluster, or the loose ones (null), in id order. */
  notesIn(clusterId) {
    const out = [];
    for (const n of this.notes.values()) if ((n.cluster_id || null) === (clusterId || null)) out.push(n);
    out.sort((a, b) => a.id - b.id);
    return out;
  }
  clusterList(byVotes) {
    const list = Array.from(this.clusters.values());
    list.sort((a, b) => (byVotes ? (b.votes || 0) - (a.votes || 0) : 0) || a.id - b.id);
    return list;
  }

  /**
   * The results as rows: every cluster and every visible loose note with its
   * current total, most dots first (ties: clusters first, then by id, as the
   * server orders them), with what the last Results said of it: for staff and
   * the projector, once voting is over, the split by groups of categories as
   * it may be published (`split`: column key → dots, null = reserved; the
   * columns are `results.split_columns`). `stale` says the last Results
   * predate the current total. `titleOf(note)` gives a loose note's title.
   */
  resultRows(titleOf) {
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
      if (n.cluster_id || isPrivateStub(n) || n.hidden) continue;
      push("note", n.id, titleOf ? titleOf(n) : n.text || "", n.votes, { kind: n.kind });
    }
    rows.sort((a, b) => b.votes - a.votes || (a.type === b.type ? 0 : a.type === "cluster" ? -1 : 1) || a.id - b.id);
    return rows;
  }

  /** The columns of the split in the last Results (none before voting is over). */
  splitColumns() {
    return (this.results && this.results.split_columns) || [];
  }
}

function putNote(d, change, e) {
  const note = d.note;
  if (!note || typeof note.id !== "number") return;
  change.known = this.notes.has(note.id);
  change.previous = this.notes.get(note.id) || null;
  const kept = this._keep(note);
  if (e.type === "note.restored") {
    kept.hidden = false;
    delete kept.hidden_reason;
  }
  this.notes.set(note.id, kept);
  change.noteIds.push(note.id);
}

function putCluster(d, change) {
  const c = d.cluster;
  if (!c || typeof c.id !== "number") return;
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
}

function countVote(d, change, e) {
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
}

/** How each event type changes the board (`this`); docs/protocol.md §6.1. */
const EVENT_HANDLERS = {
  "participant.joined"(d) {
    const p = d.participant;
    if (this.staff && p && p.id && !this.participants.has(p.id)) this.participants.set(p.id, p);
  },
  "note.created": putNote,
  "note.edited": putNote,
  "note.restored": putNote,
  "note.deleted"(d, change) {
    if (!this.notes.has(d.note_id)) return;
    change.previous = this.notes.get(d.note_id);
    this.notes.delete(d.note_id);
    change.removedNotes.push(d.note_id);
  },
  "note.hidden"(d, change) {
    const note = this.notes.get(d.note_id);
    if (!note) return;
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
  },
  "note.merged"(d, change) {
    if (d.note && typeof d.note.id === "number") {
      this.notes.set(d.note.id, this._keep(d.note));
      change.noteIds.push(d.note.id);
    }
    for (const id of d.merged || []) {
      if (this.notes.delete(id)) change.removedNotes.push(id);
    }
  },
  "note.moved"(d, change) {
    const note = this.notes.get(d.note_id);
    if (!note) return;
    change.from = note.cluster_id;
    note.cluster_id = d.cluster_id === undefined ? null : d.cluster_id;
    change.noteIds.push(note.id);
  },
  "notes.revealed"(d, change) {
    this.session.notes_revealed = true;
    for (const n of d.notes || []) {
      if (!n || typeof n.id !== "number") continue;
      this.notes.set(n.id, this._keep(n));
      change.noteIds.push(n.id);
    }
  },
  "cluster.created": putCluster,
  "cluster.updated": putCluster,
  "cluster.dissolved"(d, change) {
    const id = d.cluster_id;
    change.previousCluster = this.clusters.get(id) || null;
    if (this.clusters.delete(id)) change.removedClusters.push(id);
    for (const note of this.notes.values()) {
      if (note.cluster_id === id) {
        note.cluster_id = null;
        change.noteIds.push(note.id);
      }
    }
  },
  "vote.placed": countVote,
  "vote.withdrawn": countVote,
  "phase.changed"(d, change) {
    const s = this.session;
    change.previousPhase = s.phase;
    s.phase = d.phase || s.phase;
    if (d.label) s.phase_label = d.label;
    if (typeof d.results_revealed === "boolean") s.results_revealed = d.results_revealed;
    this.setTotals(d.totals || null);
    if (!d.totals && !this.staff && VOTING_ON.indexOf(s.phase) >= 0) this.results = null;
  },
  "results.revealed"(d) {
    this.session.results_revealed = true;
    this.results = d.results || this.results;
    if (d.totals) this.setTotals(d.totals);
  },
  "timer.changed"(d) {
    if (d.timer) this.session.timer = d.timer;
  },
  "session.closed"(d) {
    const s = this.session;
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
  },
};
