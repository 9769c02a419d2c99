/*
 * The commands a page has made and not yet had answered, in order
 * (docs/protocol.md §9). Each has its `cid` from the moment it is made, so a
 * resend after a timeout or a reconnection is the same command. Where the
 * list is kept is the store's business: in memory (control room), or in
 * localStorage shared by the tabs of a browser (the room: what is written
 * offline survives a reload).
 */
import { newCid } from "./text.js";

/** A list kept in memory. */
export function memoryStore() {
  let list = [];
  return {
    load: () => list,
    save: (next) => {
      list = next;
    },
  };
}

/** localStorage when it works (not in some private modes, or when full), else null. */
export function browserStorage() {
  try {
    const k = "__workshop_probe__";
    window.localStorage.setItem(k, k);
    window.localStorage.removeItem(k);
    return window.localStorage;
  } catch (e) {
    return null; // private mode or disabled: everything still works, in memory
  }
}

export function readStored(storage, key) {
  if (!storage) return null;
  try {
    return JSON.parse(storage.getItem(key) || "null");
  } catch (e) {
    return null;
  }
}

export function writeStored(storage, key, value) {
  if (!storage) return false;
  try {
    storage.setItem(key, JSON.stringify(value));
    return true;
  } catch (e) {
    return false; // quota
  }
}

/**
 * A list in `storage` under `key`, read fresh before every change so that two
 * tabs do not overwrite each other; `keep(cmd)` filters what is read (only
 * this participant's commands). Falls back to memory.
 */
export function sharedStore(storage, key, keep) {
  let memory = [];
  return {
    load() {
      const list = readStored(storage, key);
      if (!Array.isArray(list)) return memory;
      return list.filter((c) => c && c.payload && c.name && keep(c));
    },
    save(list) {
      memory = list;
      writeStored(storage, key, list);
    },
  };
}

export class Outbox {
  constructor(store) {
    this.store = store || memoryStore();
  }

  list() {
    return this.store.load().slice();
  }

  first() {
    return this.store.load()[0] || null;
  }

  /** A new command (stored before anything is sent); `extra` fields go on the entry. */
  add(name, payload, extra) {
    const cid = newCid();
    const cmd = Object.assign({ cid: cid, name: name, payload: Object.assign({}, payload, { cid: cid }), queued_at: Date.now() }, extra);
    const list = this.list();
    list.push(cmd);
    this.store.save(list);
    return cmd;
  }

  remove(cid) {
    const list = this.list();
    const kept = list.filter((c) => c.cid !== cid);
    if (kept.length !== list.length) this.store.save(kept);
    return kept.length !== list.length;
  }

  /** Write back what is read (drops what the store's filter leaves out). */
  tidy() {
    this.store.save(this.list());
  }
}
