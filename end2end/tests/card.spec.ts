import { expect, Page, Browser } from "@playwright/test";
import { test, hydrated, signIn, noJsContext } from "./helpers";
import catalogue from "./catalogue.json";

// The user card: every tab as a server-rendered deep link (with and without
// JavaScript), client-side tab switching, keyboard navigation, server-side
// sort and paging kept in the URL, and the 404/403 pages. User 1 is the demo's
// heavy business subscriber (it holds `users-index` and analytics licences,
// so all seven tabs exist).

const HEAVY = 1;

/** Each tab: URL segment, label, and what proves its content was rendered.
 * The list is `CardTab::ALL`, copied by `app/tests/catalogue_json.rs`. */
const TABS: { slug: string; label: string; content: string }[] = catalogue.card_tabs.map(
  (t: { slug: string; label: string }) => ({ ...t, content: `card-${t.slug}` }),
);

async function expectTabSelected(page: Page, slug: string) {
  await expect(page.locator(`#tab-${slug}`)).toHaveAttribute("aria-selected", "true");
  await expect(page.locator("[role=tab][aria-selected=true]")).toHaveCount(1);
}

test("every tab opens by direct URL without JavaScript, rendered on the server", async ({ page, browser }) => {
  await signIn(page);
  const ctx = await noJsContext(browser, page);
  const nojs = await ctx.newPage();
  for (const tab of TABS) {
    const res = await nojs.goto(`/users/${HEAVY}/${tab.slug}`);
    expect(res?.status(), tab.slug).toBe(200);
    // The HTML as sent: the content is there before any script could run.
    const html = await res!.text();
    expect(html, tab.slug).toContain(`data-testid="${tab.content}"`);
    await expect(nojs.getByTestId(tab.content), tab.slug).toBeVisible();
    await expect(nojs.getByRole("heading", { name: "Northwind Logistics LLC", level: 1 })).toBeVisible();
    await expectTabSelected(nojs, tab.slug);
    await expect(nojs.getByRole("tab")).toHaveCount(TABS.length);
    await expect(nojs.locator("body[data-hydrated]")).toHaveCount(0);
  }
  // Tables carry rows, not just headers.
  await nojs.goto(`/users/${HEAVY}/cameras`);
  await expect(nojs.getByTestId("card-cameras").locator("tbody tr")).toHaveCount(25);
  await nojs.goto(`/users/${HEAVY}/billing-events`);
  await expect(nojs.getByTestId("card-billing-events").locator("tbody tr")).toHaveCount(25);
  // Without JavaScript a tab is a plain link: following it loads the next tab from the server.
  await nojs.getByRole("tab", { name: "Intercoms" }).click();
  await expect(nojs).toHaveURL(new RegExp(`/users/${HEAVY}/intercoms$`));
  await expect(nojs.getByTestId("card-intercoms")).toBeVisible();
  await ctx.close();
});

test("every tab opens by direct URL with JavaScript and hydrates", async ({ page }) => {
  await signIn(page);
  for (const tab of TABS) {
    const res = await page.goto(`/users/${HEAVY}/${tab.slug}`);
    expect(res?.status(), tab.slug).toBe(200);
    await hydrated(page);
    await expect(page.getByTestId(tab.content), tab.slug).toBeVisible();
    await expectTabSelected(page, tab.slug);
  }
});

