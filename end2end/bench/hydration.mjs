// Time to hydration of the user card's tabs in headless Debian Chromium,
// for `vigil-bench`. Prints one JSON object on stdout:
//   { "tabs": { "<slug>": { "cold_ms": n, "warm_ms": [n, …] } }, "chromium": "<version>" }
// cold = a fresh browser context (nothing cached); warm = the same context
// again (WASM and CSS from the HTTP cache). The time is from navigation start
// to the moment the hydrate entry marks <body data-hydrated="true">.
//
// usage: node hydration.mjs BASE_URL PASSWORD USER_ID [RUNS]
import { chromium } from "@playwright/test";
import { readFileSync } from "node:fs";

const [base, password, userId, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
// The card's tabs as `CardTab::ALL` lists them (kept equal by
// app/tests/catalogue_json.rs).
const TABS = JSON.parse(readFileSync(new URL("../tests/catalogue.json", import.meta.url), "utf8")).card_tabs.map((t) => t.slug);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

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
  const res = await ctx.request.post("/api/login", { form: { login: "admin", password }, headers: { accept: "application/json" } });
  if (res.status() !== 200) throw new Error(`sign-in: ${res.status()} ${await res.text()}`);
  await ctx.addInitScript(probe);
  return ctx;
}

async function measure(page, path) {
  await page.goto(path, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000, polling: 10 });
  return await page.evaluate(() => window.__hydratedAt);
}

const out = { tabs: {}, chromium: browser.version() };
for (const tab of TABS) {
  const path = `/users/${userId}/${tab}`;
  const ctx = await signedInContext();
  const page = await ctx.newPage();
  const cold = await measure(page, path);
  const warm = [];
  for (let i = 0; i < runs; i++) warm.push(await measure(page, path));
  out.tabs[tab] = { cold_ms: Math.round(cold), warm_ms: warm.map(Math.round) };
  await ctx.close();
}
await browser.close();
console.log(JSON.stringify(out));
