/*
 * A scheda's public monitoring: the progress of each year as bars, and each
 * indicator as lines (the year's obiettivo and the measured value, both from
 * the situazione di partenza). Progressive enhancement only: every number
 * drawn here is in the table that follows each chart, and the page reads
 * the same without this file.
 *
 * Data and strings come from <script type="application/json"> blocks (strict
 * CSP: no inline scripts). Okabe–Ito colours, and a dash or a marker shape
 * besides the colour, so that colour is never the only difference.
 */
import { BORDER, formatNumber, pattern, PALETTE } from "./live/charts.js";
import { readJSON } from "./live/dom.js";

const T = readJSON("monitoring-strings") || {};

function show(id) {
  const canvas = document.getElementById(id);
  const wrap = document.getElementById(id + "-wrap");
  if (!canvas || !wrap || typeof window.Chart !== "function") return null;
  wrap.hidden = false;
  wrap.style.height = "260px";
  return canvas;
}

function progressChart(data) {
  const canvas = show("chart-progress");
  if (!canvas || !data.progress.some((p) => p !== null)) return null;
  return new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.years.map(String),
      datasets: [Object.assign({
        label: T.progress,
        data: data.progress,
        backgroundColor: pattern(PALETTE[0], "solid"),
      }, BORDER)],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { min: 0, max: 100, ticks: { callback: (v) => formatNumber(v, 0) + "%" } } },
      plugins: { legend: { display: false } },
    },
  });
}

function indicatorChart(indicator, n, years) {
  const canvas = show("chart-indicator-" + n);
  const numbers = [indicator.base].concat(indicator.targets, indicator.values).filter((v) => v !== null);
  if (!canvas || !numbers.length) return null;
  const labels = [T.start].concat(years.map(String));
  const from = (series) => [indicator.base].concat(series);
  return new window.Chart(canvas, {
    type: "line",
    data: {
      labels: labels,
      datasets: [
        { label: T.target, data: from(indicator.targets), borderColor: PALETTE[1], backgroundColor: PALETTE[1],
          borderDash: [6, 4], pointStyle: "rectRot", pointRadius: 6, spanGaps: true },
        { label: T.value, data: from(indicator.values), borderColor: PALETTE[0], backgroundColor: PALETTE[0],
          pointStyle: "circle", pointRadius: 6, spanGaps: false },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => formatNumber(v, 0) } } },
    },
  });
}

function start() {
  const data = readJSON("monitoring-chart");
  if (!data) return;
  const drawn = [progressChart(data)]
    .concat(data.indicators.map((indicator, n) => indicatorChart(indicator, n, data.years)))
    .filter(Boolean);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(() => drawn.forEach((c) => c.update()));
  window.workshopMonitoringCharts = drawn;
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
