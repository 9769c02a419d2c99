/*
 * One live client of the real-time protocol (docs/protocol.md), shared by the
 * room, the control room and the projector; each page is a view on it.
 *
 *   - on every Socket.IO `connect`: the page's join (`join` with the token, or
 *     `staff.join`), with `since` when the page already holds a board; the ack
 *     (snapshot or events) is applied, then the outbox is sent;
 *   - events are applied strictly in `seq` order (Sequencer) to the Board: a
 *     gap that lasts ~2 s is filled with `sync` (or a fresh `staff.state`);
 *   - every change is a command with a `cid`, kept in the outbox before it is
 *     sent and removed only when its answer arrives; commands go one at a
 *     time, in order, and again with the same cid after a timeout or a
 *     reconnection (the server never applies one twice); a refusal that
 *     changed nothing and says so (`internal_error`, `session_busy`,
 *     `rate_limited`) is retried, the same command, a little later.
 *
 * The page gives `hooks` (all optional):
 *   apply(e, quiet, change)  after the board applied an event (quiet: during a catch-up)
 *   changed(quiet)           after a run of events was applied
 *   caughtUp(ack, info)      after a join/sync/staff.state ack was applied (its self and
 *                            presence are the page's to apply: hooks.self is for messages)
 *   joined(ack, info)        the socket has joined and caught up (info.rejoin: not the first time)
 *   joinRefused(error, retrying)
 *   connection(state)        "connecting", "online" or "offline"
 *   lost(wasJoined)          the socket went away
 *   self(s), presence(p)     the participant's own state, who is connected (a `self`
 *                            pushed while one of our commands waits for its answer is
 *                            held until that answer: it may already count the command
 *                            the outbox still counts, e.g. a dot twice)
 *   done(cmd, ack, error)    a command's final answer (error null when ok)
 *   rateLimited(seconds)     a command waits that long before going again
 */
import { Sequencer } from "./sequencer.js";
import { syncClock } from "./clock.js";
import { retryAfterMs } from "./text.js";

export const ACK_TIMEOUT_MS = 10000;
export const RETRY_MS = 3000;
export const GAP_WAIT_MS = 2000;
const MAX_INTERNAL_RETRIES = 5;
const RATE_LIMIT_FALLBACK_S = 10;
const STATE_MIN_INTERVAL_MS = 1000;
const RETRYABLE = ["rate_limited", "internal_error", "session_busy"];
/** `since` beyond any head: the server answers with a snapshot. */
export const FORCE_SNAPSHOT_SINCE = Number.MAX_SAFE_INTEGER;

export class LiveClient {
  /**
   * opts: {sessionId, board, outbox, io, window, hooks, countdown,
   *        join: {event, payload(): object, since: bool},
   *        stateView: "control" | "projector" (staff clients: for staff.state),
   *        onGap: "sync" | "state"}
   */
  constructor(opts) {
    this.sessionId = opts.sessionId;
    this.board = opts.board;
    this.outbox = opts.outbox;
    this.hooks = opts.hooks || {};
    this.joinSpec = opts.join;
    this.stateView = opts.stateView || null;
    this.countdown = opts.countdown || null; // a Countdown: set from every fresh timer
    this.joined = false;
    this.everJoined = false;
    this.connection = "connecting";
    this.connId = 0; // bumps on every connect and disconnect, to ignore answers meant for an older socket
    this.inFlight = null; // cid of the command waiting for its answer
    this.heldSelf = null; // a `self` pushed while a command was in flight
    this.pumpGen = 0;
    this.handled = new Set(); // cids whose answer was already applied (late duplicates)
    this.internalRetries = new Map();
    this.stateRequest = { inFlight: false, wanted: false, last: 0, timer: null };
    this.seq = new Sequencer({
      gapMs: GAP_WAIT_MS,
      apply: (e, quiet) => {
        const change = this.board.apply(e);
        if (e.type === "timer.changed" && this.countdown) this.countdown.set(this.board.session.timer, true);
        this._hook("apply", e, quiet, change);
      },
      changed: (quiet) => this._hook("changed", quiet),
      onGap: () => (opts.onGap === "state" ? this.requestState(true) : this.sync()),
    });
    this.socket = null;
    if (opts.io) this.connect(opts.io, opts.window);
  }

  _hook(name, ...args) {
    const fn = this.hooks[name];
    return fn ? fn(...args) : undefined;
  }

