// The Tally usage dashboard. Reads only the server's usage API with the caller's API key, which
// lives in sessionStorage (this tab only, gone when it closes). Users see their own usage through
// /api/usage/me...; admins see everyone's through the admin endpoints and may pick a subject.
// Text from the API is only ever set with textContent, never parsed as HTML.

import { ApiError, getJson, request, url } from './api.js';
import { COLORS, clearAll, draw, ranking, timeSeries } from './charts.js';
import { loadGateway, renderGateway } from './gateway.js';
import {
  formatBucket, formatDateTime, formatDuration, formatInteger, formatMoney, formatPercent,
  formatShortDateTime,
} from './format.js';

const KEY_STORAGE = 'tally.dashboard.apiKey';
const EVENTS_PER_PAGE = 15;
const TOP_SUBJECTS = 10;
const RANGES = {
  '24h': { hours: 24, text: 'the last 24 hours' },
  '7d': { hours: 24 * 7, text: 'the last 7 days' },
  '30d': { hours: 24 * 30, text: 'the last 30 days' },
};

const $ = (id) => document.getElementById(id);

const state = {
  key: null,
  me: null,
  generation: 0,
  query: null,
  cursors: [null],
  nextCursor: null,
};

// ---- sign-in -------------------------------------------------------------------------------

async function signIn(key, { remembered = false } = {}) {
  const me = await getJson('/api/me', key);
  sessionStorage.setItem(KEY_STORAGE, key);
  state.key = key;
  state.me = me;
  showDashboard(me);
  await refresh();
  return remembered;
}

function signOut(message = '') {
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = null;
  state.me = null;
  state.generation++;
  clearAll(document.querySelectorAll('canvas'));
  $('dashboard').hidden = true;
  $('dashboard').dataset.ready = 'false';
  $('who').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message;
  const picker = $('subject-picker');
  picker.replaceChildren(option('', 'Everyone'));
  for (const tbody of document.querySelectorAll('#dashboard tbody')) {
    tbody.replaceChildren();
  }
  $('budgets').replaceChildren();
  $('api-key').focus();
}

function showDashboard(me) {
  $('signin').hidden = true;
  $('signin-error').textContent = '';
  $('api-key').value = '';
  $('who').hidden = false;
  $('who-subject').textContent = me.subject;
  $('who-admin').hidden = !me.admin;
  for (const el of document.querySelectorAll('[data-admin-only]')) {
    el.hidden = !me.admin;
  }
  $('dashboard').hidden = false;
}

// ---- the query -----------------------------------------------------------------------------

function timeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The range and window chosen, aligned to whole windows so that every bucket is complete. */
function currentQuery() {
  const range = RANGES[$('range').value] || RANGES['24h'];
  const window = $('window').value === 'day' ? 'day' : 'hour';
  const now = Date.now();
  const start = new Date(now - range.hours * 3600_000);
  if (window === 'day') {
    start.setHours(0, 0, 0, 0);
  } else {
    start.setMinutes(0, 0, 0);
  }
  const subject = state.me.admin ? $('subject-picker').value : '';
  return {
    from: start.toISOString(),
    fromMs: start.getTime(),
    // Pinned, so that every panel of one refresh shows the same interval.
    to: new Date(now).toISOString(),
    toMs: now,
    window,
    tz: timeZone(),
    rangeText: range.text,
    spansDays: range.hours > 24,
    subject,
  };
}

/** The report endpoint: a user's own, or (admin) anyone's. */
function reportUrl(q, extra) {
  if (state.me.admin) {
    return url('/api/usage', { subject: q.subject, from: q.from, to: q.to, tz: q.tz, ...extra });
  }
  return url('/api/usage/me', { from: q.from, to: q.to, tz: q.tz, ...extra });
}

// ---- refresh -------------------------------------------------------------------------------

