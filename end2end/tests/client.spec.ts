import { expect, Page, APIRequestContext } from "@playwright/test";
import { test, billing, hydrated, signIn } from "./helpers";

/** A fresh billing subscriber with one camera; returns its login, password, account and MAC. */
async function subscriberWithCamera(request: APIRequestContext) {
  const n = Date.now().toString(36) + Math.floor(Math.random() * 1000);
  const hex = (Date.now() % 0xffffff).toString(16).padStart(6, "0");
  const mac = `02:E2:E0:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`.toUpperCase();
  const s = { login: `e2e-${n}`, password: "e2e-subscriber-pw", account: `E2E-${n}`, mac };
  await billing(request, "billing.new_entity", { account: s.account, login: s.login, password: s.password, name: `E2E Subscriber ${n}` });
  await billing(request, "billing.new_camera", { mac, serial_number: `SN-${n}` });
  await billing(request, "billing.attach_camera", { account: s.account, mac, csa: "77-900-0001", archive_days: 7 });
  return s;
}

/** Opens the card of the user with `login` (searched in the users list). */
async function openCard(page: Page, login: string) {
  await page.goto(`/users?q=${encodeURIComponent(login)}`);
  await hydrated(page);
  await page.getByTestId("users-table").locator("tbody tr").first().getByRole("link").click();
  await expect(page).toHaveURL(/\/users\/\d+\/user/);
  await hydrated(page);
}

test("Login as User opens the web client in a new tab; a replayed link is refused; End session signs out", async ({ page, context, request, browser }) => {
  const s = await subscriberWithCamera(request);
  await signIn(page);
  await openCard(page, s.login);
  const cardUrl = page.url();

  const ticketAnswer = page.waitForResponse((r) => r.url().endsWith("/api/impersonate"));
  const [client] = await Promise.all([context.waitForEvent("page"), page.getByRole("button", { name: "Login as User" }).click()]);
  const ticketUrl: string = await (await ticketAnswer).json();
  expect(ticketUrl).toMatch(/^\/client\/impersonate\?ticket=/);

  await client.waitForURL(/\/client\/cameras/);
  await expect(client.getByTestId("impersonation-banner")).toContainText(`Signed in as E2E Subscriber`);
  await expect(client.getByTestId("impersonation-banner")).toContainText("by administrator Super administrator");
  await expect(client.getByTestId("client-cameras").locator("tbody tr")).toHaveCount(1);

  // The console tab is still the administrator's.
  await page.reload();
  await expect(page).toHaveURL(cardUrl);
  await expect(page.locator("#card-title")).toContainText("E2E Subscriber");

  // The link works once.
  const other = await browser.newContext();
  const replay = await other.newPage();
  const res = await replay.goto(ticketUrl.startsWith("http") ? ticketUrl : new URL(ticketUrl, page.url()).toString());
  expect([403, 410]).toContain(res?.status());
  await expect(replay.getByRole("heading")).toContainText("expired or was already used");
  await other.close();

  // End session: the tab is signed out and stays so.
  await hydrated(client);
  await client.getByRole("button", { name: "End session" }).click();
  await expect(client).toHaveURL(/\/client\/login/);
  await expect(client.getByTestId("signed-out")).toBeVisible();
  await client.goto("/client/cameras");
  await expect(client).toHaveURL(/\/client\/login/);
});

test("Synchronize cameras updates an open web client without a reload", async ({ page, browser, request }) => {
  const s = await subscriberWithCamera(request);

  // The subscriber's own browser, signed in through the client's form.
  const ctx = await browser.newContext();
  const client = await ctx.newPage();
  await client.goto("/client/login");
  await hydrated(client);
  await client.getByLabel("Login").fill(s.login);
  await client.getByLabel("Password").fill(s.password);
  await client.getByRole("button", { name: "Sign in" }).click();
  await expect(client).toHaveURL(/\/client\/cameras/);
  await hydrated(client);
  await expect(client.getByTestId("client-cameras").locator("tbody tr")).toHaveCount(1);
  // A marker that a reload would wipe.
  await client.evaluate(() => ((window as any).__noReload = true));

  // Billing takes the camera away; the administrator synchronizes.
  await billing(request, "billing.detach_camera", { account: s.account, mac: s.mac });
  await signIn(page);
  await openCard(page, s.login);
  await page.getByRole("button", { name: "Synchronize cameras" }).click();
  await expect(page.getByTestId("sync-outcome")).toContainText("Synchronized 0 cameras; 1 connected client notified");

  await expect(client.getByText("You have no cameras.")).toBeVisible({ timeout: 2_000 });
  expect(await client.evaluate(() => (window as any).__noReload)).toBe(true);
  await ctx.close();
});
