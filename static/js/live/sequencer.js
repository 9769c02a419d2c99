/*
 * Applies events strictly in `seq` order (docs/protocol.md §8): older ones
 * are ignored, early ones buffered; a gap still open after `gapMs` calls
 * `onGap`. While a join/sync is in flight (`catchingUp`), events are only
 * buffered. The last applied events are kept so that a snapshot older than
 * what is already shown can be brought forward again.
 *
 * opts: {apply(e, quiet), changed(quiet), onGap(), gapMs}. No DOM: tested in
 * Node (tests/js) against event sequences recorded from the server.
 */
export class Sequencer {
  constructor(opts) {
    this.applied = 0;
    this.hasBoard = false;
    this.catchingUp = true;
    this.buffer = new Map();
    this.log = [];
    this.gapTimer = null;
    this.opts = opts;
  }

  offer(e, quiet) {
    if (!e || typeof e.seq !== "number") return;
    if (this.catchingUp || !this.hasBoard) {
      if (!this.hasBoard || e.seq > this.applied) this.buffer.set(e.seq, e);
      return;
    }
    if (e.seq <= this.applied) return;
    this.buffer.set(e.seq, e);
    this.drain(quiet);
  }

  drain(quiet) {
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
  }

  _gapTimeout() {
    this.gapTimer = null;
    if (this.buffer.size > 0 && !this.buffer.has(this.applied + 1)) this.opts.onGap();
    else this.drain();
  }

  /** The board was just replaced by a snapshot at `head`. */
  snapshotAt(head) {
    const redo = this.log.filter((e) => e.seq > head);
    this.log = this.log.filter((e) => e.seq <= head);
    this.applied = head;
    this.hasBoard = true;
    for (const e of redo) if (!this.buffer.has(e.seq)) this.buffer.set(e.seq, e);
  }

  /** Events from an ack in "events" mode: buffered, applied by the next drain. */
  addEvents(events) {
    for (const e of events || []) if (e && typeof e.seq === "number" && e.seq > this.applied) this.buffer.set(e.seq, e);
  }

  reset() {
    this.buffer.clear();
    this.log = [];
    this.applied = 0;
    this.hasBoard = false;
  }
}
