import { expect, Page, Browser } from "@playwright/test";

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