test("clicking a tab opens its URL, rendered and interactive; keyboard moves between tabs", async ({ page }) => {
  await signIn(page);
  await page.goto(`/users/${HEAVY}/user`);
  await hydrated(page);
  // Tabs are links: each click loads the tab's page, rendered on the server
  // (islands, DEVELOPERS.md "The browser build"), and its islands hydrate.
  for (const tab of [...TABS.slice(1), TABS[0]]) {
    await page.getByRole("tab", { name: tab.label, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/users/${HEAVY}/${tab.slug}$`));
    await expect(page.getByTestId(tab.content), tab.slug).toBeVisible();
    await expectTabSelected(page, tab.slug);
    await expect(page).toHaveTitle(new RegExp(tab.label));
    await hydrated(page);
  }

  // WAI-ARIA tabs: one tab stop, arrows move focus, Enter follows.
  await expect(page.locator("[role=tab][tabindex='0']")).toHaveCount(1);
  await page.locator("#tab-user").focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.locator("#tab-cameras")).toBeFocused();
  await page.keyboard.press("End");
  await expect(page.locator("#tab-analytics")).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await expect(page.locator("#tab-user")).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/users/${HEAVY}/analytics$`));
  await expectTabSelected(page, "analytics");
  // The keys work on the page Enter opened.
  await hydrated(page);
  await page.locator("#tab-analytics").focus();
  await page.keyboard.press("Home");
  await expect(page.locator("#tab-user")).toBeFocused();
});

test("a tab arrives rendered: no loading state, and the same HTML with JavaScript off", async ({ page, browser }) => {
  await signIn(page);
  await page.goto(`/users/${HEAVY}/user`);
  await hydrated(page);
  // No request for the tab's data leaves the browser: the server rendered it.
  const dataCalls: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/")) dataCalls.push(r.url());
  });
  await page.getByRole("tab", { name: "Cameras", exact: true }).click();
  await expect(page.getByTestId("card-cameras")).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Loading" })).toHaveCount(0);
  await hydrated(page);
  expect(dataCalls).toEqual([]);
  const rows = await page.getByTestId("card-cameras").locator("tbody tr").count();
  expect(rows).toBeGreaterThan(0);
  const nojs = await (await noJsContext(browser, page)).newPage();
  await nojs.goto(`/users/${HEAVY}/cameras`);
  await expect(nojs.getByTestId("card-cameras").locator("tbody tr")).toHaveCount(rows);
  await nojs.context().close();
});