async function refresh({ keepEventsPage = false } = {}) {
  if (!state.me) {
    return;
  }
  const generation = ++state.generation;
  const q = currentQuery();
  state.query = q;
  if (!keepEventsPage) {
    state.cursors = [null];
  }
  const dashboard = $('dashboard');
  dashboard.dataset.ready = 'false';
  dashboard.dataset.from = q.from;
  dashboard.dataset.to = q.to;
  dashboard.dataset.tz = q.tz;
  $('status').textContent = 'Loading…';
  const key = state.key;
  const current = () => generation === state.generation;

  // One report, by operation, model and outcome, feeds the totals, the charts and both
  // breakdowns: the server reads its totals and series from one snapshot of the ledger, so every
  // panel agrees even while new events arrive. The outcome keeps cancelled streams (a client that
  // left) apart from errors.
  const tasks = [
    getJson(reportUrl(q, { window: q.window, groupBy: 'operation,model,outcome' }), key)
      .then((r) => current() && renderReport(r, q)),
    loadBudgets(key, q).then((b) => current() && renderBudgets(b)),
    loadEvents(key, q).then((page) => current() && renderEvents(page)),
    loadGateway(key, q, state.me.admin).then((v) => current() && renderGateway(v)),
  ];
  if (state.me.admin) {
    tasks.push(
      getJson(url('/api/usage', {
        from: q.from, to: q.to, tz: q.tz, window: 'none', groupBy: 'subject',
      }), key)
        .then((r) => current() && renderSubjects(r, q)),
      getJson(url('/api/alerts', { limit: 20 }), key).then((a) => current() && renderAlerts(a)),
    );
  }
  const results = await Promise.allSettled(tasks);
  if (!current()) {
    return;
  }
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.some((e) => e instanceof ApiError && e.status === 401)) {
    signOut(failures.find((e) => e.status === 401).message);
    return;
  }
  showErrors(failures);
  $('status').textContent = `Updated ${new Date().toLocaleTimeString()}`;
  $('dashboard').dataset.ready = 'true';
}

function showErrors(failures) {
  const banner = $('error-banner');
  const messages = [...new Set(failures.map((e) => (e && e.message) || String(e)))];
  banner.textContent = messages.join(' ');
  banner.hidden = messages.length === 0;
}

// ---- overview: totals and the series ------------------------------------------------------

/** Every bucket start from the query's start until now, so that quiet windows show as zero. */
function bucketStarts(q) {
  const starts = [];
  const end = q.toMs;
  const d = new Date(q.fromMs);
  while (d.getTime() < end && starts.length < 2000) {
    starts.push(d.getTime());
    if (q.window === 'day') {
      d.setDate(d.getDate() + 1);
    } else {
      d.setTime(d.getTime() + 3600_000);
    }
  }
  return starts;
}

const MEASURES = ['requests', 'errors', 'cancelled', 'inputTokens', 'cachedInputTokens', 'outputTokens',
  'reasoningTokens', 'totalTokens', 'cost'];

/** The points of a series summed per key (a bucket start, a model, an operation). */
function sumBy(points, keyOf) {
  const sums = new Map();
  for (const point of points) {
    const key = keyOf(point);
    let sum = sums.get(key);
    if (!sum) {
      sum = Object.fromEntries(MEASURES.map((m) => [m, 0]));
      sums.set(key, sum);
    }
    for (const m of MEASURES) {
      sum[m] += m === 'cancelled' ? cancelledIn(point) : Number(point[m]) || 0;
    }
  }
  return sums;
}

/** Requests of a point that are streams the client left: not errors, not successes. */
function cancelledIn(point) {
  return point.group && point.group.outcome === 'CANCELLED' ? Number(point.requests) || 0 : 0;
}

function renderReport(report, q) {
  renderOverview(report, q);
  renderModels(report);
  renderOperations(report);
}

