// The storefront: products with live stock, the reference bundle, "my orders"
// and the flash-sale panel, all over the gateway's HTTP API on this origin.
// One EventSource (/v1/events) feeds both the order list and the sale panel.
// No inline script or style anywhere: the page's CSP forbids them.

const PRODUCT_IDS = ['1', '2', '3', '4', '5'];
const CHART_PRODUCTS = ['4', '5'];
const BUNDLE = [
  { productId: '4', quantity: 2 },
  { productId: '5', quantity: 1 },
];
const DEFAULT_CUSTOMER = 'web-shopper';
const CUSTOMER_KEY = 'storefront.customerId';
const FAST_POLL_MS = 500;      // while order events are arriving
const SLOW_POLL_MS = 3000;     // otherwise
const BUSY_WINDOW_MS = 3000;   // "arriving": one within this long
const MAX_SAMPLES = 600;
const REOPEN_MIN_MS = 2000;    // the stream's own retry: is 2000 ms
const REOPEN_MAX_MS = 15000;
const SALE_REASONS = ['OUT_OF_STOCK', 'SOLD_OUT', 'INVENTORY_UNAVAILABLE', 'UNKNOWN_PRODUCT'];
const FINAL = new Set(['APPROVED', 'REJECTED']);

const krw = new Intl.NumberFormat('ko-KR', { style: 'currency', currency: 'KRW' });
const count = new Intl.NumberFormat('ko-KR');
const clock = new Intl.DateTimeFormat('ko-KR', {
  month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});

const $ = (id) => document.getElementById(id);

const state = {
  customerId: DEFAULT_CUSTOMER,
  token: '',                 // sent as Authorization: Bearer on POSTs once a session is made
  products: new Map(),       // productId -> Product (or { missing: true })
  productsError: '',
  myOrders: new Map(),       // orderId -> Order (possibly partial: a POST answer)
  myOrdersSeq: 0,            // guards the list load against a customer change
  sale: new Map(),           // orderId -> { status, reason } of every order on the stream
  samples: [],               // { t, stock: { '4': n, '5': n } }
  eventIds: [],              // every event id in arrival order (duplicates kept)
  distinctIds: new Set(),
  resumeAfter: '',           // the last positive event id, for a stream we reopen ourselves
  lastOrderEventAt: -Infinity,
  placing: false,
};

// For tests and the curious: the event ids as received.
window.storefront = {
  eventIds: state.eventIds,
  // orderId -> short status, as last seen on the stream
  streamStatus: {},
};

// ---------- helpers ----------

function shortStatus(value) {
  if (!value) return '';
  const s = String(value).replace(/^ORDER_STATUS_/, '');
  return s === 'UNSPECIFIED' ? '' : s;
}

function shortReason(value) {
  if (!value) return '';
  const s = String(value).replace(/^REJECT_REASON_/, '');
  return s === 'UNSPECIFIED' ? '' : s;
}

function toNumber(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function orderKey(order) {
  if (order.orderId) return order.orderId;
  if (order.requestId) return `request:${order.requestId}`;
  return '';
}

// A final status (APPROVED, REJECTED) is never replaced by PENDING; among
// equals, an older updateTime does not replace a newer one.
function supersedes(next, prev) {
  if (!prev) return true;
  const nextFinal = FINAL.has(shortStatus(next.status));
  const prevFinal = FINAL.has(shortStatus(prev.status));
  if (prevFinal && !nextFinal) return false;
  if (prevFinal === nextFinal && next.updateTime && prev.updateTime) {
    const a = Date.parse(next.updateTime);
    const b = Date.parse(prev.updateTime);
    if (Number.isFinite(a) && Number.isFinite(b) && a < b) return false;
  }
  return true;
}

async function api(path, { method = 'GET', body, headers = {}, timeoutMs = 8000 } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && state.token) init.headers.Authorization = `Bearer ${state.token}`;
  init.signal = AbortSignal.timeout(timeoutMs);
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    const reason = error && error.name === 'TimeoutError' ? 'timed out' : 'gateway unreachable';
    throw Object.assign(new Error(`${method} ${path}: ${reason}`), { status: 0 });
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!response.ok) {
    const message = (json && json.message) || text || response.statusText;
    throw Object.assign(new Error(`HTTP ${response.status}: ${message}`), {
      status: response.status, code: json && json.code, body: json,
    });
  }
  return json || {};
}

