// Time to hydration of the user card's tabs in headless Debian Chromium,
// for `vigil-bench`. Prints one JSON object on stdout:
//   { "tabs": { "<slug>": { "cold_ms": n, "warm_ms": [n, …], "pkg": ["<file>", …],
//               "pkg_br_bytes": n, "cold_phases": { "html": n, "parsed": n, … } } }, "client": { …the same for /client/login },
//     "chromium": "<version>" }
// cold = a fresh browser context (nothing cached); warm = the same context
// again (WASM and CSS from the HTTP cache). The time is from navigation start
// to the moment the page marks <body data-hydrated="true"> (the island boot
// script, app/src/components/island_boot.js, once every island is hydrated;
// builds before it: the WASM entry).
// pkg = every /pkg/ file the cold load fetched before it hydrated (with code
// splitting, the shell plus the page's chunks); pkg_br_bytes = those files
// as the server sends them with `Accept-Encoding: br` (Chromium asks only for
// gzip over plain HTTP, so the browser's own transfer sizes would not say
// what a real, HTTPS visit costs).
//
// With THROTTLE_MBIT=n (and optionally THROTTLE_LATENCY_MS, default 20) every
// page gets Chromium's network emulation: n Mbit/s down and up, that latency
// per request, the way DevTools throttles (an administrator on a slow link).
//
// usage: node hydration.mjs BASE_URL PASSWORD USER_ID [RUNS]
import { launch, signIn } from "./browser.mjs";
import { readFileSync } from "node:fs";
import { request } from "node:http";

const [base, password, userId, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
// The card's tabs as `CardTab::ALL` lists them (kept equal by
// app/tests/catalogue_json.rs).
const TABS = JSON.parse(readFileSync(new URL("../tests/catalogue.json", import.meta.url), "utf8")).card_tabs.map((t) => t.slug);

const browser = await launch();

// Records when the attribute appears, on the page's own clock.
const probe = () => {
  const mark = () => {
    if (document.body && document.body.dataset.hydrated === "true" && window.__hydratedAt === undefined) {
      window.__hydratedAt = performance.now();
    }
  };
  new MutationObserver(mark).observe(document, { attributes: true, subtree: true, childList: true });
};

async function signedInContext() {
  const ctx = await browser.newContext({ baseURL: base });
  await signIn(ctx, password);
  await ctx.addInitScript(probe);
  return ctx;
}

// Chromium's network emulation for `page`, when THROTTLE_MBIT is set.
async function throttle(page) {
  const mbit = Number(process.env.THROTTLE_MBIT ?? 0);
  if (!mbit) return;
  const cdp = await page.context().newCDPSession(page);
  const bytesPerSec = (mbit * 1_000_000) / 8;
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: Number(process.env.THROTTLE_LATENCY_MS ?? 20),
    downloadThroughput: bytesPerSec,
    uploadThroughput: bytesPerSec,
  });
}

async function measure(page, path) {
  await page.goto(path, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000, polling: 10 });
  return await page.evaluate(() => window.__hydratedAt);
}

// Where the cold load's time went, in ms from navigation start: the HTML's
// last byte, the end of parsing, and the island boot script's marks
// (`vigil:glue`, `vigil:compiled`, `vigil:instantiated`, `vigil:hydrated`;
// builds before the boot script have none).
async function coldPhases(page) {
  return await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const out = { html: Math.round(nav.responseEnd), parsed: Math.round(nav.domInteractive) };
    for (const m of performance.getEntriesByType("mark")) {
      if (m.name.startsWith("vigil:")) out[m.name.slice(6)] = Math.round(m.startTime);
    }
    return out;
  });
}

// Bytes of one /pkg/ file as sent with `Accept-Encoding: br` (not decoded).
function brBytes(path) {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { headers: { "accept-encoding": "br" } }, (res) => {
      let n = 0;
      res.on("data", (c) => (n += c.length));
      res.on("end", () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${path}: ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

const out = { tabs: {}, chromium: browser.version(), throttle_mbit: Number(process.env.THROTTLE_MBIT ?? 0) };
// The card's tabs, signed in; then the web client's sign-in page (the same
// bundle serves the web client; no subscriber session is needed for it).
const pages = [...TABS.map((tab) => [tab, `/users/${userId}/${tab}`]), ["client", "/client/login"]];
for (const [tab, path] of pages) {
  let ctx;
  if (tab === "client") {
    ctx = await browser.newContext({ baseURL: base });
    await ctx.addInitScript(probe);
  } else {
    ctx = await signedInContext();
  }
  const page = await ctx.newPage();
  await throttle(page);
  const pkg = new Set();
  const onRequest = (req) => {
    const p = new URL(req.url()).pathname;
    if (p.startsWith("/pkg/")) pkg.add(p);
  };
  page.on("request", onRequest);
  const cold = await measure(page, path);
  page.off("request", onRequest);
  const phases = await coldPhases(page);
  let bytes = 0;
  for (const p of pkg) bytes += await brBytes(p);
  const warm = [];
  for (let i = 0; i < runs; i++) warm.push(await measure(page, path));
  const figures = { cold_ms: Math.round(cold), warm_ms: warm.map(Math.round), pkg: [...pkg].sort(), pkg_br_bytes: bytes, cold_phases: phases };
  if (tab === "client") out.client = figures;
  else out.tabs[tab] = figures;
  await ctx.close();
}
await browser.close();
console.log(JSON.stringify(out));