function renderOverview(report, q) {
  const t = report.totals;
  const cancelled = report.series.reduce((n, p) => n + cancelledIn(p), 0);
  const currency = t.currency || 'USD';
  const http = report.httpRequests;
  setKpi('kpi-requests', t.requests, formatInteger(t.requests),
    `${formatInteger(t.errors)} failed · ${formatInteger(cancelled)} cancelled`
    + (http === null || http === undefined ? '' : ` · ${formatInteger(http)} HTTP request events, counted apart`));
  $('kpi-requests').dataset.httpRequests = String(http ?? '');
  $('kpi-requests').dataset.cancelled = String(cancelled);
  setKpi('kpi-tokens', t.totalTokens, formatInteger(t.totalTokens),
    `${formatInteger(t.inputTokens)} in · ${formatInteger(t.outputTokens)} out`);
  setKpi('kpi-cost', t.cost ?? '', formatMoney(t.cost, currency),
    t.unpriced > 0 ? `${formatInteger(t.unpriced)} unpriced events (cost unknown)` : 'every event priced');
  const rate = t.requests > 0 ? t.errors / t.requests : 0;
  setKpi('kpi-error-rate', rate, t.requests > 0 ? formatPercent(rate) : '—',
    `${formatInteger(t.errors)} of ${formatInteger(t.requests)} requests`
    + (cancelled > 0 ? `; ${formatInteger(cancelled)} cancelled by the client, not errors` : ''));
  setKpi('kpi-p95', t.durationP95Ms ?? '', formatDuration(t.durationP95Ms), `over ${q.rangeText}`);

  const byStart = sumBy(report.series, (p) => Date.parse(p.start));
  const starts = bucketStarts(q);
  for (const ms of byStart.keys()) {
    if (!starts.includes(ms)) {
      starts.push(ms);
    }
  }
  starts.sort((a, b) => a - b);
  const labels = starts.map((ms) => formatBucket(ms, q.window, q.spansDays));
  const points = starts.map((ms) => byStart.get(ms));
  const val = (p, field) => (p ? Number(p[field]) || 0 : 0);
  const per = q.window === 'day' ? 'per day' : 'per hour';

  draw($('chart-requests'), timeSeries(labels, [
    { label: 'Succeeded', data: points.map((p) => val(p, 'requests') - val(p, 'errors') - val(p, 'cancelled')), backgroundColor: COLORS.ok },
    { label: 'Failed', data: points.map((p) => val(p, 'errors')), backgroundColor: COLORS.failed },
    { label: 'Cancelled', data: points.map((p) => val(p, 'cancelled')), backgroundColor: COLORS.cancelled },
  ], { stacked: true }));
  $('cap-requests').textContent = `Requests ${per}`;
  $('desc-requests').textContent =
    `${formatInteger(t.requests)} requests over ${q.rangeText}, ${formatInteger(t.errors)} failed,`
    + ` ${formatInteger(cancelled)} cancelled (the client left a stream).`;

  draw($('chart-tokens'), timeSeries(labels, [
    { label: 'Input', data: points.map((p) => val(p, 'inputTokens')), backgroundColor: COLORS.input },
    { label: 'Cached input', data: points.map((p) => val(p, 'cachedInputTokens')), backgroundColor: COLORS.cachedInput },
    { label: 'Output', data: points.map((p) => val(p, 'outputTokens')), backgroundColor: COLORS.output },
    { label: 'Reasoning', data: points.map((p) => val(p, 'reasoningTokens')), backgroundColor: COLORS.reasoning },
  ], { stacked: true, tick: formatInteger }));
  $('cap-tokens').textContent = `Tokens by category ${per}`;
  $('desc-tokens').textContent =
    `Over ${q.rangeText}: ${formatInteger(t.inputTokens)} input, ${formatInteger(t.cachedInputTokens)}`
    + ` cached input, ${formatInteger(t.outputTokens)} output and ${formatInteger(t.reasoningTokens)}`
    + ' reasoning tokens.';

  draw($('chart-cost'), timeSeries(labels, [
    {
      label: `Cost (${currency})`,
      data: points.map((p) => val(p, 'cost')),
      borderColor: COLORS.cost,
      backgroundColor: 'rgba(124, 58, 237, 0.15)',
      fill: true,
      pointRadius: 0,
      tension: 0.2,
    },
  ], { type: 'line', tick: (v) => formatMoney(v, currency) }));
  $('cap-cost').textContent = `Cost ${per}`;
  $('desc-cost').textContent = `${formatMoney(t.cost, currency)} over ${q.rangeText}`
    + (t.unpriced > 0 ? `, plus ${formatInteger(t.unpriced)} unpriced events.` : '.');
}

