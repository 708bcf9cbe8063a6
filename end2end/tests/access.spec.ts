import { expect, Page, APIRequestContext } from "@playwright/test";
import { test, hydrated, signIn } from "./helpers";

// Access settings (Save with a version precondition) and the server-side
// bounds of a sub user's permissions, against the demo data.

const JSON_HEADERS = { accept: "application/json" };

async function api(request: APIRequestContext, endpoint: string, form: Record<string, string>) {
  return request.post(`/api/${endpoint}`, { form, headers: JSON_HEADERS });
}

/** The id of the first billing user of the demo data. */
async function firstBillingUser(page: Page): Promise<number> {
  const res = await api(page.request, "users/list", {
    "query[kind]": "billing",
    "query[sort]": "id",
    "query[dir]": "asc",
  });
  expect(res.status()).toBe(200);
  const body = await res.json();
  return body.rows[0].id as number;
}

async function version(page: Page): Promise<number> {
  const v = await page.getByTestId("card-access").getAttribute("data-permissions-version");
  return Number(v);
}

test("Access settings: save, confirmation, state after reload, and a conflicting save", async ({ page, browser }) => {
  await signIn(page);
  const userId = await firstBillingUser(page);
  await page.goto(`/users/${userId}/access`);
  await hydrated(page);
  const form = page.getByTestId("card-access");
  await expect(form).toBeVisible();
  const v0 = await version(page);

  // Toggle one permission and save.
  const ptz = form.getByLabel("Move PTZ cameras");
  const ptzWas = await ptz.isChecked();
  await ptz.click();
  await form.getByRole("button", { name: "Save", exact: true }).click();
  const outcome = page.getByTestId("save-outcome");
  await expect(outcome).toHaveAttribute("role", "status");
  await expect(outcome).toContainText(ptzWas ? "Saved: 0 added, 1 removed" : "Saved: 1 added, 0 removed");
  await expect(outcome).toContainText(`Version ${v0 + 1}`);

  // The saved state survives a reload.
  await page.reload();
  await hydrated(page);
  await expect(form.getByLabel("Move PTZ cameras")).toBeChecked({ checked: !ptzWas });
  expect(await version(page)).toBe(v0 + 1);

  // A second administrator's browser loads the same version…
  const other = await browser.newContext();
  await other.addCookies(await page.context().cookies());
  const page2 = await other.newPage();
  await page2.goto(`/users/${userId}/access`);
  await hydrated(page2);
  const form2 = page2.getByTestId("card-access");
  expect(await version(page2)).toBe(v0 + 1);

  // …the first saves again…
  const archive = form.getByLabel("Watch recordings");
  const archiveWas = await archive.isChecked();
  await archive.click();
  await form.getByRole("button", { name: "Save", exact: true }).click();
  await expect(outcome).toContainText(`Version ${v0 + 2}`);

  // …and the second, still on the old version, gets the conflict and the current state.
  const marks = form2.getByLabel("See marks");
  const marksWas = await marks.isChecked();
  await marks.click();
  await form2.getByRole("button", { name: "Save", exact: true }).click();
  const conflict = page2.getByTestId("save-outcome");
  await expect(conflict).toHaveAttribute("role", "alert");
  await expect(conflict).toContainText("Another administrator");
  await expect(conflict).toContainText("the current settings are shown");
  await expect(form2).toHaveAttribute("data-permissions-version", String(v0 + 2));
  await expect(form2.getByLabel("Watch recordings")).toBeChecked({ checked: !archiveWas });
  await expect(form2.getByLabel("See marks")).toBeChecked({ checked: marksWas });

  // Nothing of the refused save reached the server.
  await page.reload();
  await hydrated(page);
  await expect(form.getByLabel("See marks")).toBeChecked({ checked: marksWas });
  expect(await version(page)).toBe(v0 + 2);
  await other.close();
});

