// The live client (static/js/live/client.js) against a scripted socket: the
// join and its catch-up, events before the ack, the outbox sent one command
// at a time with its cid, and what each refusal makes it do.
import { afterEach, beforeEach, mock, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Board } from "../../static/js/live/board.js";
import { LiveClient } from "../../static/js/live/client.js";
import { Outbox } from "../../static/js/live/outbox.js";

const recording = JSON.parse(readFileSync(new URL("./fixtures/session.json", import.meta.url), "utf8"));
const room = recording.viewers.room;
const events = room.messages.filter((m) => m.kind === "event").map((m) => m.event);
const clone = (v) => structuredClone(v);

/** A Socket.IO client whose answers the test gives: `sent` holds each emit with its callback. */
class FakeSocket {
  constructor() {
    this.handlers = {};
    this.sent = [];
    this.connected = false;
    this.io = { engine: null };
  }
  on(name, fn) {
    this.handlers[name] = fn;
  }
  timeout() {
    return { emit: (name, payload, callback) => this.sent.push({ name, payload, callback }) };
  }
  fire(name, arg) {
    if (name === "connect") this.connected = true;
    if (name === "disconnect") this.connected = false;
    this.handlers[name](arg);
  }
  /** Answer the oldest unanswered emit named `name`. */
  answer(name, ...args) {
    const i = this.sent.findIndex((s) => s.name === name && !s.answered);
    assert.ok(i >= 0, "nothing sent as " + name);
    this.sent[i].answered = true;
    this.sent[i].callback(...args);
    return this.sent[i];
  }
  pending(name) {
    return this.sent.filter((s) => s.name === name && !s.answered);
  }
}

function makeClient() {
  const socket = new FakeSocket();
  const calls = { done: [], rateLimited: [], connection: [], joined: 0 };
  const board = new Board(clone(room.first.session), false);
  const client = new LiveClient({
    sessionId: room.first.session.id,
    board,
    outbox: new Outbox(),
    join: { event: "join", payload: () => ({ token: "token-1" }), since: true },
    hooks: {
      done: (cmd, ack, error) => calls.done.push({ cmd, ack, error }),
      rateLimited: (s) => calls.rateLimited.push(s),
      connection: (s) => calls.connection.push(s),
      joined: () => calls.joined++,
    },
  });
  client.connect(() => socket);
  return { client, socket, calls, board };
}

beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
afterEach(() => mock.timers.reset());

test("joins on connect, buffers events that come before the ack, then applies them in order", () => {
  const { client, socket, board, calls } = makeClient();
  socket.fire("connect");
  const join = socket.pending("join")[0];
  assert.deepEqual(join.payload, { token: "token-1" }); // no board yet: no `since`
  const after = events.filter((e) => e.seq > room.first.head).slice(0, 5);
  for (const e of after.slice().reverse()) socket.fire("event", clone(e)); // early, and out of order
  assert.equal(board.notes.size, 0);
  socket.answer("join", null, clone(room.first));
  assert.equal(client.joined, true);
  assert.equal(client.seq.applied, after.at(-1).seq);
  assert.deepEqual(calls.connection, ["connecting", "online"]);
  assert.equal(calls.joined, 1);
  socket.fire("disconnect");
  socket.fire("connect");
  assert.equal(socket.pending("join")[0].payload.since, after.at(-1).seq, "a rejoin asks for what it missed");
});

function joined() {
  const made = makeClient();
  made.socket.fire("connect");
  made.socket.answer("join", null, clone(room.first));
  return made;
}

test("commands go one at a time, in order, each with its own cid", () => {
  const { client, socket, calls } = joined();
  const a = client.send("note.create", { kind: "proposta", text: "uno" });
  const b = client.send("note.create", { kind: "proposta", text: "due" });
  assert.equal(socket.pending("note.create").length, 1);
  assert.equal(socket.pending("note.create")[0].payload.cid, a.cid);
  assert.equal(a.payload.session_id, room.first.session.id);
  socket.answer("note.create", null, { ok: true, events: [] });
  assert.equal(socket.pending("note.create")[0].payload.cid, b.cid);
  socket.answer("note.create", null, { ok: true, events: [] });
  assert.deepEqual(calls.done.map((d) => d.cmd.cid), [a.cid, b.cid]);
  assert.equal(client.outbox.list().length, 0);
});

test("no answer, or a dropped connection: the same command again, same cid, after the rejoin", () => {
  const { client, socket } = joined();
  const cmd = client.send("vote.place", { note_id: 1 });
  socket.answer("vote.place", new Error("timeout"));
  mock.timers.tick(3000);
  assert.equal(socket.pending("vote.place")[0].payload.cid, cmd.cid, "resent after a pause");
  socket.fire("disconnect");
  socket.answer("vote.place", new Error("disconnected"));
  assert.equal(client.outbox.list().length, 1, "kept while offline");
  socket.fire("connect");
  assert.equal(socket.pending("vote.place").length, 0, "nothing is sent before the join");
  socket.answer("join", null, { ok: true, mode: "events", session: clone(room.first.session), head: room.first.head, events: [] });
  assert.equal(socket.pending("vote.place")[0].payload.cid, cmd.cid);
});