function setKpi(id, raw, text, sub) {
  const el = $(id);
  el.textContent = text;
  el.dataset.value = String(raw);
  $(`${id}-sub`).textContent = sub;
}

// ---- breakdowns ----------------------------------------------------------------------------

/** A group value for people: events without a model group under "", shown as "(no model)". */
function groupName(field, value) {
  if (value === null || value === undefined || value === '') {
    return field === 'model' ? '(no model)' : '(none)';
  }
  return value;
}

/** The report's series summed per value of one group field, as {name, point}. */
function groups(report, field) {
  return [...sumBy(report.series, (p) => groupName(field, p.group[field]))]
    .map(([name, point]) => ({ name, point }));
}

function renderModels(report) {
  const rows = groups(report, 'model').sort((a, b) => b.point.totalTokens - a.point.totalTokens);
  draw($('chart-models'), ranking(rows.map((r) => r.name), rows.map((r) => r.point.totalTokens),
    'Tokens', COLORS.input, formatInteger));
  $('desc-models').textContent = rows.length === 0 ? 'No usage.'
    : rows.map((r) => `${r.name}: ${formatInteger(r.point.totalTokens)} tokens`).join('; ');
}

function renderOperations(report) {
  const rows = groups(report, 'operation').sort((a, b) => b.point.requests - a.point.requests);
  draw($('chart-operations'), ranking(rows.map((r) => r.name), rows.map((r) => r.point.requests),
    'Requests', COLORS.bars, formatInteger));
  $('desc-operations').textContent = rows.length === 0 ? 'No usage.'
    : rows.map((r) => `${r.name}: ${formatInteger(r.point.requests)} requests`).join('; ');
}

function renderSubjects(report, q) {
  const all = report.series.map((p) => ({ name: groupName('subject', p.group.subject), point: p }));
  const cost = (r) => Number(r.point.cost) || 0;
  const top = [...all].sort((a, b) => cost(b) - cost(a) || b.point.requests - a.point.requests)
    .slice(0, TOP_SUBJECTS);
  const currency = report.totals.currency || 'USD';
  draw($('chart-subjects'), ranking(top.map((r) => r.name), top.map(cost),
    `Cost (${currency})`, COLORS.cost, (v) => formatMoney(v, currency)));
  $('desc-subjects').textContent = top.length === 0 ? 'No usage.'
    : top.map((r) => `${r.name}: ${formatMoney(r.point.cost, currency)}`).join('; ');

  // The picker offers every subject with usage in the range, and keeps the current choice.
  const picker = $('subject-picker');
  const names = all.map((r) => r.name).filter((n) => n !== '(none)').sort();
  if (q.subject && !names.includes(q.subject)) {
    names.push(q.subject);
  }
  picker.replaceChildren(option('', 'Everyone'), ...names.map((n) => option(n, n)));
  picker.value = q.subject;
}

