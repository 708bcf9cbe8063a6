import { expect, Page } from "@playwright/test";
import { test, hydrated, signIn } from "./helpers";

// The user card header keeps one layout (issue 16): a grid of title |
// buttons, facts, and a reserved message line, at 1,280 and 1,920 px and on
// a narrow window. Screenshots of each go into the test output; the header's
// height must not change when a message appears.

const HEAVY = 1;
const WIDTHS: [string, number, number][] = [
  ["1280", 1280, 800],
  ["1920", 1920, 1080],
  ["narrow", 390, 844],
];

async function headerBox(page: Page) {
  const box = await page.getByTestId("card-header").boundingBox();
  expect(box).not.toBeNull();
  return box!;
}

for (const [label, width, height] of WIDTHS) {
  test(`card header at ${label}: screenshot, and a message does not change its height`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    await signIn(page);
    await page.goto(`/users/${HEAVY}/user`);
    await hydrated(page);
    const header = page.getByTestId("card-header");
    await expect(header).toBeVisible();
    const shot = testInfo.outputPath(`card-header-${label}.png`);
    await header.screenshot({ path: shot });
    await testInfo.attach(`card-header-${label}`, { path: shot, contentType: "image/png" });

    const before = await headerBox(page);
    const buttons = await page.getByTestId("sync-cameras").boundingBox();
    // Everything sits inside the header: nothing overflows at this width.
    expect(buttons!.x + buttons!.width).toBeLessThanOrEqual(before.x + before.width + 0.5);
    await page.getByTestId("sync-cameras").click();
    await expect(page.getByTestId("sync-outcome")).toBeVisible();
    const after = await headerBox(page);
    expect(after.height, "the header's height with a message").toBe(before.height);
    // The buttons did not move either.
    const buttonsAfter = await page.getByTestId("sync-cameras").boundingBox();
    expect(buttonsAfter).toEqual(buttons);
    const withMessage = testInfo.outputPath(`card-header-${label}-message.png`);
    await header.screenshot({ path: withMessage });
    await testInfo.attach(`card-header-${label}-message`, { path: withMessage, contentType: "image/png" });
  });
}

test("a long name does not push the buttons below the title", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page);
  // The heavy subscriber has a long company name; a short-named user for comparison.
  const short = await page.request.post("/api/users/list", {
    form: { "query[kind]": "sub", "query[sort]": "id", "query[dir]": "asc" },
    headers: { accept: "application/json" },
  });
  const sub = (await short.json()).rows[0].id;
  const measure = async (id: number) => {
    await page.goto(`/users/${id}/user`);
    await hydrated(page);
    const h = await headerBox(page);
    const title = await page.locator("#card-title").boundingBox();
    const actions = await page.locator(".card-actions").boundingBox();
    return { h, title: title!, actions: actions! };
  };
  const long = await measure(HEAVY);
  // Title and buttons share the first row.
  expect(long.actions.y).toBeLessThan(long.title.y + long.title.height);
  const other = await measure(sub);
  expect(other.actions.y).toBeLessThan(other.title.y + other.title.height);
});