test("a card table sorts and pages on the server, and reloading the URL gives the same view", async ({ page }) => {
  await signIn(page);
  await page.goto(`/users/${HEAVY}/cameras?sort=name&dir=asc`);
  await hydrated(page);
  const table = page.getByTestId("card-cameras");
  const ids = async () => (await table.locator("tbody tr td:first-child").allTextContents()).map(Number);

  // Sort by ID, then descending (the header toggles the direction).
  await table.getByRole("link", { name: /^ID/ }).click();
  await expect(page).toHaveURL(/sort=id&dir=asc/);
  // The URL changes when navigation starts; the header links toggle once the
  // new rows are in (until then the old header still links to ascending).
  await expect(table.locator("th[aria-sort='ascending']")).toContainText("ID");
  await table.getByRole("link", { name: /^ID/ }).click();
  await expect(page).toHaveURL(/sort=id&dir=desc/);
  await expect(table.locator("th[aria-sort='descending']")).toContainText("ID");
  const first = await ids();
  expect(first).toHaveLength(25);
  expect([...first].sort((a, b) => b - a)).toEqual(first);

  // The next page continues the order below the first page.
  await page.getByRole("link", { name: "Next ›" }).click();
  await expect(page).toHaveURL(/after=/);
  await expect(table.locator("tbody tr td:first-child").first()).not.toHaveText(String(first[0]));
  const second = await ids();
  expect(second.length).toBeGreaterThan(0);
  expect(Math.max(...second)).toBeLessThan(Math.min(...first));
  expect([...second].sort((a, b) => b - a)).toEqual(second);

  // A reload (and a pasted link in a fresh tab) reproduces the view.
  const url = page.url();
  await page.reload();
  await hydrated(page);
  expect(page.url()).toBe(url);
  expect(await ids()).toEqual(second);
  const pasted = await page.context().newPage();
  await pasted.goto(url);
  expect(await pasted.getByTestId("card-cameras").locator("tbody tr td:first-child").allTextContents()).toEqual(second.map(String));
  await pasted.close();

  // Back to the first page.
  await page.getByRole("link", { name: "‹ Previous" }).click();
  await expect(table.locator("tbody tr td:first-child").first()).toHaveText(String(first[0]));

  // Sorting by name orders the names.
  await table.getByRole("link", { name: /^Name/ }).click();
  await expect(page).toHaveURL(/sort=name&dir=asc/);
  await expect(table.locator("th[aria-sort='ascending']")).toContainText("Name");
  const names = await table.locator("tbody tr td:nth-child(2)").allTextContents();
  expect([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(names);
});

test("a row links to the camera profile and to the intercom card", async ({ page }) => {
  await signIn(page);
  await page.goto(`/users/${HEAVY}/cameras`);
  await hydrated(page);
  const cameraId = await page.getByTestId("card-cameras").locator("tbody tr td:first-child").first().textContent();
  await page.getByTestId("card-cameras").locator("tbody tr").first().getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/cameras/${cameraId}/general$`));
  await expect(page.getByTestId("camera-general")).toBeVisible();

  await page.goto(`/users/${HEAVY}/intercoms`);
  await hydrated(page);
  await page.getByTestId("card-intercoms").locator("tbody tr").first().getByRole("link").first().click();
  await expect(page).toHaveURL(/\/intercoms\/\d+\/general$/);
  await expect(page.getByTestId("intercom-general")).toBeVisible();
  await page.getByRole("tab", { name: "Apartments" }).click();
  await expect(page).toHaveURL(/\/intercoms\/\d+\/apartments$/);
  await expect(page.getByTestId("apartments-table")).toBeVisible();
});

test("a tab with nothing to show has an empty state; hidden tabs are absent and 404", async ({ page }) => {
  await signIn(page);
  const res = await page.request.post("/api/users/list", {
    form: { "query[kind]": "sub", "query[sort]": "id", "query[dir]": "asc" },
    headers: { accept: "application/json" },
  });
  expect(res.status()).toBe(200);
  const sub = (await res.json()).rows[0].id as number;
  await page.goto(`/users/${sub}/intercoms`);
  await hydrated(page);
  await expect(page.getByText("The user is not linked to any intercom.")).toBeVisible();
  // A sub user holds no `users-index`: no Sub users tab, and its URL is a 404.
  await expect(page.getByRole("tab", { name: "Sub users" })).toHaveCount(0);
  const hidden = await page.goto(`/users/${sub}/sub-users`);
  expect(hidden?.status()).toBe(404);
});

async function signedInAs(browser: Browser, login: string, password: string) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, login, password);
  return { ctx, page };
}

test("unknown users, tabs, cameras and intercoms are 404 pages", async ({ page }) => {
  await signIn(page);
  for (const path of [
    "/users/99999999/user",
    "/users/99999999/cameras",
    "/users/not-a-number/user",
    `/users/${HEAVY}/no-such-tab`,
    "/cameras/99999999/general",
    "/intercoms/99999999/general",
    "/intercoms/99999999/apartments",
  ]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: /404/ }), path).toBeVisible();
    const html = await res!.text();
    expect(html, path).not.toMatch(/DbErr|sqlx|SELECT |panicked/);
  }
});

test("a user outside the administrator's scope is a 404, exactly like an unknown one", async ({ page, browser }) => {
  await signIn(page);
  const { ctx, page: viewer } = await signedInAs(browser, "viewer", "viewer-demo");
  // The first users the super-administrator sees; the viewer (one street) cannot see most of them.
  const res = await page.request.post("/api/users/list", {
    form: { "query[sort]": "id", "query[dir]": "asc" },
    headers: { accept: "application/json" },
  });
  const ids: number[] = (await res.json()).rows.map((r: { id: number }) => r.id);
  let outside = 0;
  for (const id of ids) {
    const h = await viewer.request.post("/api/card/header", { form: { user_id: String(id) }, headers: { accept: "application/json" } });
    if (h.status() === 404) {
      outside = id;
      break;
    }
    expect(h.status()).toBe(200);
  }
  expect(outside, "a demo user outside the viewer's street").toBeGreaterThan(0);
  for (const tab of ["user", "cameras", "billing-events"]) {
    const page404 = await viewer.goto(`/users/${outside}/${tab}`);
    expect(page404?.status()).toBe(404);
    await expect(viewer.getByRole("heading", { name: /404/ })).toBeVisible();
    await expect(viewer.locator("#card-title")).toHaveCount(0);
  }
  await ctx.close();
});

test("an administrator without users.view gets 403 pages", async ({ browser }) => {
  const { ctx, page } = await signedInAs(browser, "newcomer", "newcomer-demo");
  for (const path of ["/users", `/users/${HEAVY}/user`, `/users/${HEAVY}/cameras`, `/users/${HEAVY}/analytics`]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: /403/ }), path).toBeVisible();
    // One visible refusal: the tab panel's own (same error) is display:none
    // beside the header's.
    await expect(page.getByText("users.view").filter({ visible: true })).toHaveCount(1);
    await expect(page.getByText("Northwind Logistics LLC")).toHaveCount(0);
  }
  // The server function refuses too, whatever the page does.
  const api = await page.request.post("/api/card/cameras", {
    form: { user_id: String(HEAVY), "query[sort]": "id" },
    headers: { accept: "application/json" },
  });
  expect(api.status()).toBe(403);
  await ctx.close();
});
