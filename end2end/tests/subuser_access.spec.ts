import { expect, Page, APIRequestContext } from "@playwright/test";
import { test, api, billing, hydrated, signIn } from "./helpers";

// A sub user's own Access settings tab offers exactly what its main user's
// licences allow (issue 16): the same rule as the main user's Sub users tab.
// Covered for a main user with no licences and for one with Level 1 only;
// after a refused save the form keeps the ticks and says why beside Save.

const slugsOf = (groups: any[]) => groups.flatMap((g: any) => g.items.map((i: any) => i.slug)).sort();

/** A main user (every analytics type granted, licences per `levels`) with one sub user. */
async function mainWithSub(page: Page, request: APIRequestContext, levels: string[]) {
  const n = Date.now().toString(36) + Math.floor(Math.random() * 1000);
  const main = { login: `sa-main-${n}`, password: "e2e-subscriber-pw", account: `SA-${n}` };
  await billing(request, "billing.new_entity", { account: main.account, login: main.login, password: main.password, name: `Licence Main ${n}` });
  const mainId = (await (await api(page.request, "users/list", { "query[q]": main.login })).json()).rows[0].id;
  // Every analytics type on top of the billing defaults.
  const access = await (await api(page.request, "card/access", { user_id: String(mainId) })).json();
  const slugs: string[] = access.groups.flatMap((g: any) => g.items.filter((i: any) => i.checked || i.slug.startsWith("analytic-cases-")).map((i: any) => i.slug));
  const form: Record<string, string> = { user_id: String(mainId), version: String(access.permissions_version) };
  slugs.forEach((s, i) => (form[`permissions[${i}]`] = s));
  expect((await api(page.request, "access/save", form)).status()).toBe(200);
  const licences = await (await api(page.request, "access/licences", { user_id: String(mainId) })).json();
  for (const name of levels) {
    const level = licences.levels.find((l: any) => l.level === name);
    const res = await api(page.request, "access/licences/set", { user_id: String(mainId), level_id: String(level.level_id), total: "2", version: "0" });
    expect(res.status(), await res.text()).toBe(200);
  }
  // The main user creates its sub user in the web client.
  const client = await page.context().browser()!.newContext({ baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000" });
  const login = await api(client.request, "client/login", { login: main.login, password: main.password });
  expect([200, 302, 303]).toContain(login.status());
  const created = await api(client.request, "client/sub-users/create", {
    login: `sa-sub-${n}`,
    name: `Licence Sub ${n}`,
    password: "sub-user-pw-1",
    "permissions[0]": "cameras-view",
  });
  expect(created.status(), await created.text()).toBe(200);
  const subId: number = await created.json();
  await client.close();
  return { mainId, subId };
}

/** The analytics types of `levels`, as slugs. */
async function typesOf(page: Page, mainId: number, levels: string[]) {
  const access = await (await api(page.request, "card/access", { user_id: String(mainId) })).json();
  const analytics = access.groups.find((g: any) => g.label === "Analytics types");
  return analytics.items
    .filter((i: any) => levels.some((l) => i.label.endsWith(`(${l})`)))
    .map((i: any) => i.slug)
    .sort();
}

for (const [label, levels] of [
  ["no licences", [] as string[]],
  ["Level 1 only", ["Level 1"]],
] as const) {
  test(`a sub user's Access settings tab offers what its main user's licences allow: ${label}`, async ({ page, request }) => {
    await signIn(page);
    const { mainId, subId } = await mainWithSub(page, request, [...levels]);
    const expectedTypes = await typesOf(page, mainId, [...levels]);
    if (levels.length > 0) expect(expectedTypes.length).toBeGreaterThan(0);

    await page.goto(`/users/${subId}/access`);
    await hydrated(page);
    const form = page.getByTestId("card-access");
    const offered = (await form.locator("input[name=permissions]").evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).sort();
    const offeredTypes = offered.filter((s) => s.startsWith("analytic-cases-"));
    expect(offeredTypes).toEqual(expectedTypes);
    expect(offered.filter((s) => s.startsWith("users-"))).toEqual([]);
    await expect(form.locator("legend", { hasText: /^Sub users$/ })).toHaveCount(0);
    // The same rule as the main user's Sub users tab.
    const fromMain = await (await api(page.request, "access/sub-user", { user_id: String(mainId), sub_user_id: String(subId) })).json();
    expect(slugsOf(fromMain.groups)).toEqual(offered);

    // A refused save keeps the ticks and says why beside Save: the main
    // user loses PTZ while the form is open.
    const ptz = form.getByLabel("Move PTZ cameras");
    await ptz.check();
    const mainAccess = await (await api(page.request, "card/access", { user_id: String(mainId) })).json();
    const keep: string[] = mainAccess.groups.flatMap((g: any) => g.items.filter((i: any) => i.checked && i.slug !== "ptz").map((i: any) => i.slug));
    const f: Record<string, string> = { user_id: String(mainId), version: String(mainAccess.permissions_version) };
    keep.forEach((s, i) => (f[`permissions[${i}]`] = s));
    expect((await api(page.request, "access/save", f)).status()).toBe(200);
    await form.getByRole("button", { name: "Save" }).click();
    const outcome = form.locator(".form-actions").getByTestId("save-outcome");
    await expect(outcome).toContainText("more than the main user has");
    await expect(ptz).toBeChecked();
  });
}