test("a forged sub-user request for an unlicensed analytics type is refused and changes nothing", async ({ page }) => {
  await signIn(page);
  // A demo sub user and its main user (the card header names the main user).
  const list = await api(page.request, "users/list", { "query[kind]": "sub", "query[sort]": "id", "query[dir]": "asc" });
  expect(list.status()).toBe(200);
  const subs: { id: number }[] = (await list.json()).rows;
  let main = 0;
  let sub = 0;
  for (const s of subs) {
    const h = await api(page.request, "card/header", { user_id: String(s.id) });
    expect(h.status()).toBe(200);
    const header = await h.json();
    if (!header.main_user) continue;
    const mainHeader = await (await api(page.request, "card/header", { user_id: String(header.main_user[0]) })).json();
    if (mainHeader.has_sub_users) {
      main = header.main_user[0];
      sub = s.id;
      break;
    }
  }
  expect(sub, "a demo sub user whose main user has the Sub users tab").toBeGreaterThan(0);

  const load = async () => {
    const res = await api(page.request, "access/sub-user", { user_id: String(main), sub_user_id: String(sub) });
    expect(res.status()).toBe(200);
    return res.json();
  };
  const before = await load();
  const offered: string[] = before.groups.flatMap((g: any) => g.items.map((i: any) => i.slug));
  const held: string[] = before.groups.flatMap((g: any) => g.items.filter((i: any) => i.checked).map((i: any) => i.slug));
  // Pick an analytics type that is not offered (its level is not licensed to the main user).
  const forged = ["analytic-cases-container-number", "analytic-cases-face-recognition", "analytic-cases-license-plate", "analytic-cases-visitor-counting", "analytic-cases-line-crossing"].find(
    (s) => !offered.includes(s),
  );
  expect(forged, "an analytics type not offered to this sub user").toBeTruthy();

  const form: Record<string, string> = {
    user_id: String(main),
    sub_user_id: String(sub),
    version: String(before.permissions_version),
  };
  [...held, forged!].forEach((s, i) => (form[`permissions[${i}]`] = s));
  const res = await api(page.request, "access/sub-user/save", form);
  expect([403, 422]).toContain(res.status());
  expect(await res.text()).toContain("permissions");

  const after = await load();
  expect(after.permissions_version).toBe(before.permissions_version);
  expect(after.groups).toEqual(before.groups);
});

test("the first licences of a user are given on the Analytics tab", async ({ page }) => {
  await signIn(page);
  // A demo billing user without licences: its Analytics tab is empty for an administrator with licenses.edit.
  const list = await api(page.request, "users/list", { "query[kind]": "billing", "query[sort]": "id", "query[dir]": "asc" });
  let userId = 0;
  for (const u of (await list.json()).rows as { id: number }[]) {
    const res = await api(page.request, "card/analytics", { user_id: String(u.id) });
    expect(res.status()).toBe(200);
    if ((await res.json()).length === 0) {
      userId = u.id;
      break;
    }
  }
  expect(userId, "a demo billing user without licences").toBeGreaterThan(0);
  await page.goto(`/users/${userId}/analytics`);
  await hydrated(page);
  await expect(page.getByRole("tab", { name: "Analytics" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByText("The user has no analytics licences.")).toBeVisible();
  const form = page.getByTestId("licence-form");
  const input = form.getByLabel("New total for Level 1");
  await input.fill("3");
  await input.locator("xpath=ancestor::form").getByRole("button", { name: "Set" }).click();
  await expect(page.getByTestId("licence-outcome")).toContainText("Saved: Level 1 now has 3 licence(s), 0 in use.");
  const table = page.getByTestId("card-analytics");
  await expect(table.locator("tbody tr").filter({ hasText: "Level 1" }).locator("td").nth(1)).toHaveText("3");
  // It is stored: a reload shows the level.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("card-analytics").locator("tbody tr").filter({ hasText: "Level 1" }).locator("td").nth(1)).toHaveText("3");
});
