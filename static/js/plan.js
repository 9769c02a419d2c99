/*
 * The plan's staff pages: charts on the dashboard, rows of indicators in the
 * scheda editor. Progressive enhancement only: every number drawn here is also
 * in a table of the page, and the editor's form works without this file (it
 * comes with blank indicator rows; this adds and removes rows).
 *
 * Data and Italian strings come from <script type="application/json"> blocks
 * (strict CSP: no inline scripts). Nothing user-written becomes markup here.
 */
(function () {
  "use strict";

  function readJSON(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  }

  const T = readJSON("plan-strings") || {};

  // ------------------------------------------------------------------ charts

  // Okabe–Ito colours (distinguishable with common colour-vision deficiencies),
  // each with its own pattern: colour is never the only difference.
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7F7F7F"];
  const PATTERNS = ["solid", "diagonal", "dots", "horizontal", "cross", "vertical", "zigzag", "reverse"];

  function pattern(colour, kind) {
    const size = 16;
    const c = document.createElement("canvas");
    c.width = size;
    c.height = size;
    const g = c.getContext("2d");
    g.fillStyle = colour;
    g.fillRect(0, 0, size, size);
    g.strokeStyle = "rgba(0, 0, 0, 0.55)";
    g.fillStyle = "rgba(0, 0, 0, 0.55)";
    g.lineWidth = 2;
    g.beginPath();
    switch (kind) {
      case "diagonal":
        g.moveTo(0, size); g.lineTo(size, 0);
        g.moveTo(-4, 4); g.lineTo(4, -4);
        g.moveTo(size - 4, size + 4); g.lineTo(size + 4, size - 4);
        break;
      case "reverse":
        g.moveTo(0, 0); g.lineTo(size, size);
        g.moveTo(size - 4, -4); g.lineTo(size + 4, 4);
        g.moveTo(-4, size - 4); g.lineTo(4, size + 4);
        break;
      case "dots":
        g.arc(size / 2, size / 2, 2.5, 0, Math.PI * 2);
        g.fill();
        break;
      case "horizontal":
        g.moveTo(0, size / 2); g.lineTo(size, size / 2);
        break;
      case "vertical":
        g.moveTo(size / 2, 0); g.lineTo(size / 2, size);
        break;
      case "cross":
        g.moveTo(0, size / 2); g.lineTo(size, size / 2);
        g.moveTo(size / 2, 0); g.lineTo(size / 2, size);
        break;
      case "zigzag":
        g.moveTo(0, size * 0.75); g.lineTo(size / 4, size / 4); g.lineTo(size / 2, size * 0.75);
        g.lineTo(size * 0.75, size / 4); g.lineTo(size, size * 0.75);
        break;
      default:
        break;
    }
    g.stroke();
    return g.createPattern(c, "repeat");
  }

  function wrapLabel(text, width) {
    const words = String(text).replace(/\s+/g, " ").trim().split(" ");
    const lines = [];
    let line = "";
    for (const w of words) {
      if ((line + " " + w).trim().length > width && line) {
        lines.push(line);
        line = w;
      } else {
        line = (line + " " + w).trim();
      }
    }
    if (line) lines.push(line);
    if (lines.length > 3) {
      lines.length = 3;
      lines[2] = lines[2] + "…";
    }
    return lines;
  }

  function formatNumber(value, decimals) {
    return Number(value).toLocaleString("it-IT", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }

  /** Numbers written on each segment wide enough, and each bar's total at its end. */
  function barLabels(decimals) {
    return {
      id: "planBarLabels",
      afterDatasetsDraw(chart) {
        const ctx = chart.ctx;
        ctx.save();
        ctx.font = "700 13px 'Titillium Web', sans-serif";
        ctx.textBaseline = "middle";
        ctx.textAlign = "center";
        chart.data.datasets.forEach((ds, i) => {
          const meta = chart.getDatasetMeta(i);
          if (meta.hidden) return;
          meta.data.forEach((bar, j) => {
            const v = ds.data[j];
            if (!v) return;
            const text = formatNumber(v, decimals);
            if (Math.abs(bar.x - bar.base) < ctx.measureText(text).width + 8) return;
            ctx.lineWidth = 4;
            ctx.strokeStyle = "#fff";
            ctx.fillStyle = "#000";
            ctx.strokeText(text, (bar.x + bar.base) / 2, bar.y);
            ctx.fillText(text, (bar.x + bar.base) / 2, bar.y);
          });
        });
        const totals = chart.data.totals || [];
        const first = chart.getDatasetMeta(0);
        ctx.font = "700 14px 'Titillium Web', sans-serif";
        ctx.fillStyle = "#1a1a1a";
        ctx.textAlign = "left";
        (first ? first.data : []).forEach((bar, j) => {
          const x = chart.scales.x.getPixelForValue(totals[j] || 0);
          ctx.fillText(formatNumber(totals[j] || 0, decimals), x + 6, bar.y);
        });
        ctx.restore();
      },
    };
  }

  function drawChart(canvasId, wrapId, labels, datasets, totals, options) {
    const canvas = document.getElementById(canvasId);
    const wrap = document.getElementById(wrapId);
    if (!canvas || !wrap || typeof window.Chart !== "function" || !labels.length) return null;
    wrap.hidden = false;
    const narrow = wrap.clientWidth < 600;
    wrap.style.height = Math.max(220, labels.length * (narrow ? 70 : 52) + 110) + "px";
    const Chart = window.Chart;
    Chart.defaults.font.family = "'Titillium Web', Geneva, Tahoma, sans-serif";
    Chart.defaults.color = "#1a1a1a";
    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels.map((l) => wrapLabel(l, narrow ? 18 : 40)), datasets: datasets, totals: totals },
      plugins: [barLabels(options.decimals)],
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { right: 44 } },
        scales: {
          x: { stacked: true, beginAtZero: true, suggestedMax: options.max, ticks: { precision: 0 }, title: { display: true, text: options.axis } },
          y: { stacked: true, ticks: { autoSkip: false, font: { size: narrow ? 11 : 13, weight: "600" } } },
        },
        plugins: {
          legend: { position: "top", labels: { boxWidth: 28, boxHeight: 16, padding: 12 } },
          tooltip: { enabled: true },
        },
      },
    });
  }

  function charts() {
    const data = readJSON("plan-charts");
    if (!data || !data.rows.length) return;
    const rows = data.rows;
    const labels = rows.map((r) => r.label);

    const byCategory = data.categories.map((c, i) => ({
      label: c.label,
      data: rows.map((r) => r.by_category[c.key] || 0),
      backgroundColor: pattern(PALETTE[i % PALETTE.length], PATTERNS[i % PATTERNS.length]),
      borderColor: "#1a1a1a",
      borderWidth: 1,
    }));
    const maxDots = Math.max.apply(null, rows.map((r) => r.dots));

    const components = [
      { label: T.support, data: rows.map((r) => r.support), backgroundColor: pattern(PALETTE[0], "solid") },
      { label: T.scores, data: rows.map((r) => r.scores), backgroundColor: pattern(PALETTE[1], "diagonal") },
    ].map((d) => Object.assign(d, { borderColor: "#1a1a1a", borderWidth: 1 }));
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
})();
