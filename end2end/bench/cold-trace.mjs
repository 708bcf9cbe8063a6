// One cold load (a fresh browser context) of a page in headless Debian
// Chromium, traced: where the time to hydration goes on the page's main
// thread. Prints one JSON object on stdout:
//   { "marks": { "html": n, "parsed": n, "vigil:glue": n, … },
//     "resources": { "<file>": [start, end], … },
//     "main_thread": { "<event>": [count, ms], … },   // between "from" and "to"
//     "from": "<mark>", "to": "<mark>" }
// All times are ms from navigation start. main_thread sums Chromium's trace
// events on the renderer's main thread (nested events are counted in their
// parents too): by default over island hydration, from `vigil:instantiated`
// to `vigil:hydrated` (app/src/components/island_boot.js). There,
// `FlushInstructionCache` counts the WASM functions V8 compiled lazily, on
// their first call (docs/benchmarks.md, 2026-12-01 morning).
// With JS_FLAGS set, Chromium gets `--js-flags=$JS_FLAGS` (for example
// `--no-wasm-lazy-compilation`, to see the same load with eager compilation).
//
// usage: node cold-trace.mjs BASE_URL PASSWORD|- PATH [FROM_MARK TO_MARK]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, signIn } from "./browser.mjs";

const [base, password, path, from = "vigil:instantiated", to = "vigil:hydrated"] = process.argv.slice(2);
const browser = await launch(process.env.JS_FLAGS);
const ctx = await browser.newContext({ baseURL: base });
if (password !== "-") await signIn(ctx, password);
const page = await ctx.newPage();
const dir = mkdtempSync(join(tmpdir(), "vigil-trace-"));
const file = join(dir, "trace.json");
await browser.startTracing(page, { path: file, categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.execute", "disabled-by-default-v8.compile", "blink", "blink.user_timing", "loading", "navigation"] });
await page.goto(path, { waitUntil: "commit" });
await page.waitForFunction(() => document.body && document.body.dataset.hydrated, null, { timeout: 30_000, polling: 10 });
const { marks, resources } = await page.evaluate(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const marks = { html: Math.round(nav.responseEnd), parsed: Math.round(nav.domInteractive) };
  for (const m of performance.getEntriesByType("mark")) marks[m.name] = Math.round(m.startTime);
  const resources = {};
  for (const r of performance.getEntriesByType("resource")) resources[new URL(r.name).pathname] = [Math.round(r.startTime), Math.round(r.responseEnd)];
  return { marks, resources };
});
await browser.stopTracing();
await browser.close();

const events = JSON.parse(readFileSync(file, "utf8")).traceEvents;
rmSync(dir, { recursive: true, force: true });
const threads = new Map();
for (const e of events) if (e.ph === "M" && e.name === "thread_name") threads.set(`${e.pid}:${e.tid}`, e.args.name);
const nav = events.filter((e) => e.name === "navigationStart").map((e) => e.ts);
const t0 = Math.min(...nav);
const lo = marks[from] ?? 0;
const hi = marks[to] ?? Infinity;
const main_thread = {};
for (const e of events) {
  if (e.ph !== "X" || threads.get(`${e.pid}:${e.tid}`) !== "CrRendererMain") continue;
  const t = (e.ts - t0) / 1000;
  if (t < lo || t > hi) continue;
  const s = (main_thread[e.name] ??= [0, 0]);
  s[0] += 1;
  s[1] += (e.dur ?? 0) / 1000;
}
const top = Object.fromEntries(
  Object.entries(main_thread)
    .sort((a, b) => b[1][1] - a[1][1])
    .slice(0, 25)
    .map(([name, [count, ms]]) => [name, [count, Math.round(ms * 10) / 10]]),
);
console.log(JSON.stringify({ marks, resources, main_thread: top, from, to }, null, 1));