test("rate_limited waits as long as the server says; busy or faulty servers are retried a few times", () => {
  const { client, socket, calls } = joined();
  const cmd = client.send("note.create", { kind: "caso", text: "tre" });
  socket.answer("note.create", null, { ok: false, error: { code: "rate_limited", params: { retry_after: 7 } } });
  assert.deepEqual(calls.rateLimited, [7]);
  mock.timers.tick(6999);
  assert.equal(socket.pending("note.create").length, 0);
  mock.timers.tick(1);
  assert.equal(socket.pending("note.create")[0].payload.cid, cmd.cid);
  for (let i = 0; i < 4; i++) {
    socket.answer("note.create", null, { ok: false, error: { code: i % 2 ? "internal_error" : "session_busy" } });
    mock.timers.tick(3000);
  }
  assert.equal(calls.done.length, 0, "still retrying");
  socket.answer("note.create", null, { ok: false, error: { code: "internal_error", message: "guasto" } });
  assert.equal(calls.done.length, 1, "given up after five");
  assert.equal(calls.done[0].error.code, "internal_error");
  assert.equal(client.outbox.list().length, 0);
});

test("not_joined joins again and keeps the command; a refusal is final and reported", () => {
  const { client, socket, calls } = joined();
  client.send("note.delete", { note_id: 3 });
  socket.answer("note.delete", null, { ok: false, error: { code: "not_joined" } });
  assert.equal(socket.pending("join").length, 1);
  assert.equal(client.outbox.list().length, 1);
  socket.answer("join", null, clone(room.first));
  socket.answer("note.delete", null, { ok: false, error: { code: "not_note_author", message: "No" } });
  assert.equal(calls.done[0].error.code, "not_note_author");
  assert.equal(client.outbox.list().length, 0);
});

test("a gap that does not fill asks for what is missing", () => {
  const { client, socket } = joined();
  const later = events.filter((e) => e.seq > room.first.head + 1).slice(0, 2);
  for (const e of later) socket.fire("event", clone(e));
  assert.equal(socket.pending("sync").length, 0);
  mock.timers.tick(2000);
  assert.deepEqual(socket.pending("sync")[0].payload, { session_id: room.first.session.id, since: room.first.head });
  const missing = events.filter((e) => e.seq > room.first.head && e.seq <= later.at(-1).seq);
  socket.answer("sync", null, { ok: true, mode: "events", head: later.at(-1).seq, events: clone(missing) });
  assert.equal(client.seq.applied, later.at(-1).seq);
});

test("a `self` pushed while our command waits for its answer is held until the answer", () => {
  const { client, socket } = joined();
  const selves = [];
  client.hooks.self = (s) => selves.push(s);
  const sid = room.first.session.id;
  client.send("vote.place", { note_id: 1 });
  socket.fire("self", { session_id: sid, seq: 7, dots_left: 2 }); // already counts the queued dot
  assert.deepEqual(selves, [], "not shown while the outbox still counts the dot");
  assert.equal(client.outbox.list().length, 1);
  socket.answer("vote.place", null, { ok: true, events: [] });
  assert.deepEqual(selves.map((s) => s.seq), [7], "given after the answer");
  socket.fire("self", { session_id: sid, seq: 8, dots_left: 2 });
  assert.deepEqual(selves.map((s) => s.seq), [7, 8], "nothing in flight: at once");
});

test("a read (note.similar) goes only while joined, is never queued, and an answer for an older socket is dropped", () => {
  const { client, socket } = makeClient();
  const answers = [];
  client.read("note.similar", { text: "prima" }, (ack) => answers.push(ack));
  assert.deepEqual(answers, [null]); // not joined yet: nothing sent, nothing kept for later
  socket.fire("connect");
  socket.answer("join", null, clone(room.first));
  assert.equal(client.outbox.list().length, 0);
  client.read("note.similar", { text: "seconda" }, (ack) => answers.push(ack));
  const sent = socket.pending("note.similar")[0];
  assert.deepEqual(sent.payload, { session_id: room.first.session.id, text: "seconda" });
  socket.answer("note.similar", null, { ok: true, notes: [] });
  assert.deepEqual(answers[1], { ok: true, notes: [] });
  // Sent, then the connection dropped: the late answer is not applied.
  client.read("note.similar", { text: "terza" }, (ack) => answers.push(ack));
  socket.fire("disconnect");
  socket.answer("note.similar", null, { ok: true, notes: [{ note: { id: 1 } }] });
  assert.deepEqual(answers[2], null);
  assert.equal(client.outbox.list().length, 0);
});
