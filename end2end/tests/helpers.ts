import { test as base, expect, Page, Browser, APIRequestContext } from "@playwright/test";
import { createHmac, randomUUID } from "node:crypto";

/**
 * Playwright's `test`, plus the browser console's errors and warnings (and
 * uncaught page errors) of the test's context, printed when the test fails:
 * a WASM panic's message is only there.
 */
export const test = base.extend<{ browserConsole: void }>({
  browserConsole: [
    async ({ context }, use, testInfo) => {
      const lines: string[] = [];
      context.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") lines.push(`${m.type()} ${m.location().url}: ${m.text()}`);
      });
      context.on("weberror", (e) => lines.push(`uncaught: ${e.error()}`));
      // Each page's policy nonce beside the nonce its HTML carries: a
      // document whose inline scripts were refused shows which side differs.
      context.on("response", async (r) => {
        if (r.request().resourceType() !== "document") return;
        const header = r.headers()["content-security-policy"]?.match(/'nonce-([^']*)'/)?.[1] ?? "none";
        // A body that can no longer be read (the test ended and closed the
        // context meanwhile) says nothing about its nonce.
        const body = await r.text().catch(() => null);
        if (body === null) return;
        const html = body.match(/nonce="([^"]*)"/)?.[1] ?? "none";
        if (header !== html) {
          const closed = () => "(context closed)";
          lines.push(`document ${r.url()} ${r.status()}: policy nonce ${header}, HTML nonce ${html}`);
          lines.push(`  request ${JSON.stringify(await r.request().allHeaders().catch(closed))}`);
          lines.push(`  response ${JSON.stringify(await r.allHeaders().catch(closed))}`);
        }
      });
      await use();
      if (testInfo.status !== testInfo.expectedStatus && lines.length) {
        console.log(`browser console of "${testInfo.title}":\n  ${lines.join("\n  ")}`);
      }
    },
    { auto: true },
  ],
});

export const ADMIN_PASSWORD = process.env.VIGIL_ADMIN_PASSWORD ?? "e2e-admin-password";

/**
 * Waits until the WASM bundle has hydrated the page. The island boot script
 * marks the body "true", or "partial" with `data-hydration-error` when an
 * island threw; either way, and on a timeout, the failure says how far the
 * boot got (its performance marks) and what failed.
 */
export async function hydrated(page: Page) {
  try {
    await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 15_000 });
  } catch (e) {
    throw new Error(`${page.url()} never finished hydrating; ${await bootState(page)}`);
  }
  const state = await page.locator("body").getAttribute("data-hydrated");
  if (state !== "true") {
    throw new Error(`${page.url()} hydrated "${state}"; ${await bootState(page)}`);
  }
}

/** The island boot's marks, islands and errors on `page`, for a failure message. */
async function bootState(page: Page): Promise<string> {
  return await page
    .evaluate(() => {
      const marks = performance
        .getEntriesByType("mark")
        .filter((m) => m.name.startsWith("vigil:"))
        .map((m) => `${m.name}@${Math.round(m.startTime)}ms`);
      const islands = [...document.querySelectorAll("leptos-island")].map((el) => (el as HTMLElement).dataset.component);
      const error = document.body?.getAttribute("data-hydration-error") ?? "none";
      return `boot marks [${marks.join(", ")}], islands [${islands.join(", ")}], error: ${error}`;
    })
    .catch((err) => `the page could not be inspected: ${err}`);
}

/** Signs in through the real form and waits for the users list. */
export async function signIn(page: Page, login = "admin", password = ADMIN_PASSWORD) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Login").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/users/);
}

/** A context without JavaScript that carries the session cookie of `page`. */
export async function noJsContext(browser: Browser, page: Page) {
  const ctx = await browser.newContext({ javaScriptEnabled: false, baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000" });
  await ctx.addCookies(await page.context().cookies());
  return ctx;
}

const BILLING_SECRET = process.env.VIGIL_BILLING_SECRET ?? "e2e-billing-secret-0123456789";

/** Sends one billing event signed as billing does (billing-api.md); expects 202. */
export async function billing(request: APIRequestContext, type: string, data: Record<string, unknown>) {
  const body = JSON.stringify({ id: randomUUID(), type, occurred_at: new Date().toISOString(), data });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", BILLING_SECRET).update(`${t}.${body}`).digest("hex");
  const res = await request.post("/api/billing/v1/events", {
    data: body,
    headers: { "content-type": "application/json", "x-billing-signature": `t=${t},v1=${v1}` },
  });
  expect(res.status(), await res.text()).toBe(202);
}

/** Calls a server function with a form, as JSON, without following redirects. */
export async function api(request: APIRequestContext, endpoint: string, form: Record<string, string>) {
  return request.post(`/api/${endpoint}`, { form, headers: { accept: "application/json" }, maxRedirects: 0 });
}
