// The browser's reducer (static/js/live/board.js) and sequencer (sequencer.js)
// fed what the server sent three clients of one session (tests/js/fixtures,
// recorded by tests/live_recording.py): at every checkpoint the board they
// built must be the server's own snapshot at the same head.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Board } from "../../static/js/live/board.js";
import { Sequencer } from "../../static/js/live/sequencer.js";

const recording = JSON.parse(readFileSync(new URL("./fixtures/session.json", import.meta.url), "utf8"));
const viewers = Object.entries(recording.viewers);
const clone = (v) => structuredClone(v);

/** A board and its sequencer, caught up with a snapshot ack, as the client does on join. */
export function start(ack, staff) {
  const board = new Board(clone(ack.session), staff);
  const applied = [];
  const seq = new Sequencer({
    gapMs: 5,
    apply: (e) => {
      board.apply(e);
      applied.push(e.seq);
    },
    onGap: () => {},
  });
  board.load(clone(ack));
  seq.snapshotAt(ack.head);
  seq.catchingUp = false;
  seq.drain();
  return { board, seq, applied };
}

const byId = (list) => [...list].sort((a, b) => a.id - b.id);

/**
 * Staff boards keep what events leave out (totals while the room may not see
 * them, the reason of a note just hidden): staff.state brings those, so they
 * are compared only where events carry them.
 */
function comparable(items, staff, totalsVisible) {
  return byId(items).map((item) => {
    const copy = clone(item);
    if (staff && !totalsVisible) delete copy.votes;
    if (staff && copy.hidden) delete copy.hidden_reason;
    if (staff) copy.hidden = !!copy.hidden; // events carry no `hidden`: absent is not hidden
    return copy;
  });
}

function assertMatches(board, ack, where) {
  const visible = board.totalsVisible();
  assert.deepEqual(comparable(board.notes.values(), board.staff, visible), comparable(ack.notes, board.staff, visible), where + ": notes");
  assert.deepEqual(comparable(board.clusters.values(), board.staff, visible), comparable(ack.clusters, board.staff, visible), where + ": clusters");
  for (const key of ["phase", "closed", "results_revealed", "notes_revealed", "snapshot_hash"]) {
    assert.deepEqual(board.session[key], ack.session[key], where + ": session." + key);
  }
  // The timer as of when each message was sent (server_now, and remaining_s while it runs, move on).
  const timer = (t) => t && { duration_s: t.duration_s, running: t.running, ends_at: t.ends_at, remaining_s: t.running ? null : t.remaining_s };
  assert.deepEqual(timer(board.session.timer), timer(ack.session.timer), where + ": session.timer");
  if (ack.results && (!board.staff || visible)) {
    const rows = board.resultRows().map((r) => [r.type, r.id, r.votes]);
    assert.deepEqual(rows, ack.results.items.map((i) => [i.type, i.id, i.votes]), where + ": results");
  }
}

function checkpoints(viewer) {
  return viewer.messages.filter((m) => m.kind === "snapshot").map((m) => m.ack);
}

for (const [name, viewer] of viewers) {
  test(`${name}: events in order build the server's snapshot at every checkpoint`, () => {
    const { board, seq } = start(viewer.first, viewer.staff);
    let checked = 0;
    for (const m of viewer.messages) {
      if (m.kind === "event") {
        seq.offer(clone(m.event));
        continue;
      }
      assert.equal(seq.applied, m.ack.head, "applied = the snapshot's head");
      assertMatches(board, m.ack, `${name} at ${m.ack.head}`);
      checked++;
    }
    assert.ok(checked >= 6, "the recording has its checkpoints");
  });

  test(`${name}: a snapshot, then the events after it, again builds the next one`, () => {
    const acks = checkpoints(viewer);
    for (let i = 0; i + 1 < acks.length; i++) {
      const { board, seq } = start(acks[i], viewer.staff);
      const events = viewer.messages.filter((m) => m.kind === "event" && m.event.seq > acks[i].head && m.event.seq <= acks[i + 1].head);
      for (const m of events) seq.offer(clone(m.event));
      assert.equal(seq.applied, acks[i + 1].head);
      assertMatches(board, acks[i + 1], `${name} from ${acks[i].head} to ${acks[i + 1].head}`);
    }
  });

  test(`${name}: late, early, repeated and replayed events change nothing`, () => {
    const events = viewer.messages.filter((m) => m.kind === "event").map((m) => m.event);
    const last = checkpoints(viewer).at(-1);
    // Out of order within windows of four, each sent twice, some again after they were applied.
    const jumbled = [];
    for (let i = 0; i < events.length; i += 4) jumbled.push(...events.slice(i, i + 4).reverse());
    const { board, seq, applied } = start(viewer.first, viewer.staff);
    for (const [i, e] of jumbled.entries()) {
      seq.offer(clone(e));
      seq.offer(clone(e));
      if (i % 3 === 0 && i > 4) seq.offer(clone(jumbled[i - 4]));
    }
    assert.equal(seq.applied, last.head);
    assert.deepEqual(applied, events.map((e) => e.seq), "each applied once, in seq order");
    assert.equal(seq.buffer.size, 0);
    assertMatches(board, last, `${name} jumbled`);
  });

  test(`${name}: what each phase allows is the server's table`, () => {
    const { board, seq } = start(viewer.first, viewer.staff);
    const rules = viewer.first.session.commands;
    for (const m of viewer.messages) {
      if (m.kind !== "event") continue;
      seq.offer(clone(m.event));
      const phase = board.phase();
      for (const actor of ["participant", "staff"]) {
        for (const [command, phases] of Object.entries(rules[actor])) {
          assert.equal(board.allows(actor, command), phases.includes(phase), `${actor} ${command} in ${phase}`);
        }
      }
      assert.equal(board.allows("participant", "note.create"), phase === "raccolta");
      assert.equal(board.allows("staff", "phase.set"), phase !== "chiusa");
    }
  });
}
