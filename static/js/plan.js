/*
 * The plan's staff pages: charts on the dashboard, rows of indicators in the
 * scheda editor. Progressive enhancement only: every number drawn here is also
 * in a table of the page, and the editor's form works without this file (it
 * comes with blank indicator rows; this adds and removes rows).
 *
 * Data and Italian strings come from <script type="application/json"> blocks
 * (strict CSP: no inline scripts). Nothing user-written becomes markup here.
 * The charts are drawn as the projector draws its own (live/charts.js).
 */
import { BORDER, pattern, PALETTE, seriesFill, stackedBars, wrapLabel } from "./live/charts.js";
import { readJSON } from "./live/dom.js";
import { fmt } from "./live/text.js";

const T = readJSON("plan-strings") || {};

function drawChart(canvasId, wrapId, labels, datasets, totals, options) {
  const canvas = document.getElementById(canvasId);
  const wrap = document.getElementById(wrapId);
  if (!canvas || !wrap || typeof window.Chart !== "function" || !labels.length) return null;
  wrap.hidden = false;
  const narrow = wrap.clientWidth < 600;
  wrap.style.height = Math.max(220, labels.length * (narrow ? 70 : 52) + 110) + "px";
  const data = { labels: labels.map((l) => wrapLabel(l, narrow ? 18 : 40, 3)), datasets: datasets, totals: totals };
  return stackedBars(canvas, data, Object.assign({ size: "page", tickSize: narrow ? 11 : 13 }, options));
}

function charts() {
  const data = readJSON("plan-charts");
  if (!data || !data.rows.length) return;
  const rows = data.rows;
  const labels = rows.map((r) => r.label);

  const byCategory = data.categories.map((c, i) => Object.assign({
    label: c.label,
    data: rows.map((r) => r.by_category[c.key] || 0),
    backgroundColor: seriesFill(i),
  }, BORDER));
  const maxDots = Math.max.apply(null, rows.map((r) => r.dots));

  const components = [
    { label: T.support, data: rows.map((r) => r.support), backgroundColor: pattern(PALETTE[0], "solid") },
    { label: T.scores, data: rows.map((r) => r.scores), backgroundColor: pattern(PALETTE[1], "diagonal") },
  ].map((d) => Object.assign(d, BORDER));
  const drawn = [
    drawChart("chart-categories", "chart-categories-wrap", labels, byCategory, rows.map((r) => r.dots),
      { axis: T.chart_axis_points, decimals: 0, max: maxDots * 1.1 + 1 }),
    drawChart("chart-index", "chart-index-wrap", labels, components, rows.map((r) => r.index),
      { axis: T.chart_axis_index, decimals: 1, max: 100 }),
  ].filter(Boolean);
  // The PA typeface arrives after the first drawing: draw again with it.
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(() => drawn.forEach((c) => c.update()));
  window.workshopPlanCharts = drawn;
}

// ----------------------------------------------- selection on the dashboard

function selection() {
  const form = document.getElementById("create-form");
  const status = document.getElementById("selection-status");
  if (!form || !status) return;
  const boxes = () => Array.from(document.querySelectorAll('input.row-select[form="create-form"]'));
  const update = () => {
    const n = boxes().filter((b) => b.checked).length;
    status.textContent = n === 0 ? T.selection_none : n === 1 ? T.selection_one : fmt(T.selection_other, { n: n });
  };
  for (const b of boxes()) b.addEventListener("change", update);
  if (T.selection_none) update();
}

// ------------------------------------------------- indicators in the editor

function indicators() {
  const container = document.getElementById("indicator-rows");
  if (!container) return;
  const rows = () => Array.from(container.querySelectorAll(".indicator-row"));
  const first = rows()[0];
  if (!first || first.querySelector("input:disabled")) return; // read-only: nothing to add or remove
  const live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  container.after(live);
  let next = 1 + Math.max.apply(null, rows().map((r) => Number(r.dataset.index) || 0));
  // The blank rows are there for browsers without this script: one is enough here.
  const blank = (row) => Array.from(row.querySelectorAll("input")).every((i) => !i.value.trim());
  while (rows().length > 1 && blank(rows()[rows().length - 1]) && blank(rows()[rows().length - 2])) {
    rows()[rows().length - 1].remove();
  }

  function renumber() {
    rows().forEach((row, i) => {
      const legend = row.querySelector(".indicator-legend");
      if (legend) legend.textContent = fmt(T.indicator_legend, { n: i + 1 });
      const remove = row.querySelector(".indicator-remove");
      if (remove) remove.textContent = fmt(T.remove_indicator, { n: i + 1 });
    });
  }

  function addRemove(row) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary btn-sm indicator-remove";
    button.addEventListener("click", () => {
      const all = rows();
      const at = all.indexOf(row);
      if (all.length === 1) {
        for (const input of row.querySelectorAll("input")) input.value = "";
      } else {
        row.remove();
      }
      renumber();
      live.textContent = T.indicator_removed;
      const remaining = rows();
      const focus = remaining[Math.min(at, remaining.length - 1)];
      if (focus) focus.querySelector("input").focus();
      else add.focus();
    });
    row.append(button);
  }

  for (const row of rows()) addRemove(row);

  const add = document.createElement("button");
  add.type = "button";
  add.className = "btn btn-outline-primary btn-sm mt-2";
  add.id = "indicator-add";
  add.textContent = T.add_indicator;
  add.addEventListener("click", () => {
    const template = rows()[rows().length - 1] || first;
    const row = template.cloneNode(true);
    const index = next++;
    row.dataset.index = String(index);
    row.querySelector(".indicator-remove").remove();
    for (const input of row.querySelectorAll("input")) {
      const key = input.dataset.key;
      input.value = "";
      input.id = "ind-" + index + "-" + key;
      input.name = "indicatori-" + index + "-" + key;
      const label = row.querySelector('label[data-for-key="' + key + '"]') || input.previousElementSibling;
      if (label && label.tagName === "LABEL") label.htmlFor = input.id;
    }
    container.append(row);
    addRemove(row);
    renumber();
    live.textContent = fmt(T.indicator_added, { n: rows().length });
    row.querySelector("input").focus();
  });
  container.after(add);
  renumber();
}

function start() {
  charts();
  selection();
  indicators();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