function readStoredCustomer() {
  try {
    return localStorage.getItem(CUSTOMER_KEY) || DEFAULT_CUSTOMER;
  } catch {
    return DEFAULT_CUSTOMER;
  }
}

function storeCustomer(id) {
  try { localStorage.setItem(CUSTOMER_KEY, id); } catch { /* private mode: keep it in memory */ }
}

// ---------- rendering, batched ----------

let renderQueued = false;
const dirty = { products: false, orders: false, sale: false, chart: false };

function invalidate(...parts) {
  for (const part of parts) dirty[part] = true;
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => {
    renderQueued = false;
    if (dirty.products) { dirty.products = false; renderProducts(); renderBundle(); }
    if (dirty.orders) { dirty.orders = false; renderMyOrders(); }
    if (dirty.sale) { dirty.sale = false; renderSale(); }
    if (dirty.chart) { dirty.chart = false; renderChart(); }
  }, 16);
}

// ---------- products ----------

const productCards = new Map(); // productId -> { root, name, price, stock, badge, status }

function productCard(id) {
  let card = productCards.get(id);
  if (card) return card;
  const root = el('article', 'product');
  root.dataset.productId = id;
  const head = el('div', 'product-head');
  const pid = el('span', 'product-no', `#${id}`);
  const badge = el('span', 'badge-soldout', 'SOLD OUT · 품절');
  badge.hidden = true;
  head.append(pid, badge);
  const name = el('h3', 'name');
  const price = el('p', 'price');
  const stockLine = el('p', 'stock-line');
  const stock = el('span', 'stock', '–');
  stockLine.append(el('span', 'stock-label', '재고 '), stock, el('span', 'stock-unit', ' 개'));
  const status = el('p', 'product-status muted');
  root.append(head, name, price, stockLine, status);
  card = { root, name, price, stock, badge, status, lastStock: null };
  productCards.set(id, card);
  return card;
}

function renderProducts() {
  const container = $('products');
  const placeholder = container.querySelector('.placeholder');
  if (state.products.size === 0) {
    if (placeholder && state.productsError) placeholder.textContent = `상품을 불러올 수 없음 · ${state.productsError}`;
    return;
  }
  if (placeholder) placeholder.remove();
  for (const id of PRODUCT_IDS) {
    const product = state.products.get(id);
    if (!product) continue;
    const card = productCard(id);
    if (!card.root.isConnected) container.append(card.root);
    if (product.missing) {
      card.root.classList.add('is-missing');
      card.name.textContent = `상품 ${id} 없음 · product ${id} not found`;
      card.price.textContent = '';
      card.stock.textContent = '–';
      card.badge.hidden = true;
      card.status.textContent = '';
      continue;
    }
    card.root.classList.remove('is-missing');
    // The name exactly as the API gives it, typos and all.
    if (card.name.textContent !== product.name) card.name.textContent = product.name || '';
    card.price.textContent = krw.format(toNumber(product.price));
    const stock = String(toNumber(product.stock));
    if (card.stock.textContent !== stock) {
      card.stock.textContent = stock;
      if (card.lastStock !== null) {
        card.root.classList.remove('stock-changed');
        void card.root.offsetWidth; // restart the CSS animation
        card.root.classList.add('stock-changed');
      }
      card.lastStock = stock;
    }
    const soldOut = product.status === 'PRODUCT_STATUS_SOLD_OUT' || toNumber(product.stock) <= 0;
    card.badge.hidden = !soldOut;
    card.root.classList.toggle('is-soldout', soldOut);
    card.status.textContent = soldOut ? '' : '판매 중 · on sale';
  }
  if (state.productsError) {
    $('products-updated').textContent = `⚠ ${state.productsError}`;
  } else {
    $('products-updated').textContent = `갱신 ${clock.format(new Date())}`;
  }
}

function renderBundle() {
  const list = $('bundle-lines');
  list.replaceChildren();
  let total = 0;
  let known = true;
  for (const line of BUNDLE) {
    const product = state.products.get(line.productId);
    const li = el('li');
    const name = product && !product.missing ? product.name : `product ${line.productId}`;
    li.append(el('span', 'bundle-name', `#${line.productId} ${name}`), el('span', 'bundle-qty', ` × ${line.quantity}`));
    list.append(li);
    if (product && !product.missing) total += toNumber(product.price) * line.quantity;
    else known = false;
  }
  $('bundle-total').textContent = known ? krw.format(total) : '—';
}

