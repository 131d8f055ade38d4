// The storefront (web/) in headless Chromium, through a running gateway.
//
//   GATEWAY_URL=http://127.0.0.1:8080 SCREENSHOT=docs/images/storefront.png \
//   [FLASH_SALE_CMD='...'] [RESTART_GATEWAY_CMD='...'] node tests/browser/storefront.test.mjs
//
// GATEWAY_URL          the gateway (required); its stack must have the reference products
//                      (ordersaga seed-reference) with stock for one bundle.
// SCREENSHOT           where to write a full-page PNG at the end (optional; on a failure a
//                      picture of the page goes next to it as *.failed.png).
// FLASH_SALE_CMD       optional shell command: re-seeds the reference products and fires the
//                      reference flash sale (200 orders of {4 x2, 5 x1}); the panel must then
//                      read 15 approved and product 4 must show SOLD OUT with stock 0.
// RESTART_GATEWAY_CMD  optional shell command that kills and restarts the gateway (same
//                      address); the page must reconnect by itself and lose or repeat no event.
// CHROMIUM             the browser (default /usr/bin/chromium).
// STEP_TIMEOUT_MS      limit of each step (default 30000); COMMAND_TIMEOUT_MS the limit of each
//                      command above (default 300000).
//
// Prints "ok N - step" as each step passes and "N passed, N failed" last; exits 0 only if
// every step passed.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const GATEWAY_URL = (process.env.GATEWAY_URL || '').replace(/\/+$/, '');
const SCREENSHOT = process.env.SCREENSHOT || '';
const FLASH_SALE_CMD = process.env.FLASH_SALE_CMD || '';
const RESTART_GATEWAY_CMD = process.env.RESTART_GATEWAY_CMD || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = Number(process.env.STEP_TIMEOUT_MS || 30000);
const COMMAND_MS = Number(process.env.COMMAND_TIMEOUT_MS || 300000);
const TOTAL_MS = 15 * 60 * 1000;

const SALE_COUNTERS = [
  'sale-approved', 'sale-pending', 'sale-rejected-out-of-stock', 'sale-rejected-sold-out',
  'sale-rejected-inventory-unavailable', 'sale-rejected-unknown-product',
];

let passed = 0;
let failed = 0;
let browser = null;
let page = null;

// Never hang: whatever is stuck, the run ends.
const watchdog = setTimeout(() => {
  console.log(`not ok - the whole run took over ${TOTAL_MS / 1000} s`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(2);
}, TOTAL_MS);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function step(name, fn, ms = STEP_MS) {
  const started = Date.now();
  try {
    const note = await withTimeout(Promise.resolve().then(fn), ms, name);
    passed += 1;
    console.log(`ok ${passed + failed} - ${name} (${Date.now() - started} ms)${note ? ` — ${note}` : ''}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok ${passed + failed} - ${name}: ${error.message}`);
    throw Object.assign(new Error(`${name}: ${error.message}`), { reported: true });
  }
}

// Polls probe() (which returns { ok, seen }) until ok or ms pass.
async function until(what, probe, ms = STEP_MS - 1000) {
  const deadline = Date.now() + ms;
  let last = { ok: false, seen: undefined };
  for (;;) {
    try {
      last = await probe();
      if (last.ok) return last.seen;
    } catch (error) {
      last = { ok: false, seen: `error: ${error.message}` };
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${ms} ms; last seen ${JSON.stringify(last.seen)}`);
    }
    await sleep(100);
  }
}

async function api(method, urlPath, body, headers = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  init.signal = AbortSignal.timeout(20000);
  const response = await fetch(`${GATEWAY_URL}${urlPath}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${urlPath}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

// Runs a shell command, its output indented under the step; fails on a
// non-zero exit or after COMMAND_MS (its whole process group is killed).
function run(command, label) {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk) => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      reject(new Error(`${label} still running after ${COMMAND_MS} ms; killed`));
    }, COMMAND_MS);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const lines = tail.trimEnd().split('\n').slice(-12);
      for (const line of lines) if (line) console.log(`#   ${label}: ${line}`);
      if (code === 0) resolve();
      else reject(new Error(`${label} exited ${code ?? signal}`));
    });
  });
}

const text = async (selector) => ((await page.locator(selector).first().textContent()) ?? '').trim();

async function counters() {
  const out = {};
  for (const id of SALE_COUNTERS) out[id.replace(/^sale-/, '')] = await text(`#${id}`);
  return out;
}