  /** Open the socket (Socket.IO reconnects by itself) and follow the browser's network state. */
  connect(io, win) {
    const socket = io({ transports: ["websocket", "polling"] });
    this.socket = socket;
    socket.on("connect", () => {
      this.connId++;
      this.joined = false;
      this.join();
    });
    socket.on("disconnect", () => {
      this.connId++;
      const was = this.joined;
      this.joined = false;
      this.seq.catchingUp = true;
      this.heldSelf = null; // the rejoin's ack brings a fresh one
      this.setConnection("offline");
      this._hook("lost", was);
    });
    socket.on("connect_error", () => {
      // Socket.IO keeps trying by itself; meanwhile commands wait in the outbox.
      if (!socket.connected) this.setConnection("offline");
    });
    socket.on("event", (e) => this.offer(e));
    socket.on("self", (s) => this._mine(s) && this._pushedSelf(s));
    socket.on("presence", (p) => this._mine(p) && this._hook("presence", p));
    if (win) {
      // The browser knows before the socket's heartbeat does.
      win.addEventListener("offline", () => {
        if (socket.connected && socket.io.engine) socket.io.engine.close(); // lets Socket.IO reconnect by itself
        this.setConnection("offline");
      });
      win.addEventListener("online", () => {
        if (!socket.connected) socket.connect();
      });
    }
    return socket;
  }

  /**
   * Our own command's effect reaches us twice: pushed to all our tabs (before
   * the ack, usually) and in the ack. Until the answer, the outbox still holds
   * the command, so a pushed state that already counts it would count it
   * twice (a dot placed shows as two, the cap reached, the button disabled
   * under the finger). Held until the answer, then given if still newer.
   */
  _pushedSelf(s) {
    if (this.inFlight) {
      const seq = (x) => (typeof x.seq === "number" ? x.seq : -1);
      if (!this.heldSelf || seq(s) >= seq(this.heldSelf)) this.heldSelf = s;
      return;
    }
    this._hook("self", s);
  }

  _releaseSelf() {
    const held = this.heldSelf;
    this.heldSelf = null;
    if (held) this._hook("self", held);
  }

  _mine(message) {
    return !!message && message.session_id === this.sessionId;
  }

  setConnection(state) {
    this.connection = state;
    this._hook("connection", state);
  }

  /** An event from the socket or from an ack: into the sequencer, if it is this session's. */
  offer(e) {
    if (this._mine(e) && typeof e.seq === "number") this.seq.offer(e);
  }

  _emit(name, payload, callback) {
    this.socket.timeout(ACK_TIMEOUT_MS).emit(name, payload, callback);
  }

  /** Send this page's join; on success catch up, then send the outbox. */
  join() {
    const myConn = this.connId;
    const spec = this.joinSpec;
    this.seq.catchingUp = true;
    this.setConnection("connecting");
    const payload = spec.payload();
    if (spec.since && this.seq.hasBoard) payload.since = this.seq.applied;
    this._emit(spec.event, payload, (err, ack) => {
      if (myConn !== this.connId) return; // an older connection's answer
      if (err) {
        // No answer: try again on this connection, or after the next connect.
        if (this.socket.connected) this._joinLater(myConn, RETRY_MS);
        return;
      }
      if (!ack || !ack.ok) return this._joinRefused((ack && ack.error) || {}, myConn);
      const rejoin = this.everJoined;
      const info = this.catchUp(ack);
      info.rejoin = rejoin;
      this.joined = true;
      this.everJoined = true;
      this.setConnection("online");
      this._hook("joined", ack, info);
      this.restartPump();
    });
  }

  _joinLater(myConn, wait) {
    setTimeout(() => myConn === this.connId && this.socket.connected && this.join(), wait);
  }

  _joinRefused(error, myConn) {
    const retrying = RETRYABLE.indexOf(error.code) >= 0;
    this._hook("joinRefused", error, retrying);
    if (retrying) {
      // As long as the server says: a rate-limited address is refused until then.
      this._joinLater(myConn, error.code === "rate_limited" ? retryAfterMs(error, RATE_LIMIT_FALLBACK_S) : RETRY_MS);
    } else {
      this.setConnection("offline");
    }
  }

  /**
   * The ack of join, sync or staff.state: a snapshot replaces the board,
   * events are replayed (with anything that arrived meanwhile, in order).
   * Returns {quiet, snapshot, hadBoard, phaseBefore, notesBefore, notesLoaded}.
   */
  catchUp(ack) {
    const board = this.board;
    const info = {
      quiet: {}, // filled by the page's apply hook during the replay
      snapshot: ack.mode === "snapshot",
      hadBoard: this.seq.hasBoard,
      phaseBefore: board.phase(),
      notesBefore: new Set(board.notes.keys()),
      notesLoaded: null,
    };
    if (ack.session && ack.session.timer) syncClock(ack.session.timer.server_now);
    if (info.snapshot) {
      board.load(ack);
      this.seq.snapshotAt(ack.head);
      info.notesLoaded = new Set(board.notes.keys());
    } else {
      if (ack.session) board.session = Object.assign({}, board.session, ack.session);
      this.seq.addEvents(ack.events);
    }
    this.seq.catchingUp = false;
    this.seq.drain(info.quiet);
    if (this.countdown) this.countdown.set(board.session.timer, true);
    this._hook("caughtUp", ack, info); // the page applies ack.self and ack.presence there, in its order
    return info;
  }