function option(value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

// ---- budgets and alerts --------------------------------------------------------------------

async function loadBudgets(key, q) {
  if (!state.me.admin) {
    return getJson('/api/usage/me/budgets', key);
  }
  const budgets = await getJson('/api/budgets', key);
  const shown = q.subject
    ? budgets.filter((b) => b.subject === q.subject || b.subject === '*') : budgets;
  return Promise.all(shown.map((b) => getJson(`/api/budgets/${encodeURIComponent(b.id)}/status`, key)));
}

function amount(measure, value, currency) {
  return measure === 'COST' ? formatMoney(value, currency) : `${formatInteger(value)} tokens`;
}

function renderBudgets(statuses) {
  const list = $('budgets');
  const empty = $('budgets-empty');
  list.replaceChildren(...statuses.map(budgetItem));
  empty.hidden = statuses.length > 0;
  empty.textContent = state.me.admin ? 'No budgets are defined.' : 'You have no budgets.';
}

function budgetItem(s) {
  const percent = Number(s.percentUsed) || 0;
  const li = document.createElement('li');
  li.className = 'budget';
  li.dataset.budgetId = s.budgetId;

  const head = document.createElement('div');
  head.className = 'budget-head';
  const name = document.createElement('span');
  name.className = 'budget-name';
  name.id = `budget-${s.budgetId}-name`;
  name.textContent = s.subject === '*' ? `${s.budgetId} (everyone)` : s.budgetId;
  if (state.me.admin && s.subject !== '*') {
    name.textContent += ` · ${s.subject}`;
  }
  const figures = document.createElement('span');
  figures.textContent = `${amount(s.measure, s.spent, s.currency)} of `
    + `${amount(s.measure, s.limit, s.currency)} (${formatPercent(percent / 100)})`;
  head.append(name, figures);

  const meter = document.createElement('progress');
  meter.className = 'meter';
  if (percent >= 100) {
    meter.classList.add('over');
  } else if (percent >= 80) {
    meter.classList.add('warn');
  }
  meter.max = 100;
  meter.value = Math.min(percent, 100);
  meter.setAttribute('aria-labelledby', name.id);
  meter.setAttribute('aria-valuetext', `${formatPercent(percent / 100)} used`);

  const meta = document.createElement('div');
  meta.className = 'budget-meta';
  meta.textContent = `${s.action === 'BLOCK' ? 'Blocks' : 'Alerts'} at the limit`
    + `${s.blocking ? ' — blocking now' : ''} · window resets ${formatDateTime(s.windowEnd)}`;

  li.append(head, meter, meta);
  return li;
}

function renderAlerts(alerts) {
  const tbody = $('alerts').tBodies[0];
  tbody.replaceChildren(...alerts.map((a) => row([
    formatShortDateTime(a.firedAt),
    a.budgetId,
    a.subject,
    { text: `${a.threshold} %`, num: true },
    { text: `${formatMoneyOrTokens(a.spent, a.currency)} / ${formatMoneyOrTokens(a.limit, a.currency)}`, num: true },
    a.deliveredAt
      ? { text: 'delivered', title: `Delivered ${formatDateTime(a.deliveredAt)}` }
      : a.lastError
        ? { text: `retrying (${a.attempts})`, title: a.lastError, className: 'outcome-ERROR' }
        : 'pending',
  ])));
  $('alerts-empty').hidden = alerts.length > 0;
}

function formatMoneyOrTokens(value, currency) {
  return currency ? formatMoney(value, currency) : formatInteger(value);
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    const c = typeof cell === 'object' && cell !== null ? cell : { text: cell };
    td.textContent = c.text ?? '';
    if (c.num) {
      td.className = 'num';
    }
    if (c.className) {
      td.classList.add(c.className);
    }
    if (c.title) {
      td.title = c.title;
    }
    tr.append(td);
  }
  return tr;
}

// ---- events --------------------------------------------------------------------------------

function loadEvents(key, q) {
  const cursor = state.cursors[state.cursors.length - 1];
  const params = { from: q.from, to: q.to, limit: EVENTS_PER_PAGE, cursor, order: 'newest' };
  const path = state.me.admin
    ? url('/api/usage/events', { subject: q.subject, ...params })
    : url('/api/usage/me/events', params);
  return getJson(path, key);
}

