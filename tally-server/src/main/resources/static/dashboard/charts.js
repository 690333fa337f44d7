// Thin wrappers over Chart.js (loaded from its webjar as the global `Chart`).

export const COLORS = {
  ok: '#0f766e',
  failed: '#dc2626',
  cancelled: '#94a3b8',
  input: '#2563eb',
  cachedInput: '#93c5fd',
  output: '#16a34a',
  reasoning: '#d97706',
  cost: '#7c3aed',
  bars: '#334155',
};

export function chartLibrary() {
  return window.Chart || null;
}

function configureDefaults(Chart) {
  if (Chart.defaults.__tally) {
    return;
  }
  Chart.defaults.__tally = true;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
  Chart.defaults.color = '#374151';
  Chart.defaults.font.family =
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  Chart.defaults.font.size = 12;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

/** Draws a chart on a canvas, replacing the one already there. */
export function draw(canvas, config) {
  const Chart = chartLibrary();
  if (!Chart) {
    throw new Error('The chart library did not load, so the charts cannot be drawn.');
  }
  configureDefaults(Chart);
  const existing = Chart.getChart(canvas);
  if (existing) {
    existing.destroy();
  }
  return new Chart(canvas, config);
}

export function clearAll(canvases) {
  const Chart = chartLibrary();
  if (!Chart) {
    return;
  }
  for (const canvas of canvases) {
    const existing = Chart.getChart(canvas);
    if (existing) {
      existing.destroy();
    }
  }
}

/** A time series: bars (optionally stacked) or a line, over category labels. */
export function timeSeries(labels, datasets, { stacked = false, type = 'bar', tick } = {}) {
  return {
    type,
    data: { labels, datasets },
    options: {
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { display: datasets.length > 1, position: 'bottom' },
        tooltip: tick ? { callbacks: { label: (c) => `${c.dataset.label}: ${tick(c.parsed.y)}` } } : {},
      },
      scales: {
        x: { stacked, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: {
          stacked,
          beginAtZero: true,
          ticks: tick ? { callback: (v) => tick(v), maxTicksLimit: 5 } : { maxTicksLimit: 5, precision: 0 },
        },
      },
    },
  };
}

/** Horizontal bars, one per category, largest first. */
export function ranking(labels, values, label, color, tick) {
  return {
    type: 'bar',
    data: { labels, datasets: [{ label, data: values, backgroundColor: color, maxBarThickness: 28 }] },
    options: {
      indexAxis: 'y',
      plugins: {
        legend: { display: false },
        tooltip: tick ? { callbacks: { label: (c) => `${label}: ${tick(c.parsed.x)}` } } : {},
      },
      scales: {
        x: {
          beginAtZero: true,
          ticks: tick ? { callback: (v) => tick(v), maxTicksLimit: 4 } : { maxTicksLimit: 5, precision: 0 },
        },
        y: { grid: { display: false } },
      },
    },
  };
}