let pollTimer = 0;
let polling = false;
let lastPollStart = -Infinity;
let nextPollAt = Infinity;

function pollDelay() {
  return performance.now() - state.lastOrderEventAt < BUSY_WINDOW_MS ? FAST_POLL_MS : SLOW_POLL_MS;
}

function schedulePoll(delay) {
  clearTimeout(pollTimer);
  nextPollAt = performance.now() + delay;
  pollTimer = setTimeout(pollProducts, delay);
}

// An order event: poll soon (500 ms after the last poll began) if the next
// poll was further away.
function nudgePoll() {
  if (polling) return;
  const due = Math.max(0, lastPollStart + FAST_POLL_MS - performance.now());
  if (nextPollAt - performance.now() > due) schedulePoll(due);
}

async function pollProducts() {
  if (polling) return;
  polling = true;
  lastPollStart = performance.now();
  try {
    const page = await api('/v1/products?pageSize=100', { timeoutMs: 5000 });
    const seen = new Map();
    for (const product of page.products || []) {
      if (PRODUCT_IDS.includes(String(product.productId))) seen.set(String(product.productId), product);
    }
    // Not on the first page (other products listed first): ask for each.
    const missing = PRODUCT_IDS.filter((id) => !seen.has(id));
    await Promise.all(missing.map(async (id) => {
      try {
        seen.set(id, await api(`/v1/products/${id}`, { timeoutMs: 5000 }));
      } catch (error) {
        if (error.status === 404) seen.set(id, { productId: id, missing: true });
        else throw error;
      }
    }));
    state.products = seen;
    state.productsError = '';
    sampleStock();
    invalidate('products', 'chart');
  } catch (error) {
    state.productsError = error.message;
    invalidate('products');
  } finally {
    polling = false;
    schedulePoll(pollDelay());
  }
}

// ---------- the stock chart (SVG, no library) ----------

