/*
 * DOM helpers shared by the live pages. Nothing here turns user-written text
 * into markup: notes are shown through the server's sanitized `html`,
 * everything else through textContent.
 */
import { isPrivateStub } from "./board.js";
import { excerptOf, plural } from "./text.js";

export const $ = (id) => document.getElementById(id);

/** A page's configuration or strings, from a <script type="application/json"> block. */
export function readJSON(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** Set a node's text only when it changes (a live region speaks every change). */
export function setText(node, text) {
  text = String(text);
  if (node.textContent !== text) node.textContent = text;
}

export function onClick(node, handler) {
  node.addEventListener("click", handler);
  return node;
}

export function svgIcon(sprites, name, extraClass) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "icon icon-sm" + (extraClass ? " " + extraClass : ""));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(ns, "use");
  use.setAttribute("href", sprites + "#" + name);
  svg.append(use);
  return svg;
}

/** Plain text of a note (from its sanitized html, parsed inertly), shortened. */
export function excerpt(note, max) {
  return excerptOf(note, max, (html) => {
    const tpl = document.createElement("template");
    tpl.innerHTML = html; // inert: template content never runs scripts or loads images
    return tpl.content.textContent;
  });
}

/**
 * Keep in `container` exactly the buttons that apply now, in the given
 * order: `specs` = [{key, show, make}]. A button is created by `make` when
 * it starts to apply and removed when it stops (so a selector never finds a
 * control that is not there); focus on a removed one goes to the enclosing
 * card. Returns {key: element or null}.
 */
export function syncButtons(container, specs) {
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
}

/** Put `nodes` as the children of `container`, in order, moving only what must move. */
export function placeChildren(container, nodes) {
  nodes.forEach((node, i) => {
    if (container.children[i] !== node) container.insertBefore(node, container.children[i] || null);
  });
  while (container.children.length > nodes.length) container.lastElementChild.remove();
}

/** Disable a control without leaving keyboard focus on a dead button. */
export function setDisabled(control, disabled, fallback) {
  if (control.disabled === disabled) return;
  const hadFocus = document.activeElement === control;
  control.disabled = disabled;
  if (disabled && hadFocus) {
    if (fallback && !fallback.disabled && !fallback.hidden) fallback.focus();
    else {
      const holder = control.closest("article, section");
      if (holder) holder.focus();
    }
  }
}

/**
 * A control that does not apply just now but keeps the keyboard focus: marked
 * `aria-disabled` (read as unavailable, styled as disabled) instead of
 * `disabled`, which would drop the focus under the person's finger. `reason`
 * (null when it applies again) is what a press says; the click handler asks
 * `unavailable(control)` first.
 */
export function setUnavailable(control, reason) {
  if (reason) {
    control.setAttribute("aria-disabled", "true");
    control.dataset.unavailable = reason;
  } else if (control.hasAttribute("aria-disabled")) {
    control.removeAttribute("aria-disabled");
    delete control.dataset.unavailable;
  }
}

/** Why `control` does not apply now (setUnavailable), or null. */
export function unavailable(control) {
  return control.getAttribute("aria-disabled") === "true" ? control.dataset.unavailable || "" : null;
}

/**
 * Run `render`, then give the focus back to what had it if the rendering
 * moved it out of the document's reach (e.g. a note that moved to another
 * cluster: the focus follows it).
 */
export function keepingFocus(render, options) {
  const active = document.activeElement;
  render();
  if (active && active !== document.activeElement && active.isConnected && document.activeElement === document.body) {
    active.focus(options);
  }
}

/** A note's body: the server's sanitized html, or the private card's two lines. */
export function renderNoteBody(body, note, privateTitle, privateHint) {
  if (isPrivateStub(note)) {
    if (body.dataset.html !== "\u0000private") {
      body.replaceChildren(el("p", "note-private-title", privateTitle), el("p", "note-private-hint", privateHint));
      body.dataset.html = "\u0000private";
    }
  } else if (body.dataset.html !== note.html) {
    // `html` is rendered and sanitized by the server (workshop/markup.py); `text` is never markup.
    // Notes stay in the language they were written in: an Arabic note on an Italian page
    // (or the reverse) flows in its own direction.
    body.dir = "auto";
    body.innerHTML = note.html || "";
    body.dataset.html = note.html || "";
  }
}

