// What the benchmark scripts share: headless Debian Chromium launched the
// same way (nothing in the background that would compete with the page),
// and the administrator's sign-in through the API.
import { chromium } from "@playwright/test";

/** Chromium, with `--js-flags=<jsFlags>` when given. */
export function launch(jsFlags) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      ...(jsFlags ? [`--js-flags=${jsFlags}`] : []),
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    ],
  });
}

/** Signs `admin` in on `ctx` (a context made with a `baseURL`). */
export async function signIn(ctx, password) {
  const res = await ctx.request.post("/api/login", { form: { login: "admin", password }, headers: { accept: "application/json" } });
  if (res.status() !== 200) throw new Error(`sign-in: ${res.status()} ${await res.text()}`);
}
