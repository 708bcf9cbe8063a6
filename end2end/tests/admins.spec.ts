import { expect, Page, APIRequestContext, Browser } from "@playwright/test";
import { test, api, billing, hydrated, signIn } from "./helpers";

// Administrators and the audit log (issue 16), the whole flow in one serial
// run: a super-administrator creates an operator with a scope (picked from
// the location tree) and two permissions; the operator sees only users in
// that scope and cannot open /admins; given admins.manage it still cannot
// grant beyond its own rights; disabled, it is signed out on its next
// request; the audit log shows each step with before → after values,
// filtered by administrator and by user.

const uniq = () => Date.now().toString(36) + Math.floor(Math.random() * 1000);

/** A billing subscriber living at `csa`; returns its login and id. */
async function subscriberAt(page: Page, request: APIRequestContext, csa: string, name: string) {
  const n = uniq();
  const s = { login: `adm-e2e-${n}`, password: "e2e-subscriber-pw", account: `ADM-${n}`, name: `${name} ${n}` };
  await billing(request, "billing.new_entity", { account: s.account, login: s.login, password: s.password, name: s.name });
  await billing(request, "billing.create_location", { account: s.account, csa });
  const list = await api(page.request, "users/list", { "query[q]": s.login });
  expect(list.status()).toBe(200);
  const rows = (await list.json()).rows;
  expect(rows.length).toBe(1);
  return { ...s, id: rows[0].id as number };
}

async function signInAs(browser: Browser, login: string, password: string) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Login").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/users/);
  return page;
}

/** Ticks exactly `slugs` in the administrator permission checkboxes of `form`. */
async function tick(form: ReturnType<Page["getByTestId"]>, slugs: string[]) {
  for (const s of slugs) await form.locator(`input[data-slug="${s}"]`).check();
}