  /** Ask for what was missed since `since` (default: the last applied), or a snapshot. */
  sync(since) {
    if (!this.joined || this.seq.catchingUp) return;
    const myConn = this.connId;
    this.seq.catchingUp = true;
    const payload = { session_id: this.sessionId, since: typeof since === "number" ? since : this.seq.applied };
    this._emit("sync", payload, (err, ack) => {
      if (myConn !== this.connId) return;
      if (err || !ack || !ack.ok) {
        this.seq.catchingUp = false;
        if (ack && ack.error && ack.error.code === "not_joined") return this.join();
        this.seq.drain(); // keeps the gap timer going: another sync later
        return;
      }
      this.catchUp(ack);
    });
  }

  /**
   * Staff: a fresh `staff.state` snapshot, at most once a second and grouped
   * after bursts of events (`soon`: without the short grouping wait).
   */
  requestState(soon) {
    const r = this.stateRequest;
    r.wanted = true;
    if (r.inFlight || r.timer) return;
    const wait = Math.max(soon ? 0 : 250, r.last + STATE_MIN_INTERVAL_MS - Date.now());
    r.timer = setTimeout(() => this._sendState(), wait);
  }

  _sendState() {
    const r = this.stateRequest;
    r.timer = null;
    if (!this.joined) return; // the next staff.join brings a snapshot anyway
    r.wanted = false;
    r.inFlight = true;
    r.last = Date.now();
    const myConn = this.connId;
    this._emit("staff.state", { session_id: this.sessionId, view: this.stateView }, (err, ack) => {
      r.inFlight = false;
      if (myConn !== this.connId) return;
      if (!err && ack && ack.ok) this.catchUp(ack);
      else if (ack && ack.error && ack.error.code === "not_joined") return this.join();
      if (r.wanted || err) this.requestState();
    });
  }

  /**
   * A read that changes nothing (note.similar, groups.suggest): sent only while
   * joined, never queued (an answer for a moment that has passed is worth
   * nothing); `done(ack)` gets the ack, or null when there is none to have.
   */
  read(name, fields, done) {
    if (!this.joined || !this.socket) return done(null);
    const myConn = this.connId;
    this._emit(name, Object.assign({ session_id: this.sessionId }, fields), (err, ack) => {
      if (myConn !== this.connId || err || !ack) return done(null);
      if (ack.error && ack.error.code === "not_joined") this.join();
      done(ack);
    });
  }

  // ------------------------------------------------------------ commands

  /** Queue a command (stored first), then send what is queued. */
  send(name, fields, extra) {
    const cmd = this.outbox.add(name, Object.assign({ session_id: this.sessionId }, fields), extra);
    this.pump();
    return cmd;
  }

  restartPump() {
    this.pumpGen++;
    this.inFlight = null;
    this.pump();
  }

  /** Send the outbox, one command at a time and in order, while joined. */
  pump() {
    if (!this.joined || this.inFlight) return;
    const cmd = this.outbox.first();
    if (!cmd) return;
    const gen = this.pumpGen;
    const myConn = this.connId;
    this.inFlight = cmd.cid;
    this._emit(cmd.name, cmd.payload, (err, ack) => {
      const current = gen === this.pumpGen;
      if (current) this.inFlight = null;
      if (err) {
        // Timed out or disconnected: the command stays queued and goes again, same cid.
        if (current && myConn === this.connId && this.socket.connected) setTimeout(() => this.pump(), RETRY_MS);
        return;
      }
      const next = this._answered(cmd, ack);
      if (current) this._releaseSelf();
      if (!current) return;
      if (typeof next === "number") setTimeout(() => this.pump(), next);
      else if (next === "next") this.pump();
    });
  }

  /** Apply a command's ack; says what the pump does next: "next", "wait" or a delay in ms. */
  _answered(cmd, ack) {
    if (this.handled.has(cmd.cid)) return "next";
    const error = ack && !ack.ok ? ack.error || {} : null;
    const code = error && error.code;
    if (code === "not_joined") {
      // Keep it: join again; the outbox is sent again after the join.
      if (this.socket.connected) this.join();
      return "wait";
    }
    if (code === "internal_error" || code === "session_busy") {
      const n = (this.internalRetries.get(cmd.cid) || 0) + 1;
      this.internalRetries.set(cmd.cid, n);
      if (n < MAX_INTERNAL_RETRIES) return RETRY_MS; // nothing was changed: same cid, a bit later
    }
    if (code === "rate_limited") {
      // Nothing was changed: the same command goes again when the server says.
      const wait = retryAfterMs(error, RATE_LIMIT_FALLBACK_S);
      this._hook("rateLimited", Math.round(wait / 1000));
      return wait;
    }
    this.handled.add(cmd.cid);
    // Its events first, while the outbox still counts it: a page rendering them
    // does not show the command undone before its ack's `self` arrives (in done).
    if (ack && ack.ok) for (const e of ack.events || []) this.offer(e);
    this.outbox.remove(cmd.cid);
    this._hook("done", cmd, ack, error);
    return "next";
  }
}