function renderEvents(page) {
  const admin = state.me.admin;
  const tbody = $('events').tBodies[0];
  tbody.replaceChildren(...page.events.map((e) => {
    const cells = [formatDateTime(e.occurredAt)];
    if (admin) {
      cells.push(e.subject);
    }
    cells.push(
      e.operation,
      e.model ?? '—',
      { text: formatInteger(e.tokens.input), num: true },
      { text: formatInteger(e.tokens.cachedInput), num: true },
      { text: formatInteger(e.tokens.output), num: true },
      { text: formatInteger(e.tokens.reasoning), num: true },
      { text: e.priced ? formatMoney(e.cost, e.currency) : 'unpriced', num: true },
      { text: formatDuration(e.durationMs), num: true },
      { text: e.errorType ? `${e.outcome} (${e.errorType})` : e.outcome, className: `outcome-${e.outcome}` },
    );
    const tr = row(cells);
    tr.dataset.eventId = e.id;
    return tr;
  }));
  state.nextCursor = page.nextCursor;
  const pageNumber = state.cursors.length;
  $('events-page').textContent = `Page ${pageNumber}`;
  $('events-first').disabled = pageNumber === 1;
  $('events-prev').disabled = pageNumber === 1;
  $('events-next').disabled = !page.nextCursor;
  $('events-empty').hidden = page.events.length > 0 || pageNumber > 1;
}

async function turnPage(change) {
  if (!state.me || !state.query) {
    return;
  }
  if (change === 'next' && state.nextCursor) {
    state.cursors.push(state.nextCursor);
  } else if (change === 'prev' && state.cursors.length > 1) {
    state.cursors.pop();
  } else if (change === 'first') {
    state.cursors = [null];
  } else {
    return;
  }
  const generation = state.generation;
  try {
    const page = await loadEvents(state.key, state.query);
    if (generation === state.generation) {
      renderEvents(page);
      showErrors([]);
    }
  } catch (e) {
    showErrors([e]);
  }
}

// ---- CSV -----------------------------------------------------------------------------------

/** A link cannot carry the Authorization header, so fetch the CSV and save it from a Blob URL. */
async function downloadCsv() {
  const q = currentQuery();
  const params = {
    format: 'csv', from: q.from, to: q.to, window: q.window, tz: q.tz, groupBy: 'operation,model',
  };
  if (state.me.admin && q.subject) {
    params.subject = q.subject;
  }
  const button = $('download-csv');
  button.disabled = true;
  try {
    const response = await request(url('/api/usage/export', params), state.key, 'text/csv');
    const blob = await response.blob();
    const href = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = href;
    const who = state.me.admin ? (q.subject || 'everyone') : state.me.subject;
    link.download = `tally-usage-${who}-${new Date().toISOString().slice(0, 10)}.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    // Revoked later: revoking at once can cancel the download before it starts.
    setTimeout(() => URL.revokeObjectURL(href), 60_000);
    $('status').textContent = 'CSV downloaded';
  } catch (e) {
    showErrors([e]);
  } finally {
    button.disabled = false;
  }
}

// ---- wiring --------------------------------------------------------------------------------

function start() {
  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    const error = $('signin-error');
    if (!key) {
      error.textContent = 'Enter an API key.';
      return;
    }
    const button = $('signin-submit');
    button.disabled = true;
    error.textContent = '';
    try {
      await signIn(key);
    } catch (e) {
      error.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('controls').addEventListener('submit', (event) => event.preventDefault());
  for (const id of ['range', 'window', 'subject-picker']) {
    $(id).addEventListener('change', () => refresh());
  }
  $('refresh').addEventListener('click', () => refresh());
  $('download-csv').addEventListener('click', downloadCsv);
  $('events-first').addEventListener('click', () => turnPage('first'));
  $('events-prev').addEventListener('click', () => turnPage('prev'));
  $('events-next').addEventListener('click', () => turnPage('next'));

  const remembered = sessionStorage.getItem(KEY_STORAGE);
  if (remembered) {
    signIn(remembered, { remembered: true }).catch((e) => signOut(e.message));
  } else {
    $('api-key').focus();
  }
}

start();
