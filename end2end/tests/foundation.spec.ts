import { expect } from "@playwright/test";
import { test, hydrated, signIn, ADMIN_PASSWORD } from "./helpers";

test("the sign-in page is rendered on the server", async ({ browser }) => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  const res = await page.goto("/login");
  expect(res?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Vigil" })).toBeVisible();
  await expect(page.getByLabel("Login")).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(0);
  await ctx.close();
});

test("the sign-in page hydrates and reports a wrong password inline", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Login").fill("admin");
  await page.getByLabel("Password").fill("definitely-wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("wrong login or password");
  await expect(page).toHaveURL(/\/login/);
});

test("signing in shows the users list, and signing out ends the session", async ({ page }) => {
  await signIn(page, "admin", ADMIN_PASSWORD);
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await expect(page.getByTestId("users-table").locator("tbody tr")).toHaveCount(25);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/users");
  await expect(page).toHaveURL(/\/login\?next=%2Fusers|\/login\?next=\/users/);
});

test("unknown pages answer 404", async ({ page }) => {
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: /404/ })).toBeVisible();
});

test("the users list filters by kind from the URL", async ({ page }) => {
  await signIn(page);
  await page.goto("/users?kind=sub");
  await hydrated(page);
  const kinds = page.getByTestId("users-table").locator("tbody tr td:nth-child(4)");
  await expect(kinds.first()).toHaveText("Sub user");
  expect(new Set(await kinds.allTextContents())).toEqual(new Set(["Sub user"]));
});

test("the users list sorts and pages on the server, and a reload reproduces the view", async ({ page }) => {
  await signIn(page);
  await page.goto("/users?sort=id&dir=asc");
  await hydrated(page);
  const rows = page.getByTestId("users-table").locator("tbody tr");
  await expect(rows).toHaveCount(25);
  const firstId = Number(await rows.first().locator("td").first().textContent());
  await page.getByRole("link", { name: "Next ›" }).click();
  await expect(page).toHaveURL(/after=/);
  await expect(rows.first().locator("td").first()).not.toHaveText(String(firstId));
  const secondPageFirst = await rows.first().locator("td").first().textContent();
  expect(Number(secondPageFirst)).toBeGreaterThan(firstId + 24);
  const url = page.url();
  await page.reload();
  await expect(rows.first().locator("td").first()).toHaveText(secondPageFirst!);
  expect(page.url()).toBe(url);
  // The header toggles the direction server-side.
  await page.getByRole("link", { name: /^ID/ }).click();
  await expect(page).toHaveURL(/dir=desc/);
  await expect(page.locator("th[aria-sort='descending']")).toHaveCount(1);
});
