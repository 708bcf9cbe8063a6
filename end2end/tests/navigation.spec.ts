import { expect, Page } from "@playwright/test";
import { test, hydrated, signIn } from "./helpers";

// The console as an operator moves through it: from page to page by clicking
// (each a page load: pages render on the server and their islands hydrate,
// DEVELOPERS.md "The browser build"), then a reload of every page visited,
// each of which must hydrate and stay interactive. Any error the
// page throws or logs fails the test: a hydration mismatch, a panic in the
// WASM, a chunk or asset that does not load (this walk was written for the
// code-splitting trial of issue 14 step 4, docs/benchmarks.md).

/** Records uncaught errors and console errors of `page`. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}

test("moving between the console's pages by clicking, then a reload of each, without a page error", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  await hydrated(page);
  const visited: { url: string; ready: () => Promise<void> }[] = [];
  const step = async (ready: () => Promise<void>) => {
    await ready();
    await hydrated(page);
    visited.push({ url: page.url(), ready });
  };
  const heading = (name: string | RegExp) => () => expect(page.getByRole("heading", { level: 1, name })).toBeVisible();

  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Billing log" }).click();
  await step(heading("Billing log"));
  await nav.getByRole("link", { name: "Administrators" }).click();
  await step(heading("Administrators"));
  // The administrator forms: islands with the rights and location pickers.
  await page.getByTestId("new-admin").click();
  await step(async () => {
    await heading("New administrator")();
    await expect(page.getByTestId("scope-picker").getByTestId("location-option").first()).toBeVisible();
  });
  await page.goto("/admins");
  await page.getByTestId("admins-table").locator("tbody tr").first().getByRole("link").first().click();
  await step(async () => {
    await expect(page.getByTestId("admin-detail")).toBeVisible();
    await expect(page.getByTestId("scope-picker").getByTestId("location-option").first()).toBeVisible();
  });
  await nav.getByRole("link", { name: "Audit log" }).click();
  await step(heading("Audit log"));
  await nav.getByRole("link", { name: "Users" }).click();
  await step(async () => {
    await heading("Users")();
    await expect(page.getByTestId("users-table").locator("tbody tr")).toHaveCount(25);
  });

  await page.goto("/users?sort=id&dir=asc");
  await hydrated(page);
  await page.getByTestId("users-table").locator("tbody tr").first().getByRole("link").first().click();
  await expect(page).toHaveURL(/\/users\/1(\/user)?$/);
  await step(() => expect(page.getByTestId("card-user")).toBeVisible());
  await page.getByRole("tab", { name: "Cameras", exact: true }).click();
  await step(() => expect(page.getByTestId("card-cameras")).toBeVisible());
  await page.getByTestId("card-cameras").locator("tbody tr").first().getByRole("link").click();
  await expect(page).toHaveURL(/\/cameras\/\d+\/general$/);
  await step(() => expect(page.getByTestId("camera-general")).toBeVisible());
  await page.goBack();
  await expect(page.getByTestId("card-cameras")).toBeVisible();
  await page.getByRole("tab", { name: "Intercoms", exact: true }).click();
  await expect(page.getByTestId("card-intercoms")).toBeVisible();
  await page.getByTestId("card-intercoms").locator("tbody tr").first().getByRole("link").first().click();
  await expect(page).toHaveURL(/\/intercoms\/\d+\/general$/);
  await step(() => expect(page.getByTestId("intercom-general")).toBeVisible());
  await page.getByRole("tab", { name: "Apartments" }).click();
  await step(() => expect(page.getByTestId("apartments-table")).toBeVisible());

  for (const v of visited) {
    await page.goto(v.url);
    await hydrated(page);
    await v.ready();
    // Hydrated means interactive: the sign-out island is there on every page.
    await expect(page.getByRole("button", { name: "Sign out" }), v.url).toBeEnabled();
  }
  await nav.getByRole("link", { name: "Billing log" }).click();
  await heading("Billing log")();
  await hydrated(page);
  expect(errors).toEqual([]);
});

test("the web client's sign-in page hydrates without a page error", async ({ page }) => {
  const errors = watchErrors(page);
  const res = await page.goto("/client/login");
  expect(res?.status()).toBe(200);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Vigil web client" })).toBeVisible();
  expect(errors).toEqual([]);
});
