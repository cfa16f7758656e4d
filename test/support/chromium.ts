/**
 * Real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; no browser download)
 * for the browser tests: fresh profiles in which every request off 127.0.0.1 is aborted, and the person
 * signing in on the embedded provider's own login and consent pages.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browsers {
  /** A fresh browser profile; anything not on 127.0.0.1 is aborted. */
  open(): Promise<{ context: BrowserContext; page: Page }>;
  /** Closes every browser opened and removes the profiles. */
  close(): Promise<void>;
}

export function browsers(): Browsers {
  const dirs: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "ocient-sso-chromium-"));
      dirs.push(dir);
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: "/usr/bin/chromium",
        args: CHROMIUM_ARGS,
        headless: true,
      });
      contexts.push(context);
      await context.route("**/*", (route) =>
        new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort(),
      );
      const page = context.pages()[0] ?? (await context.newPage());
      return { context, page };
    },
    async close() {
      for (const context of contexts) await context.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in on the provider's login page and consents, until the browser requests a URL starting with
 * `until` (the callback); answers that URL.
 */
export async function signInAtProvider(page: Page, account: string, until: string): Promise<string> {
  let reached: string | undefined;
  const onRequest = (request: { url(): string }) => {
    if (request.url().startsWith(until)) reached = request.url();
  };
  page.on("request", onRequest);
  try {
    for (let step = 0; step < 6 && !reached; step++) {
      const before = page.url();
      const login = page.locator('input[name="login"]');
      if (await login.count()) {
        await login.fill(account);
        await page.locator('input[name="password"]').fill("any");
      }
      const left = page.waitForURL((url) => url.href !== before, { timeout: 5_000 }).catch(() => {});
      await page.locator('button[type="submit"]').first().click();
      await left;
    }
  } finally {
    page.off("request", onRequest);
  }
  expect(reached).toBeDefined();
  return reached as string;
}
