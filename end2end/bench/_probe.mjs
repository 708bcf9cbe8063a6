import { chromium } from "@playwright/test";
const [base, path, n] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox","--disable-gpu","--disable-quic","--disable-background-networking","--disable-component-update","--disable-sync","--no-first-run"] });
for (let i = 0; i < Number(n ?? 3); i++) {
  const ctx = await browser.newContext({ baseURL: base });
  const res = await ctx.request.post("/api/login", { form: { login: "admin", password: "e2e-admin-password" }, headers: { accept: "application/json" } });
  await ctx.addInitScript(() => { new MutationObserver(() => { if (document.body && document.body.dataset.hydrated === "true" && window.__h === undefined) window.__h = performance.now(); }).observe(document, { attributes: true, subtree: true, childList: true }); });
  const page = await ctx.newPage();
  await page.goto(path, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__h !== undefined, null, { timeout: 30000, polling: 10 });
  const t = await page.evaluate(() => { const nav = performance.getEntriesByType("navigation")[0]; const r = performance.getEntriesByType("resource").filter(e => e.name.includes("/pkg/")).map(e => `${e.name.split("/").pop().slice(0,22)} ${e.startTime.toFixed(0)}-${e.responseEnd.toFixed(0)}`); return { ttfb: nav.responseStart.toFixed(0), respEnd: nav.responseEnd.toFixed(0), domInt: nav.domInteractive.toFixed(0), dcl: nav.domContentLoadedEventEnd.toFixed(0), load: nav.loadEventEnd.toFixed(0), hyd: window.__h.toFixed(0), r }; });
  console.log(JSON.stringify(t));
  await ctx.close();
}
await browser.close();
