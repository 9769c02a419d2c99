/*
 * Timers are shown as `ends_at − now`, with `now` corrected by the server
 * time a fresh message carried (its `server_now` minus our time of receipt).
 */
import { clock } from "./text.js";

let clockOffset = 0;

export function syncClock(serverNow) {
  const t = Date.parse(serverNow || "");
  if (!isNaN(t)) clockOffset = t - Date.now();
}

export function serverNow() {
  return Date.now() + clockOffset;
}

/** Seconds left on a Timer object, or null when no timer is set. */
export function timerLeft(timer) {
  if (!timer || !timer.duration_s) return null;
  if (timer.running && timer.ends_at) {
    return Math.max(0, (Date.parse(timer.ends_at) - serverNow()) / 1000);
  }
  return Math.max(0, timer.remaining_s || 0);
}

/**
 * A countdown bound to an element, ticking on its own. `onMinute` and
 * `onZero` fire once per crossing (again only after the timer goes back
 * above the threshold, e.g. when extended).
 * opts: {element, noneText, onState(state, left), onMinute(), onZero()}.
 */
export class Countdown {
  constructor(opts) {
    this.opts = opts;
    this.timer = null;
    this.lastText = null;
    this.lastState = null;
    this.minuteSaid = true;
    this.zeroSaid = true;
    setInterval(() => this.tick(), 250);
  }

  tick() {
    const opts = this.opts;
    const timer = this.timer;
    const left = timerLeft(timer);
    const state = left === null ? "none" : timer.running ? (left > 0 ? "running" : "expired") : "paused";
    const text = left === null ? opts.noneText : clock(left);
    if (text !== this.lastText) {
      opts.element.textContent = text;
      this.lastText = text;
    }
    if (state !== this.lastState) {
      opts.element.dataset.state = state;
      this.lastState = state;
      if (opts.onState) opts.onState(state, left);
    }
    if (left !== null && timer.running) {
      if (left > 60) this.minuteSaid = false;
      if (left > 0) this.zeroSaid = false;
      if (!this.minuteSaid && left <= 60 && left > 0) {
        this.minuteSaid = true;
        if (opts.onMinute) opts.onMinute();
      }
      if (!this.zeroSaid && left <= 0) {
        this.zeroSaid = true;
        if (opts.onZero) opts.onZero();
      }
    }
  }

  /** A new timer; `fresh` when it just came from the server (its clock is right now). */
  set(t, fresh) {
    if (fresh && t && t.server_now) syncClock(t.server_now);
    const before = timerLeft(this.timer);
    this.timer = t;
    const after = timerLeft(t);
    // A timer first seen below a threshold does not announce it (e.g. on page load).
    if (after !== null && (before === null || !fresh)) {
      this.minuteSaid = after <= 60;
      this.zeroSaid = after <= 0;
    }
    this.tick();
  }

  /** Show `t` if it is not the timer shown already (a render after a snapshot). */
  follow(t) {
    if (t !== this.timer) this.set(t, false);
  }

  left() {
    return timerLeft(this.timer);
  }
}
