/*
 * Horizontal stacked bar charts (Chart.js, loaded as a classic script:
 * window.Chart), as the projector and the plan's dashboard draw them:
 * Okabe–Ito colours (distinguishable with common colour-vision deficiencies),
 * each series with its own pattern too, so that colour is never the only
 * difference; the numbers written on the bars; every chart followed on its
 * page by a table with the same numbers.
 */

export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7F7F7F"];
export const PATTERNS = ["solid", "diagonal", "dots", "horizontal", "cross", "vertical", "zigzag", "reverse"];
export const BORDER = { borderColor: "#1a1a1a", borderWidth: 1 };

const PATHS = {
  // [x1, y1, x2, y2, …] per stroke, in a 16×16 tile (s = 16)
  diagonal: (s) => [[0, s, s, 0], [-4, 4, 4, -4], [s - 4, s + 4, s + 4, s - 4]],
  reverse: (s) => [[0, 0, s, s], [s - 4, -4, s + 4, 4], [-4, s - 4, 4, s + 4]],
  horizontal: (s) => [[0, s / 2, s, s / 2]],
  vertical: (s) => [[s / 2, 0, s / 2, s]],
  cross: (s) => [[0, s / 2, s, s / 2], [s / 2, 0, s / 2, s]],
  zigzag: (s) => [[0, s * 0.75, s / 4, s / 4, s / 2, s * 0.75, s * 0.75, s / 4, s, s * 0.75]],
};

/** A canvas pattern: `colour` with the lines or dots of `kind` over it. */
export function pattern(colour, kind) {
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
  if (kind === "dots") {
    g.arc(size / 2, size / 2, 2.5, 0, Math.PI * 2);
    g.fill();
  }
  for (const line of (PATHS[kind] || (() => []))(size)) {
    g.moveTo(line[0], line[1]);
    for (let i = 2; i < line.length; i += 2) g.lineTo(line[i], line[i + 1]);
  }
  g.stroke();
  return g.createPattern(c, "repeat");
}

/** The i-th series' fill: its colour and its pattern. */
export function seriesFill(i) {
  return pattern(PALETTE[i % PALETTE.length], PATTERNS[i % PATTERNS.length]);
}

/** A label in lines of at most `width` characters (at most `maxLines`, the last with "…"). */
export function wrapLabel(text, width, maxLines) {
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
  if (maxLines && lines.length > maxLines) {
    lines.length = maxLines;
    lines[maxLines - 1] += "…";
  }
  return lines;
}

/** Numbers as the page's language writes them (<html lang>, set by the server). */
export function formatNumber(value, decimals) {
  const lang = (typeof document !== "undefined" && document.documentElement.lang) || "it";
  return Number(value).toLocaleString(lang, { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Chart.js plugin: numbers on each segment wide enough, each bar's total (data.totals) at its end. */
function barLabels(size, decimals) {
  return {
    id: "workshopBarLabels",
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = "700 " + size + "px 'Titillium Web', sans-serif";
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
      ctx.font = "700 " + (size + 2) + "px 'Titillium Web', sans-serif";
      ctx.fillStyle = "#1a1a1a";
      ctx.textAlign = "left";
      (first ? first.data : []).forEach((bar, j) => {
        const x = chart.scales.x.getPixelForValue(totals[j] || 0);
        ctx.fillText(formatNumber(totals[j] || 0, decimals), x + 8, bar.y);
      });
      ctx.restore();
    },
  };
}

/**
 * A horizontal stacked bar chart on `canvas`. data: {labels, datasets, totals};
 * opts: {axis (title of the x axis), max, decimals, size: "wall" | "page",
 * fontPx (on the wall: the page's base size, which grows with the viewport;
 * labels are a little larger)}. Null when Chart.js is missing.
 */
export function stackedBars(canvas, data, opts) {
  const Chart = window.Chart;
  if (typeof Chart !== "function") return null;
  const wall = opts.size === "wall";
  const px = wall ? Math.max(16, opts.fontPx || 16) : 13;
  const big = (k) => Math.round(px * k);
  const labelSize = wall ? big(1.3) : 13;
  Chart.defaults.font.family = "'Titillium Web', Geneva, Tahoma, sans-serif";
  if (wall) Chart.defaults.font.size = big(1.15);
  Chart.defaults.color = "#1a1a1a";
  return new Chart(canvas, {
    type: "bar",
    data: data,
    plugins: [barLabels(labelSize, opts.decimals || 0)],
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      layout: { padding: { right: wall ? big(2.6) : 44 } },
      scales: {
        x: { stacked: true, beginAtZero: true, suggestedMax: opts.max, ticks: { precision: 0 }, title: { display: true, text: opts.axis } },
        y: { stacked: true, ticks: { autoSkip: false, font: { size: opts.tickSize || (wall ? big(1.35) : 13), weight: "600" } } },
      },
      plugins: {
        legend: { position: "top", labels: wall ? { boxWidth: big(2.2), boxHeight: big(1.2), padding: big(1.1), font: { size: big(1.25) } } : { boxWidth: 28, boxHeight: 16, padding: 12 } },
        tooltip: { enabled: true },
      },
    },
  });
}