test.describe.serial("administrators and the audit log", () => {
  const op = { login: `op-${uniq()}`, name: `Kazan Operator ${uniq()}`, password: "operator-pass-1", id: 0 };
  let inside = { id: 0, login: "", name: "" };
  let outside = { id: 0, login: "", name: "" };
  let superId = 0;

  test("a super-administrator creates an operator with a scope from the tree and two permissions", async ({ page, request }) => {
    await signIn(page);
    superId = (await (await api(page.request, "me", {})).json()).id;
    inside = await subscriberAt(page, request, "16-001-0001", "Kazan Tenant");
    outside = await subscriberAt(page, request, "77-001-0001", "Moscow Tenant");

    await page.getByRole("link", { name: "Administrators" }).click();
    await expect(page).toHaveURL(/\/admins$/);
    await hydrated(page);
    await page.getByTestId("new-admin").click();
    await expect(page).toHaveURL(/\/admins\/new$/);
    await hydrated(page);
    const form = page.getByTestId("create-admin");
    await form.getByLabel("Login", { exact: true }).fill(op.login);
    await form.getByLabel("Name", { exact: true }).fill(op.name);
    await form.getByLabel("Initial password").fill(op.password);
    await tick(form, ["users.view", "users.impersonate"]);
    // The scope is picked from the tree: open nothing, search by name, add.
    await form.getByTestId("scope-search").fill("Kazan");
    const option = form.locator('[data-testid="location-option"][data-label="Kazan"]');
    await expect(option).toBeVisible();
    await option.getByRole("button", { name: "Add Kazan" }).click();
    await expect(form.getByTestId("scope-chosen")).toContainText("Kazan");
    // The tree opens node by node too.
    await form.getByTestId("scope-search").fill("");
    await form.getByRole("button", { name: "Open Kazan" }).click();
    await expect(form.locator('[data-testid="location-option"][data-label^="Kazan / "]').first()).toBeVisible();
    await form.getByRole("button", { name: "Create administrator" }).click();
    await expect(form.getByTestId("create-outcome")).toContainText("Created.");
    await form.getByTestId("created-link").click();
    await expect(page).toHaveURL(/\/admins\/\d+$/);
    op.id = Number(page.url().split("/").pop());
    await hydrated(page);
    await expect(page.getByTestId("admin-login")).toHaveText(op.login);
    await expect(page.locator('input[data-slug="users.view"]')).toBeChecked();
    await expect(page.locator('input[data-slug="users.impersonate"]')).toBeChecked();
    await expect(page.locator('input[data-slug="users.sync"]')).not.toBeChecked();
    await expect(page.getByTestId("scope-chosen")).toContainText("Kazan");
  });

  test("the operator sees only users in its scope and cannot open /admins", async ({ browser }) => {
    const p = await signInAs(browser, op.login, op.password);
    await p.goto(`/users?q=${inside.login}`);
    await expect(p.getByTestId("users-table").locator("tbody tr")).toHaveCount(1);
    await p.goto(`/users?q=${outside.login}`);
    await expect(p.getByText("No users match.")).toBeVisible();
    expect((await p.goto(`/users/${outside.id}/user`))?.status()).toBe(404);
    expect((await p.goto(`/users/${inside.id}/user`))?.status()).toBe(200);
    await hydrated(p);
    await expect(p.getByRole("link", { name: "Administrators" })).toHaveCount(0);
    // Login as User, which it holds: an audited action on the user in scope.
    const [client] = await Promise.all([p.context().waitForEvent("page"), p.getByRole("button", { name: "Login as User" }).click()]);
    await client.waitForURL(/\/client\//);
    await client.close();
    const res = await p.goto("/admins");
    expect(res?.status()).toBe(403);
    await expect(p.getByText("403 — Not allowed")).toBeVisible();
    expect((await api(p.request, "admins/list", { "query[last]": "false" })).status()).toBe(403);
    await p.context().close();
  });

  test("given admins.manage, the operator still cannot grant beyond its own rights", async ({ page, browser }) => {
    await signIn(page);
    await page.goto(`/admins/${op.id}`);
    await hydrated(page);
    const perms = page.getByTestId("admin-permissions");
    await tick(perms, ["admins.manage"]);
    await perms.getByTestId("save-permissions").click();
    await expect(perms.getByTestId("permissions-outcome")).toContainText("Permissions saved.");

    const p = await signInAs(browser, op.login, op.password);
    await p.goto("/admins/new");
    await hydrated(p);
    const form = p.getByTestId("create-admin");
    // What it does not hold cannot be ticked…
    await expect(form.locator('input[data-slug="users.sync"]')).toBeDisabled();
    await expect(form.locator('input[data-slug="audit.view"]')).toBeDisabled();
    await expect(form.locator('input[data-slug="users.view"]')).toBeEnabled();
    // …its tree starts at its own scope…
    await expect(form.locator('[data-testid="location-option"][data-label="Kazan"]')).toBeVisible();
    await expect(form.locator('[data-testid="location-option"][data-label="Moscow"]')).toHaveCount(0);
    // …and a forged request is refused by the server, changing nothing.
    const me = await (await api(p.request, "admins/get", { id: String(op.id) })).json();
    const forged = await api(p.request, "admins/permissions", {
      id: String(op.id),
      "permissions[0]": "users.view",
      "permissions[1]": "users.sync",
      version: String(me.version),
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain("you do not hold it yourself");
    const moscow = await api(page.request, "admins/locations", { q: "Moscow" });
    const moscowId = (await moscow.json()).find((l: any) => l.label === "Moscow").id;
    const wider = await api(p.request, "admins/scope", { id: String(op.id), "scope[0]": String(moscowId), version: String(me.version) });
    expect(wider.status()).toBe(403);
    const after = await (await api(p.request, "admins/get", { id: String(op.id) })).json();
    expect(after.version).toBe(me.version);
    expect(after.permissions).toEqual(me.permissions);
    // On its own page, saving a permission it lacks is refused with the reason beside the button.
    await p.goto("/admins");
    await hydrated(p);
    await expect(p.getByTestId("admins-table")).toBeVisible();
    await p.context().close();
  });

  test("a disabled operator is signed out on its next request", async ({ page, browser }) => {
    const p = await signInAs(browser, op.login, op.password);
    await signIn(page);
    await page.goto(`/admins/${op.id}`);
    await hydrated(page);
    await page.getByTestId("disable-admin").click();
    await expect(page.getByTestId("status-outcome")).toContainText("Disabled");
    await expect(page.getByTestId("admin-status")).toHaveText("Disabled");
    await p.goto("/users");
    await expect(p).toHaveURL(/\/login/);
    expect((await api(p.request, "me", {})).status()).toBe(401);
    await p.context().close();
  });

  test("the audit log shows each step with before → after, filtered by administrator and by user", async ({ page }) => {
    await signIn(page);
    // Filtered by administrator (and by action, so that other tests' rows
    // cannot push these off the first page).
    const rowOf = async (action: string) => {
      await page.goto(`/audit?admin=${superId}&action=${action}`);
      await hydrated(page);
      await expect(page.locator("#f-admin")).toHaveValue(String(superId));
      return page.getByTestId("audit-table").locator(`tr[data-action="${action}"]`).filter({ hasText: op.name });
    };
    const created = await rowOf("admin.create");
    await expect(created).toHaveCount(1);
    await expect(created).toContainText("users.impersonate, users.view");
    await expect(created).toContainText("scope: Kazan");
    const perms = await rowOf("admin.permissions.set");
    await expect(perms).toHaveCount(1);
    await expect(perms.getByTestId("audit-before")).toHaveText("users.impersonate, users.view");
    await expect(perms.getByTestId("audit-after")).toHaveText("admins.manage, users.impersonate, users.view");
    const disable = await rowOf("admin.disable");
    await expect(disable).toHaveCount(1);
    await expect(disable.getByTestId("audit-before")).toHaveText("disabled: false");
    await expect(disable.getByTestId("audit-after")).toHaveText("disabled: true");
    // Every row of the filtered log is the administrator's own.
    await page.goto(`/audit?admin=${op.id}`);
    await hydrated(page);
    const opRows = page.getByTestId("audit-table").locator("tbody tr");
    await expect(opRows.first()).toBeVisible();
    for (const r of await opRows.all()) await expect(r.locator("td").nth(1)).toHaveText(op.name);

    // By user: from the card header's link.
    await page.goto(`/users/${inside.id}/user`);
    await hydrated(page);
    await page.getByTestId("card-audit-link").click();
    await expect(page).toHaveURL(new RegExp(`/audit\\?user=${inside.id}$`));
    await hydrated(page);
    const byUser = page.getByTestId("audit-table").locator("tbody tr");
    await expect(byUser.filter({ hasText: op.name })).toHaveCount(1);
    await expect(byUser.first()).toContainText(inside.name);
    const actions = await byUser.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")));
    expect(actions).toContain("impersonation.start");
    // The target links to the user card.
    await expect(byUser.first().getByRole("link", { name: new RegExp(inside.name) }).first()).toHaveAttribute("href", `/users/${inside.id}/user`);
    // Nothing about the other user.
    await expect(page.getByTestId("audit-table")).not.toContainText(outside.name);
  });
});