function sampleStock() {
  const stock = {};
  for (const id of CHART_PRODUCTS) {
    const product = state.products.get(id);
    stock[id] = product && !product.missing ? toNumber(product.stock) : null;
  }
  state.samples.push({ t: Date.now(), stock });
  if (state.samples.length > MAX_SAMPLES) state.samples.splice(0, state.samples.length - MAX_SAMPLES);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderChart() {
  const chart = $('stock-chart');
  const W = 640; const H = 240;
  const left = 48; const right = 16; const top = 14; const bottom = 30;
  const plotW = W - left - right; const plotH = H - top - bottom;
  const samples = state.samples;
  chart.replaceChildren();

  let max = 1;
  for (const sample of samples) {
    for (const id of CHART_PRODUCTS) {
      const value = sample.stock[id];
      if (value !== null && value > max) max = value;
    }
  }
  const niceMax = niceCeil(max);
  const t0 = samples.length ? samples[0].t : Date.now();
  const t1 = samples.length ? samples[samples.length - 1].t : t0;
  const span = Math.max(1, t1 - t0);
  const x = (t) => left + (samples.length < 2 ? 0 : ((t - t0) / span) * plotW);
  const y = (v) => top + plotH - (v / niceMax) * plotH;

  const grid = svg('g', { class: 'chart-grid' });
  for (let i = 0; i <= 5; i += 1) {
    const value = (niceMax * i) / 5;
    const yy = y(value);
    grid.append(svg('line', { x1: left, x2: W - right, y1: yy, y2: yy }));
    grid.append(svg('text', { x: left - 6, y: yy + 4, class: 'chart-tick', 'text-anchor': 'end' },
      count.format(Math.round(value))));
  }
  chart.append(grid);
  chart.append(svg('line', { x1: left, x2: left, y1: top, y2: top + plotH, class: 'chart-axis' }));
  chart.append(svg('line', { x1: left, x2: W - right, y1: top + plotH, y2: top + plotH, class: 'chart-axis' }));

  if (samples.length === 0) {
    chart.append(svg('text', { x: left + plotW / 2, y: top + plotH / 2, class: 'chart-empty', 'text-anchor': 'middle' },
      'no samples yet'));
  } else {
    const seconds = Math.round(span / 1000);
    chart.append(svg('text', { x: left, y: H - 8, class: 'chart-tick' }, clock.format(new Date(t0))));
    chart.append(svg('text', { x: W - right, y: H - 8, class: 'chart-tick', 'text-anchor': 'end' },
      samples.length > 1 ? `+${seconds}s` : ''));
  }

  const legend = $('chart-legend');
  legend.replaceChildren();
  CHART_PRODUCTS.forEach((id, index) => {
    // A step line: stock holds its value until the next sample.
    let d = '';
    let prev = null;
    for (const sample of samples) {
      const value = sample.stock[id];
      if (value === null) { prev = null; continue; }
      const px = x(sample.t); const py = y(value);
      if (prev === null) d += `M${px.toFixed(1)},${py.toFixed(1)}`;
      else d += `H${px.toFixed(1)}V${py.toFixed(1)}`;
      prev = value;
    }
    if (samples.length === 1 && prev !== null) d += `H${(left + plotW).toFixed(1)}`;
    if (d) {
      chart.append(svg('path', { d, class: `chart-line series-${index}` }));
      const last = samples[samples.length - 1];
      if (last.stock[id] !== null) {
        chart.append(svg('circle', { cx: x(last.t), cy: y(last.stock[id]), r: 3.5, class: `chart-dot series-${index}` }));
      }
    }
    const product = state.products.get(id);
    const li = el('li', `legend-item series-${index}`);
    const swatch = el('span', 'swatch');
    const latest = samples.length ? samples[samples.length - 1].stock[id] : null;
    li.append(swatch, el('span', '', `#${id} ${product && !product.missing ? product.name : ''}: ${latest === null ? '–' : latest}`));
    legend.append(li);
  });
}

function niceCeil(value) {
  if (value <= 5) return 5;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

// ---------- my orders ----------

const orderRows = new Map(); // orderId -> { root, status, reason, items, time, detail }

function upsertMyOrder(order) {
  const key = orderKey(order);
  if (!key) return;
  const prev = state.myOrders.get(key);
  if (!supersedes(order, prev)) return;
  state.myOrders.set(key, prev ? { ...prev, ...order } : order);
  invalidate('orders');
}

function orderRow(key) {
  let row = orderRows.get(key);
  if (row) return row;
  const root = el('li', 'order');
  root.dataset.orderId = key;
  const top = el('div', 'order-top');
  const status = el('span', 'status');
  const reason = el('span', 'reason');
  const id = el('code', 'order-id', key.slice(0, 8));
  id.title = key;
  top.append(status, reason, id);
  const items = el('p', 'order-items');
  const meta = el('p', 'order-meta muted');
  root.append(top, items, meta);
  row = { root, status, reason, items, meta };
  orderRows.set(key, row);
  return row;
}

function renderMyOrders() {
  const list = $('my-orders');
  const orders = [...state.myOrders.entries()].sort(([, a], [, b]) => {
    const ta = Date.parse(a.createTime || '') || a.placedAt || 0;
    const tb = Date.parse(b.createTime || '') || b.placedAt || 0;
    return tb - ta;
  });
  for (const [key, row] of orderRows) {
    if (!state.myOrders.has(key)) { row.root.remove(); orderRows.delete(key); }
  }
  orders.forEach(([key, order], index) => {
    const row = orderRow(key);
    const status = shortStatus(order.status) || 'PENDING';
    row.status.textContent = status;
    row.status.className = `status status-${status.toLowerCase()}`;
    row.reason.textContent = shortReason(order.rejectReason);
    row.items.textContent = (order.items || [])
      .map((item) => {
        const product = state.products.get(String(item.productId));
        const name = product && !product.missing ? product.name : `product ${item.productId}`;
        return `#${item.productId} ${name} × ${item.quantity}`;
      })
      .join(' · ');
    const when = Date.parse(order.createTime || '') || order.placedAt;
    const parts = [];
    if (when) parts.push(clock.format(new Date(when)));
    if (order.detail) parts.push(order.detail);
    row.meta.textContent = parts.join(' — ');
    if (list.children[index] !== row.root) list.insertBefore(row.root, list.children[index] || null);
  });
  $('my-orders-empty').hidden = state.myOrders.size > 0;
}

async function loadMyOrders() {
  const seq = ++state.myOrdersSeq;
  const customer = state.customerId;
  $('my-orders-state').textContent = '불러오는 중… loading';
  try {
    const page = await api(`/v1/orders?customerId=${encodeURIComponent(customer)}&pageSize=100`);
    if (seq !== state.myOrdersSeq) return;
    for (const order of page.orders || []) upsertMyOrder(order);
    $('my-orders-state').textContent = page.nextPageToken ? 'latest 100 shown' : '';
  } catch (error) {
    if (seq !== state.myOrdersSeq) return;
    $('my-orders-state').textContent = `⚠ ${error.message}`;
  }
}

function setCustomer(raw, { reload = false } = {}) {
  const id = (raw || '').trim() || DEFAULT_CUSTOMER;
  $('customer-id').value = id;
  if (id === state.customerId && state.myOrdersSeq > 0 && !reload) return;
  state.customerId = id;
  storeCustomer(id);
  state.myOrders.clear();
  invalidate('orders');
  loadMyOrders();
}

// ---------- placing the bundle ----------

async function placeBundle() {
  if (state.placing) return;
  setCustomer($('customer-id').value);
  state.placing = true;
  const button = $('place-bundle');
  const result = $('last-result');
  button.disabled = true;
  result.className = 'last-result is-busy';
  result.textContent = '주문 중… placing';
  const requestId = crypto.randomUUID();
  const customerId = state.customerId;
  try {
    const answer = await api('/v1/orders', {
      method: 'POST',
      headers: { 'Idempotency-Key': requestId },
      body: { customerId, items: BUNDLE },
      timeoutMs: 20000,
    });
    const status = shortStatus(answer.status) || 'PENDING';
    const reason = shortReason(answer.rejectReason);
    let text = status;
    if (reason) text += ` · ${reason}`;
    if (answer.detail) text += ` — ${answer.detail}`;
    if (answer.orderId) text += ` (order ${answer.orderId.slice(0, 8)})`;
    else if (status === 'REJECTED') text += ' (turned away, no order recorded)';
    result.textContent = text;
    result.className = `last-result is-${status.toLowerCase()}`;
    result.dataset.status = status;
    result.dataset.orderId = answer.orderId || '';
    if (answer.orderId) {
      upsertMyOrder({
        orderId: answer.orderId,
        requestId,
        customerId,
        items: BUNDLE,
        status: answer.status,
        rejectReason: answer.rejectReason,
        detail: answer.detail,
        placedAt: Date.now(),
      });
    }
  } catch (error) {
    result.textContent = `ERROR · ${error.message}`;
    result.className = 'last-result is-error';
    result.dataset.status = 'ERROR';
    result.dataset.orderId = '';
  } finally {
    state.placing = false;
    button.disabled = false;
    schedulePollSoon();
  }
}

function schedulePollSoon() {
  if (!polling) schedulePoll(0);
}

// ---------- the session (optional: only when the gateway has tokens on) ----------

async function signIn() {
  const token = $('token').value.trim();
  const note = $('session-state');
  if (!token) {
    state.token = '';
    try { await api('/v1/session', { method: 'DELETE' }); } catch { /* no session anyway */ }
    note.textContent = 'signed out';
    openStream();
    return;
  }
  note.textContent = 'signing in…';
  try {
    const response = await fetch('/v1/session', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(8000),
    });
    let body = {};
    try { body = await response.json(); } catch { body = {}; }
    if (response.ok) {
      state.token = token;
      note.textContent = `signed in as ${body.subject || '?'} (${body.role || '?'})${body.expireTime ? `, until ${body.expireTime}` : ''}`;
      // A customer's token speaks for that customer only.
      const customer = body.role === 'customer' && body.subject ? body.subject : state.customerId;
      setCustomer(customer, { reload: true });
      openStream(); // the stream now carries the session cookie
      schedulePollSoon();
    } else if (response.status === 400 && body.code === 9) {
      state.token = '';
      note.textContent = 'tokens are off on this gateway: no sign-in needed';
    } else {
      state.token = '';
      note.textContent = `sign-in failed: HTTP ${response.status} ${body.message || ''}`;
    }
  } catch (error) {
    note.textContent = `sign-in failed: ${error.message}`;
  }
}

// ---------- the flash-sale panel ----------

function applySale(order) {
  const key = orderKey(order);
  if (!key) return;
  const prev = state.sale.get(key);
  if (!supersedes(order, prev)) return;
  state.sale.set(key, {
    status: shortStatus(order.status) || 'PENDING',
    reason: shortReason(order.rejectReason),
    updateTime: order.updateTime,
  });
  invalidate('sale');
}

function renderSale() {
  const counts = { APPROVED: 0, PENDING: 0, OTHER: 0 };
  for (const reason of SALE_REASONS) counts[reason] = 0;
  for (const { status, reason } of state.sale.values()) {
    if (status === 'APPROVED') counts.APPROVED += 1;
    else if (status === 'REJECTED') {
      if (SALE_REASONS.includes(reason)) counts[reason] += 1;
      else counts.OTHER += 1;
    } else counts.PENDING += 1;
  }
  $('sale-approved').textContent = String(counts.APPROVED);
  $('sale-pending').textContent = String(counts.PENDING);
  $('sale-rejected-out-of-stock').textContent = String(counts.OUT_OF_STOCK);
  $('sale-rejected-sold-out').textContent = String(counts.SOLD_OUT);
  $('sale-rejected-inventory-unavailable').textContent = String(counts.INVENTORY_UNAVAILABLE);
  $('sale-rejected-unknown-product').textContent = String(counts.UNKNOWN_PRODUCT);
  $('sale-rejected-other').textContent = String(counts.OTHER);
  $('sale-other-box').hidden = counts.OTHER === 0;
}

function resetSale() {
  state.sale.clear();
  state.samples.length = 0;
  sampleStock(); // start the new chart from the stock as last polled
  invalidate('sale', 'chart');
}

// ---------- the event stream: ONE EventSource for the tab ----------

let source = null;
let reopenTimer = 0;
let reopenDelay = REOPEN_MIN_MS;

function setConnection(live) {
  const node = $('connection');
  node.textContent = live ? 'live' : 'reconnecting';
  node.classList.toggle('is-live', live);
  node.classList.toggle('is-down', !live);
}

function openStream() {
  clearTimeout(reopenTimer);
  if (source) source.close();
  // A stream we open ourselves resumes from the last event we had; the
  // browser's own reconnects send Last-Event-ID, which the gateway prefers.
  const url = state.resumeAfter ? `/v1/events?after=${encodeURIComponent(state.resumeAfter)}` : '/v1/events';
  const stream = new EventSource(url);
  source = stream;
  stream.addEventListener('open', () => {
    if (stream !== source) return;
    reopenDelay = REOPEN_MIN_MS;
    setConnection(true);
    $('stream-note').textContent = '';
  });
  stream.addEventListener('error', () => {
    if (stream !== source) return;
    setConnection(false);
    if (stream.readyState === EventSource.CLOSED) {
      // The browser gave up (an HTTP error, a 204): open a new one ourselves.
      $('stream-note').textContent = `stream closed; reopening in ${Math.round(reopenDelay / 1000)} s`;
      reopenTimer = setTimeout(openStream, reopenDelay);
      reopenDelay = Math.min(REOPEN_MAX_MS, reopenDelay * 2);
    }
  });
  stream.addEventListener('order', onOrderEvent);
}

function onOrderEvent(event) {
  const id = event.lastEventId;
  state.eventIds.push(id);
  state.distinctIds.add(id);
  document.body.dataset.eventsSeen = String(state.distinctIds.size);
  $('events-count').textContent = count.format(state.eventIds.length);
  if (/^[1-9][0-9]*$/.test(id)) {
    if (!state.resumeAfter || BigInt(id) > BigInt(state.resumeAfter)) state.resumeAfter = id;
  }
  let order;
  try {
    order = JSON.parse(event.data);
  } catch {
    return;
  }
  if (!order || typeof order !== 'object') return;
  state.lastOrderEventAt = performance.now();
  nudgePoll();
  applySale(order);
  const key = orderKey(order);
  if (key) {
    const seen = window.storefront.streamStatus;
    const next = shortStatus(order.status) || 'PENDING';
    if (!(FINAL.has(seen[key]) && !FINAL.has(next))) seen[key] = next;
  }
  if (order.customerId === state.customerId) upsertMyOrder(order);
}

// ---------- start ----------

function start() {
  state.customerId = '';
  const customerInput = $('customer-id');
  customerInput.addEventListener('change', () => setCustomer(customerInput.value));
  customerInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); setCustomer(customerInput.value); }
  });
  $('customer-form').addEventListener('submit', (event) => event.preventDefault());
  $('token').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); signIn(); }
  });
  $('sign-in').addEventListener('click', signIn);
  $('place-bundle').addEventListener('click', placeBundle);
  $('sale-reset').addEventListener('click', resetSale);

  openStream();
  setCustomer(readStoredCustomer());
  renderBundle();
  renderSale();
  renderChart();
  pollProducts();
}

start();
