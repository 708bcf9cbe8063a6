import { expect, Page, APIRequestContext } from "@playwright/test";
import { test, api, billing, hydrated, signIn } from "./helpers";

// The web client's forms as a subscriber uses them (issue 14 step 5: they
// are islands). Each write is confirmed in the page notice and the list
// follows without a reload; the buttons inside a refreshed list work (their
// islands are hydrated again).

const uniq = () => Date.now().toString(36) + Math.floor(Math.random() * 1000);

/** A main user with one camera, every analytics type and 2 Level 1 licences. */
async function subscriber(page: Page, request: APIRequestContext) {
  const n = uniq();
  const hex = (Date.now() % 0xffffff).toString(16).padStart(6, "0");
  const mac = `02:C1:F0:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`.toUpperCase();
  const s = { login: `cf-${n}`, password: "e2e-subscriber-pw", account: `CF-${n}`, camera: `SN-CF-${n}` };
  await billing(request, "billing.new_entity", { account: s.account, login: s.login, password: s.password, name: `Client Forms ${n}` });
  await billing(request, "billing.new_camera", { mac, serial_number: s.camera });
  await billing(request, "billing.attach_camera", { account: s.account, mac, csa: "77-900-0002", archive_days: 7 });
  await signIn(page);
  const id = (await (await api(page.request, "users/list", { "query[q]": s.login })).json()).rows[0].id;
  const access = await (await api(page.request, "card/access", { user_id: String(id) })).json();
  const slugs: string[] = access.groups.flatMap((g: any) =>
    g.items.filter((i: any) => i.checked || i.slug.startsWith("analytic-cases-")).map((i: any) => i.slug),
  );
  const form: Record<string, string> = { user_id: String(id), version: String(access.permissions_version) };
  slugs.forEach((slug, i) => (form[`permissions[${i}]`] = slug));
  expect((await api(page.request, "access/save", form)).status()).toBe(200);
  const licences = await (await api(page.request, "access/licences", { user_id: String(id) })).json();
  const level = licences.levels.find((l: any) => l.level === "Level 1");
  const set = await api(page.request, "access/licences/set", { user_id: String(id), level_id: String(level.level_id), total: "2", version: "0" });
  expect(set.status(), await set.text()).toBe(200);
  return s;
}

async function clientSignIn(page: Page, login: string, password: string) {
  await page.goto("/client/login");
  await hydrated(page);
  await page.getByLabel("Login").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/client\/cameras/);
}

test("web client sub users: create, edit, change password, delete — confirmed, the list follows without a reload", async ({ page, request, browser }) => {
  const s = await subscriber(page, request);
  const client = await (await browser.newContext()).newPage();
  await clientSignIn(client, s.login, s.password);
  await client.goto("/client/sub-users");
  await hydrated(client);
  await expect(client.getByText("You have no sub users yet.")).toBeVisible();
  await client.evaluate(() => ((window as any).__noReload = true));

  const n = uniq();
  const form = client.getByTestId("new-sub-user");
  await form.locator("#sub-login").fill(`cf-sub-${n}`);
  await form.locator("#sub-name").fill(`Forms Sub ${n}`);
  await form.locator("#sub-password").fill("sub-user-pw-1");
  await form.getByRole("checkbox").first().check();
  await form.getByRole("button", { name: "Create sub user" }).click();
  await expect(client.getByTestId("page-notice")).toContainText(/Sub user #\d+ created\./);
  const rows = client.getByTestId("client-sub-users").locator("tbody tr");
  await expect(rows).toHaveCount(1);
  const granted = Number(await rows.first().locator("td").nth(4).textContent());
  expect(granted).toBeGreaterThan(0);

  // The row arrived with the refresh: its Edit button is a hydrated island.
  await rows.first().getByRole("button", { name: `Edit Forms Sub ${n}` }).click();
  const editor = client.getByRole("region", { name: `Sub user Forms Sub ${n} (cf-sub-${n})` });
  await expect(editor).toBeVisible();
  const boxes = editor.getByRole("checkbox");
  expect(await boxes.count()).toBeGreaterThan(1);
  // Tick one more than it holds.
  const unticked = editor.locator("input[type=checkbox]:not(:checked)").first();
  await unticked.check();
  await editor.getByRole("button", { name: "Save permissions" }).click();
  await expect(client.getByTestId("page-notice")).toContainText("Permissions saved.");
  await expect(rows.first().locator("td").nth(4)).toHaveText(String(granted + 1));

  await editor.getByLabel("New password").fill("sub-user-pw-2");
  await editor.getByRole("button", { name: "Change password" }).click();
  await expect(client.getByTestId("page-notice")).toContainText("Password changed");

  await editor.getByRole("button", { name: "Delete sub user" }).click();
  await expect(client.getByTestId("page-notice")).toContainText("Sub user deleted.");
  await expect(editor).toHaveCount(0);
  await expect(client.getByText("You have no sub users yet.")).toBeVisible();
  expect(await client.evaluate(() => (window as any).__noReload)).toBe(true);
  await client.context().close();
});

test("web client cases: create within the free licences, delete — confirmed, list and free counts follow", async ({ page, request, browser }) => {
  const s = await subscriber(page, request);
  const client = await (await browser.newContext()).newPage();
  await clientSignIn(client, s.login, s.password);
  await client.goto("/client/cases");
  await hydrated(client);
  await expect(client.getByText("You have no analytics cases yet.")).toBeVisible();
  await client.evaluate(() => ((window as any).__noReload = true));

  const form = client.getByTestId("new-case");
  const type = form.locator("#case-type option").first();
  await expect(type).toContainText("(2 free)");
  await form.locator("#case-name").fill("Entrance watch");
  await form.getByRole("checkbox").first().check();
  await form.getByRole("button", { name: "Create case" }).click();
  await expect(client.getByTestId("page-notice")).toContainText(/Case #\d+ created\./);
  const rows = client.getByTestId("client-cases").locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Entrance watch");
  // The form came back with the refresh: one licence of the level is used.
  await expect(client.getByTestId("new-case").locator("#case-type option").first()).toContainText("(1 free)");

  await rows.first().getByRole("button", { name: "Delete case Entrance watch" }).click();
  await expect(client.getByTestId("page-notice")).toContainText("Case deleted.");
  await expect(client.getByText("You have no analytics cases yet.")).toBeVisible();
  await expect(client.getByTestId("new-case").locator("#case-type option").first()).toContainText("(2 free)");
  expect(await client.evaluate(() => (window as any).__noReload)).toBe(true);
  await client.context().close();
});