async function eventIds() {
  return page.evaluate(() => (window.storefront && window.storefront.eventIds ? [...window.storefront.eventIds] : null));
}

function duplicates(ids) {
  const seen = new Set();
  const twice = new Set();
  for (const id of ids) {
    if (id === '0') continue; // an order whose events retention deleted: no position of its own
    if (seen.has(id)) twice.add(id);
    seen.add(id);
  }
  return [...twice];
}

async function stockOnPage(id) {
  return text(`#products [data-product-id="${id}"] .stock`);
}

async function soldOutVisible(id) {
  return page.locator(`#products [data-product-id="${id}"] .badge-soldout`).isVisible();
}

async function main() {
  if (!GATEWAY_URL) throw new Error('GATEWAY_URL is not set (e.g. http://127.0.0.1:8080)');
  const customer = `browser-test-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const expected = {};
  const problems = { pageErrors: [], csp: [] };

  await step('the gateway serves the reference products and the page', async () => {
    for (const id of ['1', '2', '3', '4', '5']) {
      try {
        expected[id] = await api('GET', `/v1/products/${id}`);
      } catch (error) {
        throw new Error(`${error.message} (seed the reference products: ordersaga seed-reference)`);
      }
    }
    const response = await fetch(`${GATEWAY_URL}/`, { signal: AbortSignal.timeout(10000) });
    const csp = response.headers.get('content-security-policy') || '';
    if (response.status !== 200) throw new Error(`GET / answered ${response.status}`);
    if (!csp.includes("default-src 'self'")) throw new Error(`GET /: no strict Content-Security-Policy (${csp || 'none'})`);
    const html = await response.text();
    if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html)) throw new Error('index.html has an inline <script>');
    if (/<style[\s>]/i.test(html) || /\sstyle\s*=/i.test(html)) throw new Error('index.html has inline style');
    return `product 4 is "${expected['4'].name}", stock ${expected['4'].stock}`;
  });

  await step('GET /v1/events answers its headers at once (before any event)', async () => {
    // EventSource fires "open" only on the response headers: a stream that
    // holds them back until the first event leaves the page "reconnecting".
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 5000);
    const started = Date.now();
    let response;
    try {
      response = await fetch(`${GATEWAY_URL}/v1/events`, { headers: { Accept: 'text/event-stream' }, signal: abort.signal });
    } catch (error) {
      throw new Error(abort.signal.aborted
        ? 'no response headers within 5 s of GET /v1/events while no order event happened: a from-now watch must answer 200 before its first event'
        : error.message);
    } finally {
      clearTimeout(timer);
    }
    const type = response.headers.get('content-type') || '';
    abort.abort();
    if (response.status !== 200 || !type.startsWith('text/event-stream')) {
      throw new Error(`GET /v1/events: HTTP ${response.status} ${type}`);
    }
    return `200 ${type} after ${Date.now() - started} ms`;
  });

  await step('headless Chromium starts', async () => {
    // launch() gives the browser a fresh temporary profile of its own (it refuses a
    // --user-data-dir in args) and deletes it on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR' });
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI || 'inline'}`);
      });
    });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) problems.csp.push(message.text());
    });
    return (await browser.version());
  });

  await step('the page renders products 1-5 with the names exactly as the API gives them', async () => {
    await page.goto(`${GATEWAY_URL}/`, { waitUntil: 'domcontentloaded', timeout: STEP_MS - 5000 });
    await until('product 4 name', async () => {
      const name = await text('#products [data-product-id="4"] .name');
      return { ok: name === expected['4'].name, seen: name };
    });
    const lang = await page.evaluate(() => document.documentElement.lang);
    if (lang !== 'ko') throw new Error(`<html lang> is "${lang}"`);
    for (const id of ['1', '2', '3', '4', '5']) {
      const card = `#products [data-product-id="${id}"]`;
      const name = await text(`${card} .name`);
      if (name !== expected[id].name) throw new Error(`product ${id}: page shows "${name}", API "${expected[id].name}"`);
      const digits = Number(expected[id].price).toLocaleString('en-US'); // 1290000 -> 1,290,000
      const card_text = await text(card);
      if (!card_text.includes(digits)) throw new Error(`product ${id}: price ${digits} not shown in "${card_text}"`);
    }
    return `"${expected['5'].name}"`;
  });

  await step('the event stream is live', async () => {
    await until('#connection live', async () => {
      const value = await text('#connection');
      return { ok: value === 'live', seen: value };
    });
  });

  await step(`customer id set to ${customer} (no orders yet)`, async () => {
    await page.locator('#customer-id').fill(customer);
    await page.locator('#customer-id').press('Enter');
    await until('#my-orders empty', async () => {
      const n = await page.locator('#my-orders [data-order-id]').count();
      return { ok: n === 0, seen: n };
    });
  });

  let firstOrder = '';
  await step('#place-bundle places the reference bundle: APPROVED', async () => {
    const before = Number(expected['4'].stock);
    if (before < 2) throw new Error(`product 4 has stock ${before}: re-seed (ordersaga seed-reference)`);
    await page.locator('#place-bundle').click();
    const result = await until('#last-result', async () => {
      const value = await text('#last-result');
      if (/REJECTED|ERROR/.test(value)) throw new Error(`#last-result: ${value}`);
      return { ok: /APPROVED/.test(value), seen: value };
    });
    firstOrder = await until('the order in #my-orders', async () => {
      const rows = page.locator('#my-orders [data-order-id]');
      const n = await rows.count();
      const id = n === 1 ? await rows.first().getAttribute('data-order-id') : '';
      return { ok: Boolean(id), seen: id || `${n} rows` };
    });
    return result;
  });

  await step('the order arrives on the stream: APPROVED in "My orders" and the panel', async () => {
    await until('the stream saw the order final', async () => {
      const status = await page.evaluate((id) => window.storefront.streamStatus?.[id], firstOrder);
      return { ok: status === 'APPROVED', seen: status };
    });
    const row = `#my-orders [data-order-id="${firstOrder}"]`;
    const status = await text(`${row} .status`);
    const reason = await text(`${row} .reason`);
    if (status !== 'APPROVED' || reason !== '') throw new Error(`row shows status "${status}", reason "${reason}"`);
    const rows = await page.locator('#my-orders [data-order-id]').count();
    if (rows !== 1) throw new Error(`${rows} rows in #my-orders for one order`);
    await until('#sale-approved at least 1', async () => {
      const value = await text('#sale-approved');
      return { ok: Number(value) >= 1, seen: value };
    });
    return `order ${firstOrder}`;
  });

  await step('live stock follows the API (product 4 and 5)', async () => {
    await until('stock as the API has it', async () => {
      const [p4, p5] = await Promise.all([api('GET', '/v1/products/4'), api('GET', '/v1/products/5')]);
      const seen = { 4: await stockOnPage('4'), 5: await stockOnPage('5'), api4: p4.stock, api5: p5.stock };
      return { ok: seen[4] === String(p4.stock) && seen[5] === String(p5.stock), seen };
    });
  });

  await step('#sale-reset clears the counters and the chart', async () => {
    await page.locator('#sale-reset').click();
    await until('counters 0', async () => {
      const seen = await counters();
      return { ok: Object.values(seen).every((v) => v === '0'), seen };
    });
  });

  if (FLASH_SALE_CMD) {
    await step('FLASH_SALE_CMD (re-seed, then 200 orders of the bundle)', () => run(FLASH_SALE_CMD, 'flash-sale'),
      COMMAND_MS + 5000);
    await step('the panel reads 15 approved; product 4 SOLD OUT with stock 0', async () => {
      const seen = await until('15 approved, product 4 sold out', async () => {
        const c = await counters();
        const stock = await stockOnPage('4');
        const badge = await soldOutVisible('4');
        return {
          ok: c.approved === '15' && stock === '0' && badge,
          seen: { ...c, stock4: stock, badge4: badge },
        };
      });
      const lines = await page.locator('#stock-chart path, #stock-chart polyline').count();
      const canvas = await page.locator('canvas#stock-chart').count();
      if (lines < 2 && canvas === 0) throw new Error(`#stock-chart has ${lines} lines`);
      return JSON.stringify(seen);
    });
  }

  if (RESTART_GATEWAY_CMD) {
    let sawReconnecting = false;
    let before = [];
    await step('RESTART_GATEWAY_CMD (the gateway killed and started again)', async () => {
      before = await eventIds();
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          try {
            if ((await text('#connection')) === 'reconnecting') sawReconnecting = true;
          } catch { /* the page is busy */ }
          await sleep(50);
        }
      })();
      try {
        await run(RESTART_GATEWAY_CMD, 'restart');
      } finally {
        // keep watching a moment: the browser waits retry: 2000 ms
        await sleep(300);
        watching = false;
        await watcher;
      }
    }, COMMAND_MS + 5000);

    await step('the page noticed: #connection showed "reconnecting"', async () => {
      if (!sawReconnecting && (await text('#connection')) === 'reconnecting') sawReconnecting = true;
      if (!sawReconnecting) throw new Error('#connection never showed "reconnecting" while the gateway was down');
    });

    await step('the page reconnects by itself: a new order reaches it live, no event repeated', async () => {
      // An order placed right after the restart, maybe before the browser is
      // back (its retry: is 2 s): resuming from Last-Event-ID must bring it.
      const answer = await api('POST', '/v1/orders',
        { customerId: customer, items: [{ productId: '1', quantity: 1 }] },
        { 'Idempotency-Key': randomUUID() });
      if (!answer.orderId) throw new Error(`the order was not recorded: ${JSON.stringify(answer)}`);
      const final = answer.status.replace(/^ORDER_STATUS_/, '');
      const row = `#my-orders [data-order-id="${answer.orderId}"]`;
      await until('the new order in #my-orders and #connection live', async () => {
        const status = (await page.locator(row).count()) ? await text(`${row} .status`) : '(absent)';
        const connection = await text('#connection');
        return { ok: status === final && connection === 'live', seen: { status, connection } };
      });
      const after = await eventIds();
      if (after.length <= before.length) throw new Error(`no new event after the restart (${after.length} ids)`);
      const twice = duplicates(after);
      if (twice.length) throw new Error(`event ids received twice across the restart: ${twice.slice(0, 10).join(', ')}`);
      return `${after.length - before.length} new events, order ${answer.orderId} ${final}`;
    });
  }

  await step('no event received twice or missed (ids contiguous across the restart); data-events-seen counts them', async () => {
    const ids = await eventIds();
    if (!Array.isArray(ids)) throw new Error('window.storefront.eventIds is missing');
    const twice = duplicates(ids);
    if (twice.length) throw new Error(`event ids received twice: ${twice.slice(0, 10).join(', ')}`);
    // Tokens are off: the page's one stream carries every event from the
    // page's start, so the ids it saw run without a gap, also over events
    // committed while the gateway was down.
    const numbers = ids.filter((id) => id !== '0').map(Number).sort((a, b) => a - b);
    for (let i = 1; i < numbers.length; i++) {
      if (numbers[i] !== numbers[i - 1] + 1) {
        throw new Error(`event ${numbers[i - 1] + 1} missed (ids jump from ${numbers[i - 1]} to ${numbers[i]})`);
      }
    }
    const seen = await page.evaluate(() => document.body.dataset.eventsSeen);
    const distinct = new Set(ids).size;
    if (seen !== String(distinct)) throw new Error(`data-events-seen is ${seen}, ${distinct} distinct ids`);
    const rows = await page.locator('#my-orders [data-order-id]').evaluateAll((nodes) => nodes.map((n) => n.dataset.orderId));
    if (new Set(rows).size !== rows.length) throw new Error(`an order shown twice in #my-orders: ${rows.join(', ')}`);
    return `${ids.length} events`;
  });

  await step('no script error and no CSP violation on the page', async () => {
    const violations = await page.evaluate(() => window.__cspViolations || []);
    const all = [...problems.csp, ...violations];
    if (all.length) throw new Error(`CSP: ${all.slice(0, 5).join(' | ')}`);
    if (problems.pageErrors.length) throw new Error(`page errors: ${problems.pageErrors.slice(0, 5).join(' | ')}`);
  });

  if (SCREENSHOT) {
    await step(`full-page screenshot to ${SCREENSHOT}`, async () => {
      mkdirSync(path.dirname(path.resolve(SCREENSHOT)), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });
  } else {
    console.log('# SCREENSHOT not set: no picture taken');
  }
}

let code = 0;
try {
  await main();
} catch (error) {
  code = 1;
  if (!error.reported) {
    failed += 1;
    console.log(`not ok ${passed + failed} - ${error.message}`);
  }
  if (page && SCREENSHOT) {
    const picture = SCREENSHOT.replace(/(\.png)?$/i, '.failed.png');
    try {
      mkdirSync(path.dirname(path.resolve(picture)), { recursive: true });
      await withTimeout(page.screenshot({ path: picture, fullPage: true }), 10000, 'failure screenshot');
      console.log(`# the page at the failure: ${picture}`);
    } catch { /* no picture then */ }
  }
} finally {
  if (browser) await withTimeout(browser.close(), 10000, 'closing the browser').catch(() => {});
  clearTimeout(watchdog);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(code);
