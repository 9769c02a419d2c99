/*
 * Text helpers of the live client: no DOM, so that Node's tests can load them.
 * Every string people read comes from the templates' JSON (`T`): these only
 * fill in placeholders and count.
 */

/** "{n} punti" with {n: 3} → "3 punti"; unknown placeholders stay as they are. */
export function fmt(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

/** The singular or plural string of `T` for `n`, with {n} filled in. */
export function plural(T, n, one, other) {
  return fmt(n === 1 ? T[one] : T[other], { n: n });
}

/** Length in Unicode code points, as the server counts a note's characters. */
export function codePoints(s) {
  return Array.from(s).length;
}

/** What the server keeps of a text (line ends made \n, ends trimmed). */
export function normalizedText(s) {
  return String(s).replace(/\r\n?/g, "\n").trim();
}

/** Why a note's text would be refused (empty, too long), or null. */
export function noteProblem(T, text, max) {
  const t = normalizedText(text);
  if (!t) return T.err_empty;
  if (codePoints(t) > max) return fmt(T.err_too_long, { n: max });
  return null;
}

/** Spaces folded, at most `max` code points (with an ellipsis). */
export function shorten(text, max) {
  text = String(text || "").replace(/\s+/g, " ").trim();
  if (codePoints(text) > max) text = Array.from(text).slice(0, max - 1).join("").trimEnd() + "…";
  return text;
}

/** A short form of a long category label, for charts and tight lists:
 *  "Azienda USL di Reggio Emilia (Distretto, …)" → "Azienda USL di Reggio Emilia". */
export function shortLabel(label) {
  let s = String(label || "");
  for (const sep of [" (", " / ", " - ", " – "]) {
    const i = s.indexOf(sep);
    if (i > 0) s = s.slice(0, i);
  }
  return s;
}

/**
 * Plain text of a note, shortened: `htmlToText` reads its sanitized html
 * (the pages parse it inertly in a <template>); without it, its markdown.
 */
export function excerptOf(note, max, htmlToText) {
  if (!note) return "";
  const fromHtml = htmlToText && note.html ? htmlToText(note.html) : "";
  return shorten(fromHtml || note.text || "", max || 60);
}

/** "mm:ss" (minutes may go past 59 for long timers). */
export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const m = Math.floor(s / 60);
  return String(m).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
}

/** A fresh command id (docs/protocol.md §9). */
export function newCid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return "c-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Milliseconds to wait after `rate_limited` (its `retry_after`), else `fallbackS` seconds. */
export function retryAfterMs(error, fallbackS) {
  const s = error && error.params && Number(error.params.retry_after);
  return (s > 0 ? s : fallbackS) * 1000;
}

/**
 * «dall’incontro del 12 gennaio 2027» for a note carried from an earlier
 * meeting (`written_on`, an ISO date), in the page's language; null for the others.
 */
export function carriedLine(T, note, lang) {
  if (!note || !note.written_on) return null;
  const day = new Date(note.written_on + "T12:00:00Z");
  let shown = note.written_on;
  try {
    shown = day.toLocaleDateString(lang || "it", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  } catch {
    // An unknown language tag: the ISO date says the same.
  }
  return fmt(T.carried_from, { date: shown });
}