/** A dismissible error alert, its message read as an error. */
export function errorAlert(T, message, opts) {
  opts = opts || {};
  const box = el("div", "alert alert-danger alert-dismissible");
  box.append(el("span", "visually-hidden", T.error_prefix + " "), document.createTextNode(message));
  if (opts.extra) box.append(" ", opts.extra);
  const close = el("button", "btn-close");
  close.type = "button";
  close.setAttribute("aria-label", opts.closeLabel || T.close || T.cancel);
  close.addEventListener("click", () => {
    const focusNext = opts.focusAfter ? opts.focusAfter(box) : null;
    box.remove();
    if (focusNext) focusNext.focus();
  });
  box.append(close);
  return box;
}

/** Escape in `form` cancels it. */
export function escapeCancels(form, cancel) {
  form.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      cancel();
    }
  });
}

/** "14 persone collegate" (or none). */
export function presenceText(T, p) {
  return p.connected ? plural(T, p.connected, "presence_one", "presence_other") : T.presence_none;
}

/** Short messages for screen readers, grouped so a busy room is not a flood. */
export function announcer(region) {
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
}

/**
 * The connection line (`#connection-status`: its data-state and its text)
 * and the count of commands still waiting (`#outbox-status`): while online a
 * command waits a few milliseconds for its ack, so only a real wait is shown.
 * `source()` gives {list, joined}: the outbox and whether the socket is joined.
 */
export class StatusLine {
  constructor(ui, T, source) {
    this.ui = ui; // {connection, connectionText, outbox}
    this.T = T;
    this.source = source;
    this.timer = null;
  }

  connection(state) {
    this.ui.connection.dataset.state = state;
    setText(this.ui.connectionText, this.T["conn_" + state]);
  }

  outbox() {
    const SHOW_AFTER_MS = 500;
    const { list, joined } = this.source();
    const now = Date.now();
    const waiting = list.filter((c) => !joined || now - c.queued_at >= SHOW_AFTER_MS).length;
    if (waiting < list.length) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.outbox(), SHOW_AFTER_MS);
    }
    this.ui.outbox.hidden = waiting === 0;
    setText(this.ui.outbox, waiting ? plural(this.T, waiting, "outbox_one", "outbox_other") : "");
    return waiting;
  }
}

/** `fn` run once, `delay` ms after the first of any number of calls; `.now()` runs it at once. */
export function debounced(fn, delay) {
  let timer = null;
  const now = () => {
    clearTimeout(timer);
    timer = null;
    fn();
  };
  const soon = () => {
    if (!timer) timer = setTimeout(now, delay || 0);
  };
  soon.now = now;
  return soon;
}

/** A focusable card for item `id` (data-<key>-id), named by its heading `labelId`. */
export function keyedCard(tag, className, key, id, labelId) {
  const node = el(tag, className);
  node.dataset[key] = String(id);
  node.tabIndex = -1;
  node.setAttribute("aria-labelledby", labelId);
  return node;
}

/** A note's list item, its card and the card's header, which names it:
 *  <li data-note-id><article data-note-id aria-labelledby><header id>. */
export function noteItem(id, classes, headId) {
  const li = el("li", classes[0]);
  li.dataset.noteId = String(id);
  const art = keyedCard("article", classes[1], "noteId", id, headId);
  const head = el("header", classes[2]);
  head.id = headId;
  li.append(art);
  return { li, art, head };
}

/** A form's row of buttons: submit, then cancel (calling `onCancel`). `btn` adds a size class. */
export function formButtons(rowClass, btn, submitLabel, cancelLabel, onCancel) {
  const row = el("div", rowClass);
  const ok = el("button", "btn " + btn + "btn-primary", submitLabel);
  ok.type = "submit";
  const cancel = el("button", "btn " + btn + "btn-outline-secondary", cancelLabel);
  cancel.type = "button";
  cancel.addEventListener("click", onCancel);
  row.append(ok, cancel);
  return row;
}

/** The results' rows while they are shown (`panel` is hidden otherwise, and this is null). */
export function shownResults(board, panel) {
  const show = board.resultsShown();
  panel.hidden = !show;
  return show ? board.resultRows((n) => excerpt(n, 120)) : null;
}
