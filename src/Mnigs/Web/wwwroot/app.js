// Mnigs web UI: one page, six hash routes, talking to the daemon only through POST /jsonrpc.
// Vendored libraries (loaded before this module by index.html): uPlot (charts) and d3 modules
// (force layout, zoom, drag, selection) for the network map. No inline scripts or styles (CSP).

const POLL_MS = 2000;
const CHART_MINUTES = 10;
const uPlot = globalThis.uPlot;
const d3 = globalThis.d3;

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

const $ = (id) => document.getElementById(id);

/** Creates an element: h('button', {class: 'x', text: 'Go', on: {click}}, child, ...). */
function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, String(v));
  return el;
}

/** Sets text only when it changed, so that polling does not disturb selection or screen readers. */
function setText(el, text) {
  const t = text == null ? '' : String(text);
  if (el.textContent !== t) el.textContent = t;
}

function setAttr(el, name, value) {
  if (value == null || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else {
    const v = value === true ? '' : String(value);
    if (el.getAttribute(name) !== v) el.setAttribute(name, v);
  }
}

function show(el, visible) {
  if (el.hidden === visible) el.hidden = !visible;
}

/** Puts an element into the document or takes it out (a comment keeps its place), for hooks that exist only when relevant. */
function present(el, on) {
  if (!el._placeholder) {
    el._placeholder = document.createComment(el.dataset.testid || el.id || 'placeholder');
    el.before(el._placeholder);
  }
  if (on && !el.parentNode) el._placeholder.after(el);
  else if (!on && el.parentNode) {
    const hadFocus = el.contains(document.activeElement);
    el.remove();
    return hadFocus;
  }
  return false;
}

/** Replaces the children only when the given key differs from the last one (avoids churn every 2 s). */
function replaceIfChanged(el, key, build) {
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  el.replaceChildren(...build());
}

/**
 * Puts a spinner and a label into a button while an action runs. The button stays focusable (a disabled
 * button would drop the keyboard focus) but ignores clicks: see the capture listener below.
 */
function busyButton(btn, busy, label) {
  if (busy) {
    if (!btn.dataset.label) btn.dataset.label = btn.textContent;
    btn.setAttribute('aria-disabled', 'true');
    btn.setAttribute('aria-busy', 'true');
    btn.replaceChildren(h('span', {class: 'spinner', 'aria-hidden': 'true'}), label);
  } else if (btn.dataset.label) {
    btn.removeAttribute('aria-disabled');
    btn.removeAttribute('aria-busy');
    btn.textContent = btn.dataset.label;
    delete btn.dataset.label;
  }
}

document.addEventListener('click', (e) => {
  const busy = e.target instanceof Element && e.target.closest('button[aria-busy="true"]');
  if (busy) {
    e.preventDefault();
    e.stopImmediatePropagation();
  }
}, true);

// ---------------------------------------------------------------------------------------------
// Formatting

let clockOffsetMs = 0; // daemon clock minus browser clock, from the HTTP Date header

const serverNowMs = () => Date.now() + clockOffsetMs;

function fmtDuration(totalSeconds) {
  if (totalSeconds == null || !Number.isFinite(totalSeconds)) return '—';
  let t = Math.max(0, Math.round(totalSeconds));
  const d = Math.floor(t / 86400); t -= d * 86400;
  const hr = Math.floor(t / 3600); t -= hr * 3600;
  const m = Math.floor(t / 60); const sec = t - m * 60;
  if (d > 0) return `${d} d ${hr} h`;
  if (hr > 0) return `${hr} h ${m} min`;
  if (m > 0) return `${m} min ${String(sec).padStart(2, '0')} s`;
  return `${sec} s`;
}

function fmtAgo(unixSeconds) {
  if (!unixSeconds) return 'never';
  const secs = serverNowMs() / 1000 - unixSeconds;
  if (secs < 0) return `in ${fmtDuration(-secs)}`;
  if (secs < 10) return 'just now';
  if (secs < 60) return `${Math.round(secs)} s ago`;
  if (secs < 3600) return `${Math.round(secs / 60)} min ago`;
  if (secs < 86400) return `${Math.round(secs / 3600)} h ago`;
  return `${Math.round(secs / 86400)} days ago`;
}

function fmtTime(unixSeconds) {
  if (!unixSeconds) return '';
  return new Date(unixSeconds * 1000).toLocaleString();
}

function fmtBytes(n) {
  if (n == null || !Number.isFinite(n)) return '—';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n; let i = -1;
  do { v /= 1000; i++; } while (v >= 1000 && i < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

const fmtMs = (ms) => (ms == null ? '—' : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`);

function fmtLoss(loss) {
  if (loss == null) return '—';
  if (loss === 0) return 'no loss';
  const pct = loss * 100;
  return `${pct < 1 ? pct.toFixed(1) : Math.round(pct)} % loss`;
}

function fmtQuality(q) {
  if (!q || !q.samples || (q.rttMs == null && q.loss == null)) return 'not measured yet';
  if (q.rttMs == null) return `no answer (${fmtLoss(q.loss)})`;
  return `${fmtMs(q.rttMs)}, ${fmtLoss(q.loss)}`;
}

function fmtPrice(p) {
  if (p == null) return '';
  if (p === 0) return 'free';
  return `${p} per hour`;
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ---------------------------------------------------------------------------------------------
// JSON-RPC

class RpcError extends Error {
  constructor(message, {temporary = false, notFound = false} = {}) {
    super(message);
    this.temporary = temporary;
    this.notFound = notFound;
  }
}

let rpcId = 0;

/** Calls one admin method; resolves to its result, or rejects with an RpcError in plain words. */
async function rpc(method, params = {}, timeoutMs = 15000) {
  let response;
  try {
    response = await fetch('/jsonrpc', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({jsonrpc: '2.0', id: ++rpcId, method, params}),
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    if (e && (e.name === 'TimeoutError' || e.name === 'AbortError'))
      throw new RpcError(`The daemon did not answer “${method}” within ${Math.round(timeoutMs / 1000)} seconds`, {temporary: true});
    throw new RpcError('Cannot reach the daemon: is it running?', {temporary: true});
  }
  const date = Date.parse(response.headers.get('Date') || '');
  if (Number.isFinite(date)) {
    const offset = date - Date.now();
    clockOffsetMs = Math.abs(offset) > 2000 ? offset : 0;
  }
  if (response.status === 403)
    throw new RpcError('This browser’s address may not administer the daemon (see daemon.authorizedNetworks in mnigs.conf)');
  if (!response.ok) throw new RpcError(`The daemon answered HTTP ${response.status} ${response.statusText}`.trim(), {temporary: true});
  let body;
  try {
    body = await response.json();
  } catch {
    throw new RpcError('The daemon sent an answer that is not JSON', {temporary: true});
  }
  if (body.error) {
    const msg = String(body.error.message || 'Unknown error');
    if (/permission denied/i.test(msg))
      throw new RpcError('Permission denied: this browser’s address is not in daemon.authorizedNetworks, or the page was not opened by the node’s IP address');
    if (body.error.code === -32601)
      throw new RpcError(`This daemon does not know the method “${method}” (is it an older version?)`, {notFound: true});
    throw new RpcError(msg);
  }
  const result = body.result;
  if (!result || typeof result !== 'object') throw new RpcError('The daemon sent an empty answer');
  if (result.success === false)
    throw new RpcError(result.errorMsg || `“${method}” failed`, {temporary: !!result.temporaryError});
  return result;
}

// ---------------------------------------------------------------------------------------------
// Banners: errors of admin calls, dismissible.

const banners = new Map();

function showBanner(text, {key = text, kind = 'error'} = {}) {
  const existing = banners.get(key);
  if (existing) {
    setText(existing.querySelector('.banner-text'), text);
    return;
  }
  const el = h('div', {class: `banner ${kind}`, 'data-testid': 'banner', role: kind === 'error' ? 'alert' : 'status'},
    h('span', {class: 'banner-text', text}),
    h('button', {type: 'button', 'data-testid': 'dismiss-banner', 'aria-label': 'Dismiss this message', text: 'Dismiss',
      on: {click: () => clearBanner(key)}}));
  banners.set(key, el);
  $('banners').append(el);
}

function clearBanner(key) {
  const el = banners.get(key);
  if (!el) return;
  const hadFocus = el.contains(document.activeElement);
  el.remove();
  banners.delete(key);
  if (hadFocus) $('main').focus();
}

// ---------------------------------------------------------------------------------------------
// State shared by the pages

const state = {
  status: null,
  statusAt: 0, // performance.now() when status arrived (lease countdowns)
  gateways: null,
  gatewaysError: null,
  quality: {},
  activeQuality: null,
  activeQualityError: null,
  scan: null,
  scanError: null,
  sessions: null,
  sessionsError: null,
  settings: null,
  settingsError: null,
};

const testResults = new Map(); // gateway key -> {pending, result, error, at}
const rowActions = new Map(); // gateway key -> {kind, message, ok}

// ---------------------------------------------------------------------------------------------
// Charts (uPlot)

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

const charts = new Set();

/** A uPlot chart that sizes itself to its container and is rebuilt when the colour scheme changes. */
class Chart {
  constructor(container, makeOptions, height) {
    this.container = container;
    this.makeOptions = makeOptions;
    this.height = height;
    this.data = null;
    this.plot = null;
    this.observer = new ResizeObserver(() => this.fit());
    this.observer.observe(container);
    charts.add(this);
  }

  width() {
    return Math.floor(this.container.clientWidth);
  }

  build() {
    const width = this.width();
    if (width < 20 || !this.data) return;
    this.plot?.destroy();
    this.plot = new uPlot({...this.makeOptions(), width, height: this.height}, this.data, this.container);
  }

  setData(data) {
    this.data = data;
    if (!this.plot) this.build();
    else this.plot.setData(data);
  }

  fit() {
    const width = this.width();
    if (width < 20) return;
    if (!this.plot) this.build();
    else if (Math.abs(this.plot.width - width) > 1) this.plot.setSize({width, height: this.height});
  }

  rebuild() {
    this.plot?.destroy();
    this.plot = null;
    this.build();
  }

  destroy() {
    this.observer.disconnect();
    this.plot?.destroy();
    this.plot = null;
    charts.delete(this);
  }
}

window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const c of charts) c.rebuild();
});

const timeRange = () => {
  const now = serverNowMs() / 1000;
  return [now - CHART_MINUTES * 60, now];
};

/** Merges mesh and tunnel samples of one gateway into uPlot columns: x, tunnel RTT, mesh RTT, tunnel loss %. */
function chartColumns(samples) {
  const byTime = new Map();
  for (const smp of samples || []) {
    const t = Math.round(smp.at / 1000);
    let row = byTime.get(t);
    if (!row) byTime.set(t, row = {tunnel: null, mesh: null, loss: null});
    if (smp.path === 'tunnel') {
      row.tunnel = smp.rttMs ?? null;
      row.loss = smp.loss == null ? null : smp.loss * 100;
    } else {
      row.mesh = smp.rttMs ?? null;
    }
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  return [times, times.map((t) => byTime.get(t).tunnel), times.map((t) => byTime.get(t).mesh), times.map((t) => byTime.get(t).loss)];
}

function rttChartOptions() {
  const muted = css('--muted');
  const grid = css('--chart-grid');
  const lossColor = css('--chart-loss');
  return {
    legend: {show: false},
    cursor: {drag: {x: false, y: false}},
    scales: {
      x: {time: true, range: () => timeRange()},
      ms: {range: (u, min, max) => [0, Math.max(10, (max || 0) * 1.2)]},
      pct: {range: [0, 100]},
    },
    axes: [
      {stroke: muted, grid: {stroke: grid}, ticks: {stroke: grid}, space: 70, incrs: [60, 120, 300, 600],
        values: (u, vals) => vals.map((v) => new Date(v * 1000).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'}))},
      {scale: 'ms', stroke: muted, grid: {stroke: grid}, ticks: {stroke: grid}, size: 60, values: (u, vals) => vals.map((v) => `${v} ms`)},
      {scale: 'pct', side: 1, stroke: muted, grid: {show: false}, ticks: {stroke: grid}, size: 58, values: (u, vals) => vals.map((v) => `${v} %`)},
    ],
    series: [
      {},
      {label: 'Round trip through the tunnel', scale: 'ms', stroke: css('--chart-rtt'), width: 2, points: {show: false}},
      {label: 'Round trip over the mesh', scale: 'ms', stroke: css('--chart-mesh'), width: 1, dash: [4, 4], points: {show: false}},
      {label: 'Loss through the tunnel', scale: 'pct', stroke: lossColor, fill: `${lossColor}33`, width: 1,
        paths: uPlot.paths.stepped({align: 1}), points: {show: false}},
    ],
  };
}

function trendChartOptions() {
  return {
    legend: {show: false},
    cursor: {show: false},
    select: {show: false},
    padding: [4, 2, 2, 2],
    axes: [{show: false}, {show: false}],
    scales: {
      x: {time: false, range: () => timeRange()},
      y: {range: (u, min, max) => [0, Math.max(5, (max || 0) * 1.15)]},
    },
    series: [
      {},
      {stroke: css('--chart-rtt'), width: 1.5, points: {show: false}},
      {stroke: css('--chart-mesh'), width: 1.5, points: {show: false}},
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Gateway helpers

const gatewayKey = (g) => g.id || g.address;

function samplesOf(samples, g) {
  if (!samples) return null;
  return samples[g.id] || samples[g.address] || samples[`${g.address}:${g.port}`] || null;
}

function addressesOf(g) {
  const list = new Set([g.address]);
  for (const a of g.addresses || []) list.add(a.address);
  return list;
}

/** The autopilot's view of a gateway from status (standing, quality), matched by id or address. */
function autopilotView(g) {
  const ap = state.status?.subscriber?.autopilot;
  if (!ap || !Array.isArray(ap.gateways)) return null;
  const addrs = addressesOf(g);
  return ap.gateways.find((x) => (g.id && x.id === g.id) || addrs.has(x.address)) || null;
}

function isConnectedTo(g) {
  const conn = state.status?.subscriber?.connection;
  if (!conn) return false;
  if (g.id && conn.gatewayId) return conn.gatewayId === g.id;
  return addressesOf(g).has(conn.gateway);
}

/** Whether one entry of the preferred list (a name, node id or address) names this gateway. */
function namesGateway(p, g) {
  return p === g.id || (!!g.name && p.toLowerCase() === g.name.toLowerCase()) || addressesOf(g).has(p);
}

function isPreferred(g) {
  const preferred = state.status?.subscriber?.autopilot?.preferred || [];
  if (preferred.some((p) => namesGateway(p, g))) return true;
  // An entry in a form not recognised here: the autopilot's own flag decides.
  return preferred.length > 0 && autopilotView(g)?.preferred === true;
}

/** How setPreferred names a gateway: its name when unique among the known gateways, else its id or address. */
function preferName(g) {
  const list = state.gateways || [];
  if (g.name && list.filter((x) => x.name && x.name.toLowerCase() === g.name.toLowerCase()).length === 1) return g.name;
  return g.id || g.address;
}

function nameForAddress(address) {
  if (!address) return null;
  for (const g of state.gateways || []) if (addressesOf(g).has(address)) return g.name || null;
  for (const g of state.status?.subscriber?.autopilot?.gateways || []) if (g.address === address) return g.name || null;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Status page

let rttChart = null;
const scanProgress = $('scan-progress');
const scanProgressText = $('scan-progress-text');
const scanProgressBar = $('scan-progress-bar');

function deriveProblems(st) {
  // Only for a daemon that does not send "problems" yet.
  const list = [];
  for (const n of st.networks || []) if (!n.available) list.push(`${n.name}: ${n.message || 'not available'}`);
  const tunnels = st.tunnels || [];
  if (tunnels.length > 0 && !tunnels.some((t) => t.available))
    list.push(`No tunnel type is usable: ${tunnels.map((t) => `${t.name}: ${t.message}`).join('; ')}`);
  if (st.gateway?.enabled && !st.gateway.serving) list.push(`The gateway is enabled but does not serve: ${st.gateway.reason || 'unknown reason'}`);
  return list;
}

function renderHeader() {
  const st = state.status;
  const pill = $('header-state');
  if (!st) return;
  setText($('node-name'), st.name || '(unnamed node)');
  setText($('node-version'), st.version ? `v${st.version}` : '');
  const online = !!st.subscriber?.online;
  setText(pill, online ? 'Online' : 'Offline');
  pill.className = `pill ${online ? 'pill-ok' : 'pill-bad'}`;
  const title = `${st.name || 'Mnigs'} · Mnigs`;
  if (document.title !== title) document.title = title;
}

function renderStatus() {
  const st = state.status;
  if (!st) return;
  const sub = st.subscriber || {};
  const ap = sub.autopilot || {};
  const conn = sub.connection || null;

  const online = !!sub.online;
  const onlineEl = $('st-online');
  setText(onlineEl, online ? 'Online' : 'Offline');
  onlineEl.className = `pill ${online ? 'pill-ok' : 'pill-bad'}`;
  setText($('st-state'), ap.state || (sub.connected ? 'connected' : 'not connected'));
  const reason = [ap.reason ? `Why: ${ap.reason}` : '', sub.lastError ? `Last error: ${sub.lastError}` : ''].filter(Boolean).join(' · ');
  setText($('st-reason'), reason);

  setText($('st-gateway'), conn ? `${conn.gatewayName || nameForAddress(conn.gateway) || '(unnamed gateway)'} (${conn.gateway})` : 'Not connected');
  setText($('st-suite'), conn?.suite || '—');
  setText($('st-addresses'), conn ? [conn.ipv4, conn.ipv6].filter(Boolean).join(', ') || 'none' : '—');
  if (!ap.standbyEnabled) setText($('st-standby'), 'Off (subscriber.standby = no)');
  else if (ap.standby) setText($('st-standby'), `${nameForAddress(ap.standby) ? `${nameForAddress(ap.standby)} ` : ''}(${ap.standby})`);
  else setText($('st-standby'), 'None up yet');
  let failovers = String(ap.failovers ?? 0);
  const lf = ap.lastFailover;
  if (lf) {
    failovers += ` · last ${fmtAgo(lf.at / 1000)}: ${nameForAddress(lf.from) || lf.from || '?'} → ${nameForAddress(lf.to) || lf.to || 'none'}`;
    if (lf.tookMs != null) failovers += ` in ${(lf.tookMs / 1000).toFixed(2)} s`;
    if (lf.reason) failovers += ` (${lf.reason})`;
  }
  setText($('st-failovers'), failovers);
  renderLease();

  renderPayment(conn);

  const connecting = rowActions.has('*status');
  show($('st-connect'), !conn || connecting);
  show($('st-disconnect'), !!conn);

  // Problems, one <li> each.
  const problems = Array.isArray(st.problems) ? st.problems : deriveProblems(st);
  replaceIfChanged($('problem-list'), JSON.stringify(problems), () => problems.map((p) => h('li', {text: p})));
  show($('no-problems'), problems.length === 0);
  $('problems-box').classList.toggle('has-problems', problems.length > 0);

  // Scan progress, only while a scan runs.
  const scan = st.scan;
  present(scanProgress, !!scan);
  if (scan) {
    setText(scanProgressText, `Scanning the mesh: ${scan.probed} of ${scan.known} hosts probed, ${plural(scan.gateways, 'gateway')} found so far`
      + (scan.depth != null ? ` (${scan.depth} hops deep)` : ''));
    const bar = scanProgressBar;
    bar.max = Math.max(1, scan.known || 0);
    bar.value = Math.min(scan.probed || 0, bar.max);
  }

  // This node.
  const nodeFacts = [
    ['Name', st.name || '—'],
    ['Version', st.version || '—'],
    ['Node id', st.id || '—'],
    ['Admin port', String(st.rpcPort ?? '—')],
    ...(st.networks || []).map((n) => [`Network ${n.name}`,
      n.available ? `working${n.addresses?.length ? `: ${n.addresses.join(', ')}` : ''}` : `not available: ${n.message || ''}`]),
    ...(st.tunnels || []).map((t) => [`Tunnel ${t.name}`, t.available ? `usable${t.message ? ` (${t.message})` : ''}` : `not usable: ${t.message || ''}`]),
    ['Directory', st.directory ? (st.directory.enabled ? `on, ${plural(st.directory.gateways ?? 0, 'gateway')} listed` : 'off') : '—'],
  ];
  replaceIfChanged($('st-node'), JSON.stringify(nodeFacts), () => factsList(nodeFacts));

  const gw = st.gateway || {};
  const serviceFacts = [
    ['Offers its uplink', gw.enabled ? 'yes' : 'no (gateway.enabled = no)'],
    ['Serving now', gw.serving ? 'yes' : `no${gw.reason ? `: ${gw.reason}` : ''}`],
    ['Uplink', gw.uplink || '—'],
    ['Subscribers', `${gw.sessions ?? 0} of ${gw.maxConnections ?? '?'}`],
    ['Tunnel types', (gw.suites || []).join(', ') || '—'],
  ];
  replaceIfChanged($('st-service'), JSON.stringify(serviceFacts), () => factsList(serviceFacts));

  renderRttChart();
}

function factsList(pairs) {
  return pairs.flatMap(([k, v]) => [h('dt', {text: k}), h('dd', {text: v})]);
}

function renderLease() {
  const conn = state.status?.subscriber?.connection;
  let text = '—';
  if (conn) {
    let left = null;
    if (conn.leaseSecondsLeft != null) left = conn.leaseSecondsLeft - (performance.now() - state.statusAt) / 1000;
    else if (conn.expiresAt) left = conn.expiresAt - serverNowMs() / 1000;
    if (left != null) text = left <= 0 ? 'expired, renewing…' : fmtDuration(left);
  }
  setText($('st-lease'), text);
}

function renderRttChart() {
  const container = $('rtt-chart');
  if (!rttChart) rttChart = new Chart(container, rttChartOptions, 220);
  const conn = state.status?.subscriber?.connection;
  const empty = $('rtt-chart-empty');
  let message = '';
  let columns = [[], [], [], []];
  if (!conn) {
    message = 'Not connected: no measurements through a tunnel.';
  } else if (state.activeQualityError) {
    message = `No quality history: ${state.activeQualityError}`;
  } else {
    columns = chartColumns(state.activeQuality);
    if (columns[0].length === 0) message = 'Waiting for the first measurements through the tunnel…';
  }
  setText(empty, message);
  show(empty, !!message);
  rttChart.setData(columns);
}

async function pollActiveQuality() {
  const conn = state.status?.subscriber?.connection;
  if (!conn) {
    state.activeQuality = null;
    state.activeQualityError = null;
    return;
  }
  try {
    const params = {minutes: CHART_MINUTES};
    params.gateway = conn.gatewayId || conn.gateway;
    const r = await rpc('qualityHistory', params);
    const samples = r.samples || {};
    const keys = Object.keys(samples);
    state.activeQuality = samples[conn.gatewayId] || samples[conn.gateway] || samples[`${conn.gateway}:${conn.port}`]
      || (keys.length === 1 ? samples[keys[0]] : []);
    state.activeQualityError = null;
  } catch (e) {
    state.activeQualityError = e.message;
  }
}

async function connectBest() {
  const btn = $('st-connect');
  const msg = $('st-action-msg');
  rowActions.set('*status', {kind: 'connect'});
  busyButton(btn, true, 'Connecting…');
  msg.className = 'action-msg';
  setText(msg, 'Choosing the best gateway and setting up the tunnel…');
  try {
    const r = await rpc('connect', {}, 90000);
    const c = r.connection;
    msg.className = 'action-msg ok';
    setText(msg, c ? `Connected to ${c.gatewayName || c.gateway} (${c.gateway}).` : 'Connected.');
  } catch (e) {
    msg.className = 'action-msg error';
    setText(msg, `Could not connect: ${e.message}`);
    showBanner(`Could not connect: ${e.message}`);
  } finally {
    rowActions.delete('*status');
    busyButton(btn, false);
    refreshNow();
  }
}

async function disconnectActive() {
  const btn = $('st-disconnect');
  const msg = $('st-action-msg');
  busyButton(btn, true, 'Disconnecting…');
  msg.className = 'action-msg';
  setText(msg, 'Closing the tunnel…');
  try {
    await rpc('disconnect', {}, 30000);
    msg.className = 'action-msg ok';
    setText(msg, 'Disconnected.');
  } catch (e) {
    msg.className = 'action-msg error';
    setText(msg, `Could not disconnect: ${e.message}`);
    showBanner(`Could not disconnect: ${e.message}`);
  } finally {
    busyButton(btn, false);
    refreshNow();
  }
}

// ---------------------------------------------------------------------------------------------
// Gateways page

const gatewayRows = new Map(); // key -> row object
let scanWasRunning = false;

async function pollGateways() {
  const [list, quality] = await Promise.allSettled([rpc('listGateways'), rpc('qualityHistory', {minutes: CHART_MINUTES})]);
  if (list.status === 'fulfilled') {
    state.gateways = list.value.gateways || [];
    state.gatewaysError = null;
  } else {
    state.gatewaysError = list.reason.message;
  }
  state.quality = quality.status === 'fulfilled' ? quality.value.samples || {} : null;
}

function makeGatewayRow(key) {
  const row = {key};
  row.name = h('h2', {class: 'gw-name'});
  row.address = h('span', {class: 'gw-address mono'});
  row.badges = h('span', {class: 'gw-badges'});
  const fact = (label) => {
    const dd = h('dd');
    row.factsEl.append(h('div', {}, h('dt', {text: label}), dd));
    return dd;
  };
  row.factsEl = h('dl', {class: 'gw-facts'});
  row.networks = fact('Networks');
  row.suites = fact('Tunnel types and price');
  row.load = fact('Load');
  row.mesh = fact('Over the mesh');
  row.tunnel = fact('Through the tunnel');
  row.standing = fact('Autopilot');
  row.sources = fact('Learned from');
  row.seen = fact('Seen');
  row.trendBox = h('div', {class: 'trend', 'data-testid': 'trend', role: 'img', 'aria-label': 'Round-trip time over the last 10 minutes'});
  row.trendEmpty = h('p', {class: 'chart-empty', text: 'No measurements yet'});
  row.trendBox.append(row.trendEmpty);
  row.chart = new Chart(row.trendBox, trendChartOptions, 64);

  row.connect = h('button', {type: 'button', class: 'primary', 'data-testid': 'connect', text: 'Connect', on: {click: () => gatewayConnect(key)}});
  row.disconnect = h('button', {type: 'button', 'data-testid': 'disconnect', text: 'Disconnect', on: {click: () => gatewayDisconnect(key)}});
  row.test = h('button', {type: 'button', 'data-testid': 'test', text: 'Test', on: {click: () => gatewayTest(key)}});
  row.prefer = h('button', {type: 'button', 'data-testid': 'prefer', 'aria-pressed': 'false', text: 'Prefer',
    title: 'Send the traffic through this gateway whenever it is healthy', on: {click: () => gatewayPrefer(key)}});
  row.msg = h('p', {class: 'row-msg', role: 'status'});
  row.result = h('div', {class: 'test-result', 'data-testid': 'test-result', 'aria-live': 'polite'});

  row.el = h('li', {class: 'gw', 'data-testid': 'gateway-row'},
    h('div', {class: 'gw-head'}, row.name, row.address, row.badges),
    row.factsEl,
    h('div', {class: 'gw-trend'}, h('span', {class: 'trend-label', text: 'Round trip, last 10 min'}), row.trendBox),
    h('div', {class: 'gw-actions'}, row.connect, row.disconnect, row.test, row.prefer),
    row.msg,
    row.result);
  return row;
}

function renderGateways() {
  const list = state.gateways;
  const container = $('gateway-list');
  const scan = state.status?.scan;

  // Scan button and progress.
  const scanBtn = $('gw-scan');
  const scanMsg = $('gw-scan-msg');
  if (scan) {
    busyButton(scanBtn, true, 'Scanning…');
    scanMsg.className = 'action-msg';
    setText(scanMsg, `Scanning: ${scan.probed} of ${scan.known} hosts probed, ${plural(scan.gateways, 'gateway')} found`);
  } else {
    if (scanBtn.getAttribute('aria-busy') && !rowActions.has('*scan')) busyButton(scanBtn, false);
    if (scanWasRunning) {
      scanMsg.className = 'action-msg ok';
      setText(scanMsg, `Scan finished: ${plural((list || []).length, 'gateway')} known.`);
    }
  }
  scanWasRunning = !!scan;

  if (!list) {
    setText($('gw-summary'), state.gatewaysError ? `Cannot list the gateways: ${state.gatewaysError}` : 'Loading…');
    return;
  }
  const conn = state.status?.subscriber?.connection;
  setText($('gw-summary'), `${plural(list.length, 'gateway')} known`
    + (conn ? ` · connected to ${conn.gatewayName || conn.gateway}` : ' · not connected')
    + (state.gatewaysError ? ` · last update failed: ${state.gatewaysError}` : ''));
  show($('gw-empty'), list.length === 0);
  const testAllBtn = $('gw-test-all');
  if (!testAllBtn.getAttribute('aria-busy')) testAllBtn.disabled = list.length === 0;

  const seen = new Set();
  const ordered = [];
  for (const g of list) {
    const key = gatewayKey(g);
    if (seen.has(key)) continue;
    seen.add(key);
    let row = gatewayRows.get(key);
    if (!row) {
      row = makeGatewayRow(key);
      gatewayRows.set(key, row);
    }
    row.g = g;
    updateGatewayRow(row, g);
    ordered.push(row.el);
  }
  for (const [key, row] of gatewayRows) {
    if (!seen.has(key)) {
      row.chart.destroy();
      row.el.remove();
      gatewayRows.delete(key);
    }
  }
  // Reorder only when needed (moving a node would drop the keyboard focus).
  const current = [...container.children];
  if (current.length !== ordered.length || current.some((el, i) => el !== ordered[i])) {
    const focused = document.activeElement;
    container.replaceChildren(...ordered);
    if (focused && container.contains(focused)) focused.focus();
  }
}

function updateGatewayRow(row, g) {
  const view = autopilotView(g);
  const connected = isConnectedTo(g);
  const preferred = isPreferred(g);
  const standbyAddr = state.status?.subscriber?.autopilot?.standby;
  const standby = !!standbyAddr && !connected && addressesOf(g).has(standbyAddr);

  setAttr(row.el, 'data-gateway-name', g.name || '');
  setAttr(row.el, 'data-gateway-address', g.address || '');
  row.el.classList.toggle('connected', connected);
  setText(row.name, g.name || '(no name)');
  setText(row.address, g.address || '');

  const badges = [];
  if (connected) badges.push(['Connected', 'badge-ok']);
  if (standby) badges.push(['Standby', 'badge-accent']);
  if (preferred) badges.push(['Preferred', 'badge-warn']);
  if (view && view.standing && view.standing !== 'usable') badges.push([`Not usable: ${view.why || view.standing}`, 'badge-bad']);
  if (g.managed === false) badges.push(['No Mnigs daemon', '']);
  replaceIfChanged(row.badges, JSON.stringify(badges), () => badges.map(([t, c]) => h('span', {class: `badge ${c}`, text: t})));

  const nets = (g.addresses || []).map((a) => `${a.network}: ${a.address}`).join(', ') || g.address || '—';
  setText(row.networks, nets);
  const prices = new Map((g.offers || []).map((o) => [o.id, o.pricePerHour]));
  setText(row.suites, (g.suites || []).map((id) => (prices.has(id) ? `${id} (${fmtPrice(prices.get(id))})` : id)).join(', ') || '—');

  replaceIfChanged(row.load, `${g.load}/${g.capacity}`, () => {
    if (g.load == null || g.capacity == null) return [g.load != null ? `${g.load} subscribers` : 'unknown'];
    const meter = h('span', {class: 'meter', 'aria-hidden': 'true'}, h('span'));
    meter.firstChild.style.width = `${Math.min(100, g.capacity > 0 ? (g.load / g.capacity) * 100 : 100)}%`;
    return [`${g.load} of ${g.capacity} subscribers`, meter];
  });
  setText(row.mesh, view ? fmtQuality(view.mesh) : 'not measured yet');
  setText(row.tunnel, connected ? (view?.through ? fmtQuality(view.through) : 'measuring…') : 'only measured while connected');
  let standing = '—';
  if (view) {
    if (view.standing === 'usable') standing = `usable${view.score != null ? `, score ${view.score}` : ''}`;
    else standing = view.why || view.standing;
    if (view.retryAt) standing += ` · retry ${fmtAgo(view.retryAt / 1000)}`;
  }
  setText(row.standing, standing);
  setText(row.sources, (g.sources && g.sources.length ? g.sources : [g.source]).filter(Boolean).join(', ') || '—');
  setText(row.seen, `${fmtAgo(g.lastSeen)} (first ${fmtAgo(g.learnedAt)})`);
  setAttr(row.seen, 'title', `Last seen ${fmtTime(g.lastSeen)}; learned ${fmtTime(g.learnedAt)}`);

  // Trend chart.
  const samples = samplesOf(state.quality, g);
  const columns = chartColumns(samples);
  row.chart.setData([columns[0], columns[1], columns[2]]);
  setText(row.trendEmpty, state.quality == null ? 'No history available' : 'No measurements yet');
  show(row.trendEmpty, columns[0].length === 0);

  // Actions. A success message fades out after 30 s; an error stays until the next action.
  let action = rowActions.get(row.key);
  if (action?.ok === true && Date.now() - action.at > 30000) {
    rowActions.delete(row.key);
    action = undefined;
  }
  const showConnect = !connected || action?.kind === 'connect';
  const lostConnect = present(row.connect, showConnect);
  const lostDisconnect = present(row.disconnect, connected && action?.kind !== 'connect');
  if (lostConnect && row.disconnect.parentNode) row.disconnect.focus();
  else if (lostDisconnect && row.connect.parentNode) row.connect.focus();
  else if (lostConnect || lostDisconnect) row.test.focus();
  setAttr(row.prefer, 'aria-pressed', preferred ? 'true' : 'false');
  setText(row.msg, action?.message || '');
  row.msg.className = `row-msg${action?.ok === true ? ' ok' : action?.ok === false ? ' error' : ''}`;
  renderTestResult(row);
}

function renderTestResult(row) {
  const t = testResults.get(row.key);
  const el = row.result;
  if (!t) {
    replaceIfChanged(el, '', () => []);
    el.className = 'test-result';
    return;
  }
  if (t.pending) {
    busyButton(row.test, true, 'Testing…');
    el.className = 'test-result pending';
    replaceIfChanged(el, 'pending', () => [h('span', {class: 'spinner', 'aria-hidden': 'true'}),
      'Testing: probing over the mesh, then through a test tunnel (this can take up to half a minute)…']);
    return;
  }
  busyButton(row.test, false);
  const time = new Date(t.at).toLocaleTimeString();
  if (t.error) {
    el.className = 'test-result bad';
    replaceIfChanged(el, `err:${t.at}`, () => [`Test failed (${time}): ${t.error}`]);
    return;
  }
  const r = t.result;
  const lines = [];
  if (r.mesh) lines.push(`Over the mesh: ${r.mesh.rttMs != null ? `${fmtMs(r.mesh.rttMs)} round trip` : 'no answer to the probes'}, ${fmtLoss(r.mesh.loss)} (${r.mesh.sent} probes)`);
  if (r.load != null && r.capacity != null) lines.push(`Load: ${r.load} of ${r.capacity} subscribers`);
  if (r.tunnel) {
    const tn = r.tunnel;
    lines.push(`Tunnel up in ${tn.upMs} ms; through it ${tn.rttMs != null ? `${fmtMs(tn.rttMs)} round trip` : 'no answer'}, ${fmtLoss(tn.loss)}`);
    if (tn.throughputMbps != null) lines.push(`Download speed: ${tn.throughputMbps} Mbit/s`);
  }
  const good = r.reachable && !r.error;
  el.className = `test-result ${good ? 'good' : 'bad'}`;
  const headline = good ? `Works (${time}).`
    : r.error ? `Problem (${time}): ${r.error}` : `Not reachable (${time}).`;
  replaceIfChanged(el, `res:${t.at}`, () => [h('strong', {text: headline}), lines.length ? h('ul', {}, lines.map((l) => h('li', {text: l}))) : null]);
}

function rowFor(key) {
  return gatewayRows.get(key);
}

async function gatewayConnect(key) {
  const row = rowFor(key);
  if (!row) return;
  const g = row.g;
  const label = g.name || g.address;
  rowActions.set(key, {kind: 'connect', message: `Connecting to ${label}: setting up the tunnel…`});
  busyButton(row.connect, true, 'Connecting…');
  updateGatewayRow(row, g);
  try {
    const params = {address: g.address};
    if (g.port) params.port = g.port;
    const r = await rpc('connect', params, 90000);
    const c = r.connection || {};
    const addrs = [c.ipv4, c.ipv6].filter(Boolean).join(', ');
    rowActions.set(key, {kind: 'done', ok: true, at: Date.now(), message: `Connected to ${label}${c.suite ? ` over ${c.suite}` : ''}${addrs ? `; tunnel address ${addrs}` : ''}.`});
  } catch (e) {
    rowActions.set(key, {kind: 'done', ok: false, message: `Could not connect to ${label}: ${e.message}`});
    showBanner(`Could not connect to ${label}: ${e.message}`);
  }
  busyButton(row.connect, false);
  await refreshNow();
}

async function gatewayDisconnect(key) {
  const row = rowFor(key);
  if (!row) return;
  const label = row.g.name || row.g.address;
  rowActions.set(key, {kind: 'disconnect', message: `Disconnecting from ${label}…`});
  busyButton(row.disconnect, true, 'Disconnecting…');
  updateGatewayRow(row, row.g);
  try {
    await rpc('disconnect', {}, 30000);
    rowActions.set(key, {kind: 'done', ok: true, at: Date.now(), message: `Disconnected from ${label}.`});
  } catch (e) {
    rowActions.set(key, {kind: 'done', ok: false, message: `Could not disconnect: ${e.message}`});
    showBanner(`Could not disconnect from ${label}: ${e.message}`);
  }
  busyButton(row.disconnect, false);
  await refreshNow();
}

function storeTestResults(results, keys) {
  const now = Date.now();
  const done = new Set();
  for (const r of results || []) {
    for (const [key, row] of gatewayRows) {
      if ((r.id && row.g.id === r.id) || addressesOf(row.g).has(r.address)) {
        testResults.set(key, {result: r, at: now});
        done.add(key);
      }
    }
  }
  for (const key of keys) if (!done.has(key)) testResults.set(key, {error: 'The daemon returned no result for this gateway (it may no longer be known).', at: now});
}

async function gatewayTest(key) {
  const row = rowFor(key);
  if (!row) return;
  testResults.set(key, {pending: true});
  renderTestResult(row);
  try {
    const r = await rpc('testGateways', {gateway: row.g.id || row.g.address}, 120000);
    storeTestResults(r.gateways, [key]);
  } catch (e) {
    testResults.set(key, {error: e.message, at: Date.now()});
    showBanner(`Testing ${row.g.name || row.g.address} failed: ${e.message}`);
  }
  const current = rowFor(key);
  if (current) renderTestResult(current);
}

async function testAll() {
  const btn = $('gw-test-all');
  const keys = [...gatewayRows.keys()];
  if (keys.length === 0) return;
  busyButton(btn, true, 'Testing all…');
  for (const key of keys) testResults.set(key, {pending: true});
  for (const row of gatewayRows.values()) renderTestResult(row);
  try {
    const r = await rpc('testGateways', {}, 300000);
    storeTestResults(r.gateways, keys);
  } catch (e) {
    for (const key of keys) testResults.set(key, {error: e.message, at: Date.now()});
    showBanner(`Testing the gateways failed: ${e.message}`);
  }
  busyButton(btn, false);
  for (const row of gatewayRows.values()) renderTestResult(row);
}

async function gatewayPrefer(key) {
  const row = rowFor(key);
  if (!row) return;
  const g = row.g;
  const label = g.name || g.address;
  const was = isPreferred(g);
  rowActions.set(key, {kind: 'prefer', message: was ? `No longer preferring ${label}…` : `Preferring ${label}…`});
  busyButton(row.prefer, true, 'Saving…');
  updateGatewayRow(row, g);
  try {
    // Preferring one gateway replaces the list; no longer preferring it keeps the others.
    const others = (state.status?.subscriber?.autopilot?.preferred || []).filter((p) => !namesGateway(p, g));
    await rpc('setPreferred', {gateway: was ? others.join(', ') : preferName(g)}, 30000);
    rowActions.set(key, {kind: 'done', ok: true, at: Date.now(), message: was
      ? `${label} is no longer preferred: the autopilot ranks it by loss and round-trip time (saved in the settings).`
      : `${label} is preferred: the traffic goes through it whenever it is healthy (saved in the settings).`});
  } catch (e) {
    rowActions.set(key, {kind: 'done', ok: false, message: `Could not change the preferred gateway: ${e.message}`});
    showBanner(`Could not change the preferred gateway: ${e.message}`);
  }
  busyButton(row.prefer, false);
  settingsNeedReload = true;
  await refreshNow();
}

async function startScan(button, msgEl) {
  rowActions.set('*scan', {});
  busyButton(button, true, 'Starting…');
  try {
    await rpc('startScan', {wait: false});
    if (msgEl) {
      msgEl.className = 'action-msg';
      setText(msgEl, 'Scan started…');
    }
    scanWasRunning = true;
    netScanPending = true;
  } catch (e) {
    if (msgEl) {
      msgEl.className = 'action-msg error';
      setText(msgEl, `Could not start a scan: ${e.message}`);
    }
    showBanner(`Could not start a scan: ${e.message}`);
  }
  rowActions.delete('*scan');
  busyButton(button, false);
  await refreshNow();
}

// ---------------------------------------------------------------------------------------------
// Network page: an SVG graph laid out by d3-force, with d3-zoom for pan/zoom and d3-drag for nodes.

const graph = {
  scanId: null,
  nodes: [],
  links: [],
  positions: new Map(),
  zoom: null,
  svg: null,
  needsFit: false,
};
let netScanPending = false;

async function pollNetwork() {
  try {
    state.scan = await rpc('lastScan');
    state.scanError = null;
  } catch (e) {
    state.scanError = e.message;
  }
}

function initGraph() {
  const svgEl = $('network-graph');
  graph.svg = d3.select(svgEl);
  const viewport = d3.select('#graph-viewport');
  graph.zoom = d3.zoom()
    .scaleExtent([0.1, 8])
    .on('zoom', (event) => viewport.attr('transform', event.transform));
  graph.svg.call(graph.zoom);
  svgEl.addEventListener('keydown', (e) => {
    if (graphKey(e.key)) e.preventDefault();
  });
  // +/- also work anywhere on the network page, except while typing.
  document.addEventListener('keydown', (e) => {
    if (currentRoute !== 'network' || e.target === svgEl || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
    if (['+', '=', '-', '_'].includes(e.key) && graphKey(e.key)) e.preventDefault();
  });
  $('net-zoom-in').addEventListener('click', () => graphKey('+'));
  $('net-zoom-out').addEventListener('click', () => graphKey('-'));
  $('net-zoom-fit').addEventListener('click', () => graphKey('0'));
}

function graphKey(key) {
  const step = 60;
  switch (key) {
    case '+': case '=': graph.zoom.scaleBy(graph.svg, 1.3); return true;
    case '-': case '_': graph.zoom.scaleBy(graph.svg, 1 / 1.3); return true;
    case '0': fitGraph(); return true;
    case 'ArrowLeft': graph.zoom.translateBy(graph.svg, step / zoomScale(), 0); return true;
    case 'ArrowRight': graph.zoom.translateBy(graph.svg, -step / zoomScale(), 0); return true;
    case 'ArrowUp': graph.zoom.translateBy(graph.svg, 0, step / zoomScale()); return true;
    case 'ArrowDown': graph.zoom.translateBy(graph.svg, 0, -step / zoomScale()); return true;
    default: return false;
  }
}

const zoomScale = () => d3.zoomTransform(graph.svg.node()).k;

function fitGraph() {
  const svgEl = graph.svg.node();
  const w = svgEl.clientWidth;
  const hgt = svgEl.clientHeight;
  if (w < 10 || hgt < 10) {
    graph.needsFit = true;
    return;
  }
  graph.needsFit = false;
  if (graph.nodes.length === 0) {
    graph.zoom.transform(graph.svg, d3.zoomIdentity.translate(w / 2, hgt / 2));
    return;
  }
  let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
  for (const n of graph.nodes) {
    minX = Math.min(minX, n.x); maxX = Math.max(maxX, n.x);
    minY = Math.min(minY, n.y); maxY = Math.max(maxY, n.y);
  }
  const pad = 60;
  const k = Math.min(2, w / (maxX - minX + pad * 2), hgt / (maxY - minY + pad * 2));
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  graph.zoom.transform(graph.svg, d3.zoomIdentity.translate(w / 2, hgt / 2).scale(k).translate(-cx, -cy));
}

const KIND_TEXT = {self: 'this node', gateway: 'gateway', node: 'mesh node'};

// One host per node: a node on several networks (babel's IPv4 and IPv6, Yggdrasil) is listed once per
// address by the scan but is one machine; hosts with the same node id merge, under their IPv4 address.
function mergeHosts(scan) {
  const alias = new Map();
  const merged = [];
  const byId = new Map();
  const isV4 = (a) => /^\d+\.\d+\.\d+\.\d+$/.test(a);
  for (const h0 of scan.hosts || []) {
    if (!h0.address || alias.has(h0.address)) continue;
    // This node's own addresses are all "self", whether or not the scan named its id.
    const same = h0.kind === 'self' ? merged.find((x) => x.kind === 'self') : h0.id ? byId.get(h0.id) : null;
    if (same) {
      same.addresses.push(h0.address);
      if (isV4(h0.address) && !isV4(same.address)) same.address = h0.address;
      if (h0.kind === 'gateway' || h0.kind === 'self') same.kind = h0.kind;
      continue;
    }
    const host = {...h0, addresses: [h0.address]};
    if (h0.id) byId.set(h0.id, host);
    merged.push(host);
  }
  for (const host of merged) for (const a of host.addresses) alias.set(a, host.address);
  const seen = new Set();
  const links = [];
  for (const l of scan.links || []) {
    const a = alias.get(l.a) ?? l.a;
    const b = alias.get(l.b) ?? l.b;
    const key = a < b ? `${a} ${b}` : `${b} ${a}`;
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    links.push({a, b, network: l.network});
  }
  return {hosts: merged, links};
}

function drawGraph(scan) {
  const merged = mergeHosts(scan);
  const hosts = merged.hosts;
  const byAddress = new Map();
  const nodes = [];
  const addNode = (h0) => {
    const kind = ['self', 'gateway', 'node'].includes(h0.kind) ? h0.kind : 'node';
    const old = graph.positions.get(h0.address);
    const n = {...h0, kind, id: h0.address, x: old?.x, y: old?.y};
    byAddress.set(n.id, n);
    nodes.push(n);
    return n;
  };
  for (const host of hosts) if (host.address && !byAddress.has(host.address)) addNode(host);
  const links = [];
  for (const l of merged.links) {
    for (const end of [l.a, l.b]) if (!byAddress.has(end)) addNode({address: end, kind: 'node', answered: false, name: ''});
    links.push({source: l.a, target: l.b, network: l.network});
  }
  // Lay out (a static layout: nodes only move when dragged).
  const sim = d3.forceSimulation(nodes)
    .force('link', d3.forceLink(links).id((d) => d.id).distance(80).strength(0.7))
    .force('charge', d3.forceManyBody().strength(-320))
    .force('x', d3.forceX(0).strength(0.04))
    .force('y', d3.forceY(0).strength(0.04))
    .force('collide', d3.forceCollide(26))
    .stop();
  const selfNode = nodes.find((n) => n.kind === 'self');
  if (selfNode && selfNode.x == null) { selfNode.fx = 0; selfNode.fy = 0; }
  const ticks = Math.ceil(Math.log(sim.alphaMin()) / Math.log(1 - sim.alphaDecay()));
  for (let i = 0; i < ticks; i++) sim.tick();
  if (selfNode) { selfNode.fx = null; selfNode.fy = null; }

  graph.nodes = nodes;
  graph.links = links;
  graph.positions = new Map(nodes.map((n) => [n.id, {x: n.x, y: n.y}]));

  const linkLayer = d3.select('#graph-viewport .links');
  const nodeLayer = d3.select('#graph-viewport .nodes');
  linkLayer.selectAll('*').remove();
  nodeLayer.selectAll('*').remove();

  const linkEls = links.map((l) => {
    const line = s('line', {class: 'graph-link', 'data-testid': 'graph-link', 'data-a': l.source.id, 'data-b': l.target.id, 'data-network': l.network || ''});
    line.append(s('title'));
    line.firstChild.textContent = `${l.source.name || l.source.id} — ${l.target.name || l.target.id}${l.network ? ` (${l.network})` : ''}`;
    linkLayer.node().append(line);
    return line;
  });

  const nodeEls = nodes.map((n) => {
    const g = s('g', {class: 'graph-node', 'data-testid': 'graph-node', 'data-address': n.id, 'data-addresses': (n.addresses || [n.id]).join(' '), 'data-kind': n.kind});
    const title = s('title');
    title.textContent = `${n.name || '(no name)'} — ${(n.addresses || [n.id]).join(', ')}\n${KIND_TEXT[n.kind]}${n.answered === false ? ', no Mnigs daemon answered' : ''}`;
    g.append(title);
    const silent = n.answered === false && n.kind !== 'self' ? ' silent' : '';
    if (n.kind === 'gateway') g.append(s('path', {class: `shape-gateway${silent}`, d: 'M0,-13L13,0L0,13L-13,0Z'}));
    else if (n.kind === 'self') g.append(s('circle', {class: 'shape-self', r: 12}));
    else g.append(s('circle', {class: `shape-node${silent}`, r: 8}));
    const label = s('text', {'text-anchor': 'middle', dy: n.kind === 'node' ? 22 : 28});
    label.textContent = n.name || n.id;
    g.append(label);
    nodeLayer.node().append(g);
    return g;
  });

  const place = () => {
    links.forEach((l, i) => {
      const el = linkEls[i];
      el.setAttribute('x1', l.source.x.toFixed(1)); el.setAttribute('y1', l.source.y.toFixed(1));
      el.setAttribute('x2', l.target.x.toFixed(1)); el.setAttribute('y2', l.target.y.toFixed(1));
    });
    nodes.forEach((n, i) => nodeEls[i].setAttribute('transform', `translate(${n.x.toFixed(1)},${n.y.toFixed(1)})`));
  };
  place();

  // Drag a node to move it (with its links); this does not pan the map.
  d3.selectAll(nodeEls).data(nodes).call(d3.drag()
    .on('drag', (event, d) => {
      d.x = event.x;
      d.y = event.y;
      graph.positions.set(d.id, {x: d.x, y: d.y});
      place();
    }));

  const neighbours = new Map(nodes.map((n) => [n.id, []]));
  for (const l of links) {
    neighbours.get(l.source.id).push(l.target.name || l.target.id);
    neighbours.get(l.target.id).push(l.source.name || l.source.id);
  }
  const order = {self: 0, gateway: 1, node: 2};
  $('host-list-items').replaceChildren(...[...nodes].sort((a, b) => order[a.kind] - order[b.kind]).map((n) =>
    h('li', {text: `${n.name || '(no name)'} (${n.id}): ${KIND_TEXT[n.kind]}${n.answered === false && n.kind !== 'self' ? ', no Mnigs daemon answered' : ''}`
      + `; linked to ${neighbours.get(n.id).join(', ') || 'nothing'}`})));

  const fresh = graph.scanId === null;
  graph.scanId = scan.scanId;
  if (fresh || netScanPending) fitGraph();
  netScanPending = false;
}

function renderNetwork() {
  const scan = state.scan;
  const running = state.status?.scan;
  const msg = $('net-msg');
  const rescan = $('net-rescan');
  if (running) {
    busyButton(rescan, true, 'Scanning…');
    msg.className = 'action-msg';
    setText(msg, `Scanning: ${running.probed} of ${running.known} hosts probed, ${plural(running.gateways, 'gateway')} found`);
  } else if (rescan.getAttribute('aria-busy') && !rowActions.has('*scan')) {
    busyButton(rescan, false);
    setText(msg, '');
  }

  const empty = $('graph-empty');
  if (!scan) {
    const noScan = !state.scanError || /no scan/i.test(state.scanError);
    setText($('graph-empty-text'), noScan ? 'No scan has completed yet — scan the mesh to draw its map.' : `Cannot load the last scan: ${state.scanError}`);
    show(empty, true);
    setText($('net-summary'), '');
    show($('host-list'), false);
    return;
  }
  const merged = mergeHosts(scan);
  show(empty, merged.hosts.length === 0);
  show($('host-list'), merged.hosts.length > 0);
  if (merged.hosts.length === 0) setText($('graph-empty-text'), 'The last scan found no host in the mesh.');
  const gateways = merged.hosts.filter((x) => x.kind === 'gateway').length;
  const took = scan.finishedAt && scan.startedAt ? ` in ${((scan.finishedAt - scan.startedAt) / 1000).toFixed(1)} s` : '';
  setText($('net-summary'), `Last scan ${fmtAgo(scan.finishedAt / 1000)}${took}: ${plural(merged.hosts.length, 'host')}, `
    + `${plural(scan.nodes ?? 0, 'Mnigs daemon')}, ${plural(gateways, 'gateway')}, ${plural(merged.links.length, 'link')}.`
    + (state.scanError ? ` (Update failed: ${state.scanError})` : ''));
  if (scan.scanId !== graph.scanId) drawGraph(scan);
  if (graph.needsFit) fitGraph();
}

// ---------------------------------------------------------------------------------------------
// Sessions page

const sessionRows = new Map();
const sessionsEmpty = $('ses-empty');

async function pollSessions() {
  try {
    const r = await rpc('listSessions');
    state.sessions = r.sessions || [];
    state.sessionsError = null;
  } catch (e) {
    state.sessionsError = e.message;
  }
}

function makeSessionRow(sid) {
  const row = {sid};
  const cell = (label, cls) => h('td', {'data-label': label, class: cls});
  row.who = cell('Subscriber');
  row.mesh = cell('Mesh address', 'mono');
  row.suite = cell('Tunnel');
  row.addrs = cell('Tunnel addresses', 'mono');
  row.since = cell('Connected');
  row.lease = cell('Lease expires', 'num');
  row.rx = cell('Received', 'num');
  row.tx = cell('Sent', 'num');
  setAttr(row.rx, 'title', 'Bytes received from this subscriber through the tunnel');
  setAttr(row.tx, 'title', 'Bytes sent to this subscriber through the tunnel');
  row.release = h('button', {type: 'button', class: 'danger', 'data-testid': 'release', text: 'Release',
    on: {click: () => releaseSession(sid)}});
  const actions = h('td', {class: 'actions-cell'}, row.release);
  row.el = h('tr', {'data-testid': 'session-row', 'data-sid': sid}, row.who, row.mesh, row.suite, row.addrs, row.since, row.lease, row.rx, row.tx, actions);
  return row;
}

function renderSessions() {
  const st = state.status;
  const gw = st?.gateway;
  let summary = '';
  if (gw) {
    if (!gw.enabled) summary = 'This node does not offer its Internet uplink (gateway.enabled = no in the settings), so no subscriber can connect.';
    else if (!gw.serving) summary = `The gateway is enabled but does not serve now: ${gw.reason || 'unknown reason'}.`;
    else summary = `Serving as a gateway through ${gw.uplink || 'the uplink'}: ${gw.sessions ?? 0} of ${gw.maxConnections} subscribers.`;
  }
  if (state.sessionsError) summary += ` Cannot list the sessions: ${state.sessionsError}`;
  setText($('ses-summary'), summary.trim());

  const list = state.sessions;
  if (!list) return;
  const body = $('sessions-body');
  const seen = new Set();
  const ordered = [];
  for (const ses of list) {
    seen.add(ses.sid);
    let row = sessionRows.get(ses.sid);
    if (!row) sessionRows.set(ses.sid, row = makeSessionRow(ses.sid));
    row.s = ses;
    replaceIfChanged(row.who, `${ses.name}|${ses.payment}`, () => [h('div', {}, ses.name || '(no name)',
      ses.payment ? h('span', {class: 'sub', text: `payment: ${ses.payment}`}) : null)]);
    setText(row.mesh, ses.meshAddress || '—');
    setText(row.suite, ses.suite || '—');
    setText(row.addrs, [ses.ipv4, ses.ipv6].filter(Boolean).join(', ') || '—');
    setText(row.since, fmtAgo(ses.createdAt));
    setAttr(row.since, 'title', fmtTime(ses.createdAt));
    setText(row.rx, fmtBytes(ses.rxBytes));
    setText(row.tx, fmtBytes(ses.txBytes));
    renderSessionLease(row);
    ordered.push(row.el);
  }
  for (const [sid, row] of sessionRows) {
    if (!seen.has(sid)) {
      row.el.remove();
      sessionRows.delete(sid);
    }
  }
  const current = [...body.children];
  if (current.length !== ordered.length || current.some((el, i) => el !== ordered[i])) {
    const focused = document.activeElement;
    body.replaceChildren(...ordered);
    if (focused && body.contains(focused)) focused.focus();
  }
  present(sessionsEmpty, list.length === 0);
  show($('sessions-table'), list.length > 0);
}

function renderSessionLease(row) {
  const left = row.s.expiresAt - serverNowMs() / 1000;
  setText(row.lease, left > 0 ? `in ${fmtDuration(left)}` : 'now');
  setAttr(row.lease, 'title', fmtTime(row.s.expiresAt));
}

async function releaseSession(sid) {
  const row = sessionRows.get(sid);
  if (!row) return;
  const label = row.s.name || row.s.meshAddress || sid;
  busyButton(row.release, true, 'Releasing…');
  try {
    await rpc('releaseSession', {sid}, 30000);
    row.el.remove();
    sessionRows.delete(sid);
    if (state.sessions) state.sessions = state.sessions.filter((x) => x.sid !== sid);
    showBanner(`Released ${label}: its tunnel is closed and its addresses are free.`, {kind: 'info', key: `released:${sid}`});
    renderSessions();
    $('main').focus();
  } catch (e) {
    busyButton(row.release, false);
    showBanner(`Could not release ${label}: ${e.message}`);
  }
  refreshNow();
}

// ---------------------------------------------------------------------------------------------
// Payment: the status page's "payment required → pay" box, and the Vouchers page of a gateway

/** Shows the pay box while the active connection's gateway waits for a voucher. */
function renderPayment(conn) {
  const payment = conn?.payment;
  const required = !!payment?.required;
  show($('st-pay'), required);
  if (!required) return;
  setText($('st-pay-reason'), payment.reason ? `The gateway says: ${payment.reason}.` : '');
  const link = $('st-pay-page');
  // Only a plain http(s) address from the gateway becomes a link.
  if (/^https?:\/\//.test(payment.page || '')) setAttr(link, 'href', payment.page);
  else setAttr(link, 'href', null);
}

async function payVoucher(event) {
  event.preventDefault();
  const input = $('st-pay-code');
  const msg = $('st-pay-msg');
  const btn = $('st-pay-button');
  busyButton(btn, true, 'Paying…');
  msg.className = 'action-msg';
  setText(msg, '');
  try {
    const r = await rpc('pay', {code: input.value}, 30000);
    // The box goes away once paid: say so beside the connection's buttons.
    const done = $('st-action-msg');
    done.className = 'action-msg ok';
    setText(done, `Paid at ${r.gatewayName || r.gateway}: ${r.payment?.state || 'paid'}.`);
    input.value = '';
  } catch (e) {
    msg.className = 'action-msg error';
    setText(msg, e.message);
  }
  busyButton(btn, false);
  refreshNow();
}

const voucherRows = new Map();

async function pollVouchers() {
  try {
    const r = await rpc('listVouchers');
    state.vouchers = r.vouchers || [];
    state.vouchersError = null;
  } catch (e) {
    state.vouchersError = e.message;
  }
}

function makeVoucherRow(code) {
  const row = {code};
  const cell = (label, cls) => h('td', {'data-label': label, class: cls});
  row.codeCell = cell('Code', 'mono');
  row.status = cell('Status');
  row.allows = cell('Allows');
  row.time = cell('Time left', 'num');
  row.data = cell('Data left', 'num');
  row.holder = cell('Held by', 'mono');
  row.revoke = h('button', {type: 'button', class: 'danger', 'data-testid': 'revoke', text: 'Revoke', on: {click: () => revokeVoucher(code)}});
  setText(row.codeCell, code);
  row.el = h('tr', {'data-testid': 'voucher-row', 'data-code': code}, row.codeCell, row.status, row.allows, row.time, row.data, row.holder,
    h('td', {class: 'actions-cell'}, row.revoke));
  return row;
}

function renderVouchers() {
  const suites = state.status?.gateway?.suites || [];
  let summary = suites.some((x) => x.endsWith('-voucher'))
    ? 'This gateway asks for vouchers: a new subscriber reaches only its payment page until it redeems one.'
    : 'This gateway is free (gateway.payment = free): vouchers made here are asked for only once gateway.payment is voucher.';
  if (state.vouchersError) summary += ` Cannot list the vouchers: ${state.vouchersError}`;
  setText($('vo-summary'), summary);
  const list = state.vouchers;
  if (!list) return;
  const seen = new Set();
  const ordered = [];
  for (const v of list) {
    seen.add(v.code);
    let row = voucherRows.get(v.code);
    if (!row) voucherRows.set(v.code, row = makeVoucherRow(v.code));
    setText(row.status, v.status);
    setText(row.allows, v.allows || '—');
    setText(row.time, v.secondsLeft == null ? '—' : fmtDuration(v.secondsLeft));
    setText(row.data, v.bytesLeft == null ? '—' : fmtBytes(v.bytesLeft));
    setText(row.holder, v.session ? (v.holder || v.session.slice(0, 8)) : '—');
    show(row.revoke, v.status !== 'revoked');
    ordered.push(row.el);
  }
  for (const [code, row] of voucherRows) {
    if (!seen.has(code)) {
      row.el.remove();
      voucherRows.delete(code);
    }
  }
  const body = $('vouchers-body');
  const current = [...body.children];
  if (current.length !== ordered.length || current.some((el, i) => el !== ordered[i])) body.replaceChildren(...ordered);
  show($('vo-empty'), list.length === 0);
  show($('vouchers-table'), list.length > 0);
}

async function createVouchers(event) {
  event.preventDefault();
  const msg = $('vo-msg');
  const btn = $('vo-create');
  busyButton(btn, true, 'Creating…');
  msg.className = 'action-msg';
  try {
    const r = await rpc('createVouchers', {time: $('vo-time').value.trim() || null, data: $('vo-data').value.trim() || null,
      count: Number($('vo-count').value) || 1});
    msg.className = 'action-msg ok';
    setText(msg, `Created ${plural(r.vouchers.length, 'voucher')}.`);
  } catch (e) {
    msg.className = 'action-msg error';
    setText(msg, e.message);
  }
  busyButton(btn, false);
  refreshNow();
}

async function revokeVoucher(code) {
  const row = voucherRows.get(code);
  if (row) busyButton(row.revoke, true, 'Revoking…');
  try {
    await rpc('revokeVoucher', {code});
    showBanner(`Revoked ${code}: whoever held it is back on the payment page.`, {kind: 'info', key: `revoked:${code}`});
  } catch (e) {
    showBanner(`Could not revoke ${code}: ${e.message}`);
  }
  if (row) busyButton(row.revoke, false);
  refreshNow();
}

// ---------------------------------------------------------------------------------------------
// Settings page

let settingsNeedReload = true;
const settingFields = new Map(); // name -> {key, input, wrap, kind}

const BOOL_WORDS = new Set(['yes', 'no', 'true', 'false', 'on', 'off', '1', '0']);
const TRUE_WORDS = new Set(['yes', 'true', 'on', '1']);

function isBoolKey(k) {
  if (k.input) return k.input === 'checkbox';
  const ex = String(k.expected || '').toLowerCase();
  if (/\byes\b/.test(ex) && /\bno\b/.test(ex)) return true;
  const d = String(k.default ?? '').toLowerCase();
  return (d === 'yes' || d === 'no') && BOOL_WORDS.has(String(k.value ?? '').toLowerCase());
}

async function pollSettings() {
  try {
    state.settings = await rpc('settings');
    state.settingsError = null;
  } catch (e) {
    state.settingsError = e.message;
  }
}

function fieldValue(f) {
  return f.kind === 'bool' ? (f.input.checked ? 'yes' : 'no') : f.input.value.trim();
}

function loadedValue(f) {
  const v = String(f.key.value ?? '');
  return f.kind === 'bool' ? (TRUE_WORDS.has(v.toLowerCase()) ? 'yes' : 'no') : v;
}

function setFieldFromKey(f) {
  if (f.kind === 'bool') {
    f.input.checked = loadedValue(f) === 'yes';
    setText(f.word, f.input.checked ? 'Yes' : 'No');
  } else {
    f.input.value = loadedValue(f);
  }
  f.wrap.classList.remove('changed');
}

function buildSettingsForm(st) {
  const box = $('settings-fields');
  settingFields.clear();
  const items = (st.keys || []).map((k, i) => {
    const id = `setting-${i}`;
    const hintId = `${id}-hint`;
    const kind = isBoolKey(k) ? 'bool' : 'text';
    let input;
    if (kind === 'bool') {
      input = h('input', {type: 'checkbox', id, name: k.name, 'data-testid': 'setting', 'aria-describedby': hintId});
    } else {
      const numeric = /^-?\d+(\.\d+)?$/.test(String(k.default ?? ''));
      const number = k.input === 'number';
      input = h('input', {type: number ? 'number' : 'text', step: number ? 1 : null, id, name: k.name, 'data-testid': 'setting', 'aria-describedby': hintId,
        autocomplete: 'off', spellcheck: 'false', inputmode: numeric ? 'decimal' : null, placeholder: k.default ? `default: ${k.default}` : null});
    }
    const applies = k.applied === 'now' ? 'Applies at once.' : k.applied === 'restart' ? 'Applies after a restart of the daemon.' : '';
    const hint = [k.expected ? `Expected: ${k.expected}.` : '', `Default: ${k.default === '' || k.default == null ? '(empty)' : k.default}.`, applies]
      .filter(Boolean).join(' ');
    const word = h('span', {'aria-hidden': 'true'});
    const control = kind === 'bool' ? h('div', {class: 'check'}, input, word) : input;
    const wrap = h('div', {class: 'setting'},
      h('label', {for: id}, k.description || k.name, h('span', {class: 'key-name mono', text: k.name})),
      h('div', {}, control),
      h('p', {class: 'hint', id: hintId, text: hint}));
    const f = {key: k, input, wrap, kind, word};
    settingFields.set(k.name, f);
    setFieldFromKey(f);
    const mark = () => {
      wrap.classList.toggle('changed', fieldValue(f) !== loadedValue(f));
      if (kind === 'bool') setText(word, input.checked ? 'Yes' : 'No');
    };
    input.addEventListener('input', mark);
    input.addEventListener('change', mark);
    return wrap;
  });
  box.replaceChildren(...(items.length ? items : [h('p', {class: 'muted', text: 'The daemon lists no settings.'})]));
}

function renderSettings() {
  const st = state.settings;
  const box = $('settings-fields');
  $('reset-settings').disabled = !st;
  if (!st) {
    if (!$('save-settings').getAttribute('aria-busy')) $('save-settings').disabled = true;
    if (state.settingsError) replaceIfChanged(box, `e:${state.settingsError}`, () => [h('p', {class: 'empty', text: `Cannot load the settings: ${state.settingsError}`})]);
    return;
  }
  setText($('set-path'), st.path
    ? `Settings are saved in ${st.path}. Fields marked “after a restart” take effect when the daemon restarts.`
    : 'The daemon runs without a config file (-f), so settings cannot be saved.');
  if (!$('save-settings').getAttribute('aria-busy')) $('save-settings').disabled = !st.path;

  const names = (st.keys || []).map((k) => k.name).join(',');
  if (settingsNeedReload || box.dataset.names !== names) {
    settingsNeedReload = false;
    box.dataset.names = names;
    delete box.dataset.key;
    // Rebuild but keep what the user is typing in fields they changed.
    const edits = new Map();
    for (const [name, f] of settingFields) if (fieldValue(f) !== loadedValue(f)) edits.set(name, fieldValue(f));
    const focusedName = document.activeElement?.name;
    buildSettingsForm(st);
    for (const [name, v] of edits) {
      const f = settingFields.get(name);
      if (!f) continue;
      if (f.kind === 'bool') {
        f.input.checked = v === 'yes';
        setText(f.word, f.input.checked ? 'Yes' : 'No');
      } else {
        f.input.value = v;
      }
      f.wrap.classList.toggle('changed', fieldValue(f) !== loadedValue(f));
    }
    if (focusedName && settingFields.has(focusedName)) settingFields.get(focusedName).input.focus();
    return;
  }
  // Update fields the user has not touched with what the daemon says now.
  for (const k of st.keys || []) {
    const f = settingFields.get(k.name);
    if (!f) continue;
    const untouched = fieldValue(f) === loadedValue(f);
    f.key = k;
    if (untouched && document.activeElement !== f.input) setFieldFromKey(f);
    else f.wrap.classList.toggle('changed', fieldValue(f) !== loadedValue(f));
  }
}

async function saveSettings(event) {
  event.preventDefault();
  const msg = $('settings-message');
  const changed = [...settingFields.values()].filter((f) => fieldValue(f) !== loadedValue(f));
  if (changed.length === 0) {
    msg.className = 'settings-message';
    setText(msg, 'Nothing to save: no setting was changed.');
    return;
  }
  const btn = $('save-settings');
  busyButton(btn, true, 'Saving…');
  msg.className = 'settings-message';
  setText(msg, 'Saving…');
  try {
    const r = await rpc('configure', {set: changed.map((f) => `${f.key.name}=${fieldValue(f)}`)}, 30000);
    const needRestart = changed.filter((f) => f.key.applied === 'restart' || (f.key.applied == null && r.restartNeeded));
    msg.className = 'settings-message ok';
    setText(msg, needRestart.length
      ? `Saved — restart the daemon to apply ${needRestart.map((f) => f.key.name).join(', ')}.`
      : 'Saved');
    for (const f of changed) {
      f.key = {...f.key, value: fieldValue(f)};
      f.wrap.classList.remove('changed');
    }
    settingsNeedReload = true;
  } catch (e) {
    msg.className = 'settings-message error';
    setText(msg, e.message);
  }
  busyButton(btn, false);
  await refreshNow();
}

function undoSettings() {
  for (const f of settingFields.values()) setFieldFromKey(f);
  const msg = $('settings-message');
  msg.className = 'settings-message';
  setText(msg, '');
}

// ---------------------------------------------------------------------------------------------
// Routing and polling

const PAGES = {
  status: {poll: pollActiveQuality, render: renderStatus},
  gateways: {poll: pollGateways, render: renderGateways},
  network: {poll: pollNetwork, render: renderNetwork},
  sessions: {poll: pollSessions, render: renderSessions},
  vouchers: {poll: pollVouchers, render: renderVouchers},
  settings: {poll: pollSettings, render: renderSettings},
};

let currentRoute = null;

function routeFromHash() {
  const m = /^#\/([a-z]+)/.exec(location.hash);
  return m && PAGES[m[1]] ? m[1] : null;
}

function applyRoute(userAction) {
  const route = routeFromHash() || 'status';
  if (route === currentRoute) return;
  currentRoute = route;
  for (const name of Object.keys(PAGES)) show($(`page-${name}`), name === route);
  for (const a of document.querySelectorAll('nav a')) setAttr(a, 'aria-current', a.dataset.route === route ? 'page' : null);
  if (route === 'settings') settingsNeedReload = true;
  if (userAction) $(`h-${route}`).setAttribute('tabindex', '-1');
  if (userAction) $(`h-${route}`).focus({preventScroll: true});
  PAGES[route].render();
  if (route === 'network' && graph.needsFit) requestAnimationFrame(() => fitGraph());
  refreshNow();
}

let pollTimer = null;
let polling = false;
let pollAgain = false;
let pollWaiters = [];

async function pollStatus() {
  try {
    state.status = await rpc('status', {}, 10000);
    state.statusAt = performance.now();
    clearBanner('poll');
    renderHeader();
  } catch (e) {
    showBanner(`Lost contact with the daemon: ${e.message}. Trying again every 2 seconds.`, {key: 'poll'});
    const pill = $('header-state');
    setText(pill, 'Daemon unreachable');
    pill.className = 'pill pill-warn';
  }
}

/** Polls now (status and the current page's method), then again every 2 s. */
function refreshNow() {
  const done = new Promise((resolve) => pollWaiters.push(resolve));
  if (polling) {
    pollAgain = true;
    return done;
  }
  clearTimeout(pollTimer);
  runPoll();
  return done;
}

async function runPoll() {
  polling = true;
  const waiters = pollWaiters;
  pollWaiters = [];
  const route = currentRoute;
  try {
    await pollStatus();
    await PAGES[route].poll();
    if (route === currentRoute) PAGES[route].render();
    if (route !== 'status') renderStatus();
  } catch {
    // A failed poll shows in the banner or on the page; the next one tries again.
  } finally {
    polling = false;
    for (const w of waiters) w();
    if (pollAgain) {
      pollAgain = false;
      runPoll();
    } else if (!document.hidden) {
      pollTimer = setTimeout(runPoll, POLL_MS);
    }
  }
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && !polling) refreshNow();
});

// Countdowns tick every second between polls.
setInterval(() => {
  if (currentRoute === 'status') renderLease();
  if (currentRoute === 'sessions') for (const row of sessionRows.values()) renderSessionLease(row);
}, 1000);

// The RTT chart's time axis slides even between samples.
setInterval(() => {
  if (currentRoute === 'status' && rttChart?.plot && rttChart.data) rttChart.plot.setData(rttChart.data);
}, 5000);

function init() {
  if (!uPlot || !d3 || !d3.forceSimulation || !d3.zoom) {
    showBanner('The page could not load its chart and graph libraries; reload the page.');
    return;
  }
  $('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    $('main').focus();
  });
  $('st-connect').addEventListener('click', connectBest);
  $('st-disconnect').addEventListener('click', disconnectActive);
  $('gw-scan').addEventListener('click', () => startScan($('gw-scan'), $('gw-scan-msg')));
  $('gw-test-all').addEventListener('click', testAll);
  $('gw-connect-auto').addEventListener('click', async () => {
    const btn = $('gw-connect-auto');
    const msg = $('gw-scan-msg');
    busyButton(btn, true, 'Connecting…');
    msg.className = 'action-msg';
    setText(msg, 'Choosing the best gateway and setting up the tunnel…');
    try {
      const r = await rpc('connect', {}, 90000);
      msg.className = 'action-msg ok';
      setText(msg, `Connected to ${r.connection?.gatewayName || r.connection?.gateway || 'the best gateway'}.`);
    } catch (e) {
      msg.className = 'action-msg error';
      setText(msg, `Could not connect: ${e.message}`);
      showBanner(`Could not connect: ${e.message}`);
    }
    busyButton(btn, false);
    refreshNow();
  });
  $('net-rescan').addEventListener('click', () => startScan($('net-rescan'), $('net-msg')));
  $('net-scan-now').addEventListener('click', () => startScan($('net-scan-now'), $('net-msg')));
  $('settings-form').addEventListener('submit', saveSettings);
  $('st-pay').addEventListener('submit', payVoucher);
  $('voucher-form').addEventListener('submit', createVouchers);
  $('reset-settings').addEventListener('click', undoSettings);
  initGraph();
  present(scanProgress, false);
  present(sessionsEmpty, false);
  window.addEventListener('hashchange', () => {
    if (location.hash === '#main') return;
    applyRoute(true);
  });
  if (!routeFromHash()) history.replaceState(null, '', '#/status');
  applyRoute(false);
}

init();
