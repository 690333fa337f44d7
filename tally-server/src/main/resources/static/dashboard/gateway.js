// The gateway panel: the OpenAI-compatible gateway's requests, tokens, cost, errors and latency
// per model and upstream, and per API key (/api/usage/me/gateway, or /api/usage/gateway for the
// admin). Hidden while the range has no gateway traffic.
import { getJson, url } from './api.js';
import { formatDuration, formatInteger, formatMoney } from './format.js';

const $ = (id) => document.getElementById(id);

export function loadGateway(key, q, admin) {
  const path = admin ? '/api/usage/gateway' : '/api/usage/me/gateway';
  return getJson(url(path, { from: q.from, to: q.to, subject: admin ? q.subject : '' }), key);
}

function cost(costs) {
  const entries = Object.entries(costs || {});
  return entries.length === 0 ? '—' : entries.map(([c, a]) => formatMoney(a, c)).join(' + ');
}

function cells(values) {
  const tr = document.createElement('tr');
  for (const v of values) {
    const td = document.createElement('td');
    const c = typeof v === 'object' && v !== null ? v : { text: v };
    td.textContent = c.text ?? '';
    if (c.num) {
      td.className = 'num';
    }
    tr.append(td);
  }
  return tr;
}

function measures(r) {
  return [
    { text: formatInteger(r.requests), num: true },
    { text: formatInteger(r.errors), num: true },
    { text: formatInteger(r.totalTokens), num: true },
    { text: cost(r.cost), num: true },
    { text: `${formatDuration(r.latencyP50Ms)} / ${formatDuration(r.latencyP95Ms)}`, num: true },
  ];
}

export function renderGateway(view) {
  const panel = $('gateway-panel');
  panel.hidden = view.events === 0;
  $('gateway-models').tBodies[0].replaceChildren(
    ...view.byModel.map((r) => cells([r.model, r.upstream, r.operation, ...measures(r)])),
  );
  $('gateway-keys').tBodies[0].replaceChildren(
    ...view.byKey.map((r) => cells([r.keyId, r.subject, ...measures(r)])),
  );
  $('gateway-truncated').hidden = !view.truncated;
}
