import { expect, Page, Browser, APIRequestContext } from "@playwright/test";
import { createHmac, randomUUID } from "node:crypto";

export const ADMIN_PASSWORD = process.env.VIGIL_ADMIN_PASSWORD ?? "e2e-admin-password";

/** Waits until the WASM bundle has hydrated the page. */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated='true']")).toHaveCount(1, { timeout: 15_000 });
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
