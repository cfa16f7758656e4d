/**
 * The browser flow end to end in real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core; no browser download): a page of this service starts sso_authentication, the user
 * signs in on the real provider's login page, the provider sends the browser to the callback, and the
 * session cookie and the minted token are checked. Every request off loopback is blocked.
 */
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browsers, browsers, signInAtProvider as signInAt } from "../support/chromium.js";
import { type Harness, mintedToken, startHarness } from "../support/harness.js";
import { leakedLines, rememberSecret, rememberToken } from "../support/log-collector.js";
import { startEmbeddedProvider } from "../support/provider.js";

let h: Harness;
const chromium: Browsers = browsers();

beforeAll(async () => {
  h = await startHarness();
  rememberSecret(h.provider.signIn.clientSecret);
});
afterAll(async () => {
  await chromium.close();
  await h?.close();
});

const browser = () => chromium.open();

/** What a web page of this service does: sso_authentication without redirect, then go to the provider. */
async function startSignIn(
  page: Page,
  body: Record<string, unknown> = { database: "retail_analytics" },
  at: Harness = h,
) {
  await page.goto(`${at.url}/healthz`);
  const answer = await page.evaluate(async (request) => {
    const r = await fetch("/v1/sso_authentication", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...request, do_redirect: false }),
    });
    return { status: r.status, json: (await r.json()) as { redirect_url: string } };
  }, body);
  expect(answer.status).toBe(200);
  await page.goto(answer.json.redirect_url);
}

function signInAtProvider(
  page: Page,
  account: string,
  callbackPath = "/v1/callback",
  at: Harness = h,
): Promise<string> {
  return signInAt(page, account, `${at.url}${callbackPath}?`);
}

/**
 * The callback URL a sign-in through the allow-listed path /auth/callback reaches, which this service
 * does not serve (a proxy would map it): the browser stops there, and the state and code stay unused.
 */
async function signInUpToCallback(page: Page, account: string): Promise<URL> {
  await startSignIn(page, { database: "retail_analytics", sso_callback_path: "/auth/callback" });
  return new URL(await signInAtProvider(page, account, "/auth/callback"));
}

/** The JSON the page shows (the callback's answer). */
async function shownJson(page: Page): Promise<{ status: { vendor_code: number; reason: string } }> {
  return JSON.parse((await page.locator("body").textContent()) ?? "");
}

describe("the browser flow in Chromium", () => {
  it("signs in from sso_authentication through the provider's login page to the callback", async () => {
    const { context, page } = await browser();
    const callback = page.waitForResponse((r) => r.url().startsWith(`${h.url}/v1/callback`));
    await startSignIn(page);
    const binding = (await context.cookies(`${h.url}/v1/callback`)).find(
      (c) => c.name === "ocient_sso_sign_in",
    );
    expect(binding).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false, path: "/v1/callback" });
    await signInAtProvider(page, "alice");
    const response = await callback;
    expect(response.status()).toBe(200);
    expect(response.headers()["cache-control"]).toBe("no-store");
    const json = await response.json();
    rememberToken(json.access_token);
    expect(json).toEqual({
      access_token: expect.any(String),
      username: "alice",
      database: "retail_analytics",
      expires_in: expect.any(Number),
      token_type: "Bearer",
      status: { reason: "Authentication successful", sql_state: "00000", vendor_code: 0 },
    });

    const cookies = await context.cookies(h.url);
    const session = cookies.find((c) => c.name === "ocient_sso_session");
    expect(session).toMatchObject({
      value: json.access_token,
      httpOnly: true,
      sameSite: "Lax",
      secure: false, // plain HTTP on loopback; Secure under TLS
      path: "/",
    });
    const now = Date.now() / 1000;
    expect(session?.expires).toBeGreaterThan(now + json.expires_in - 30);
    expect(session?.expires).toBeLessThan(now + json.expires_in + 30);
    expect(cookies.find((c) => c.name === "ocient_sso_sign_in")).toBeUndefined();
    // HttpOnly: the page's scripts cannot read it.
    expect(await page.evaluate("document.cookie")).not.toContain("ocient_sso_session");

    const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(json.access_token, jwks, {
      issuer: h.config.token.issuer,
      typ: "at+jwt",
    });
    expect(payload).toMatchObject({
      sub: "alice",
      database: "retail_analytics",
      groups: ["analysts"],
      idp: "dev",
      client_id: h.provider.signIn.clientId,
    });

    // The same callback again: its state was taken once.
    await page.goto(response.url());
    expect((await shownJson(page)).status.vendor_code).toBe(-1203);

    const loggedOut = (await page.evaluate(async () =>
      (await fetch("/v1/logout", { method: "POST" })).json(),
    )) as { status: unknown };
    expect(loggedOut.status).toEqual({
      reason: "Logged out successfully",
      sql_state: "00000",
      vendor_code: 0,
    });
    expect((await context.cookies(h.url)).find((c) => c.name === "ocient_sso_session")).toBeUndefined();
  });

  it("login CSRF: the callback of a flow another browser started is refused (400 -1203), no session", async () => {
    const attacker = await browser();
    const url = await signInUpToCallback(attacker.page, "alice");
    url.pathname = "/v1/callback";

    const victim = await browser();
    const response = await victim.page.goto(url.href);
    expect(response?.status()).toBe(400);
    expect((await shownJson(victim.page)).status).toMatchObject({
      vendor_code: -1203,
      reason: "this browser did not start this sign-in",
    });
    expect((await victim.context.cookies(h.url)).map((c) => c.name)).not.toContain("ocient_sso_session");
  });

  it("a code injected into another flow of the same browser is refused by the provider (401 -1235)", async () => {
    const { context, page } = await browser();
    const first = await signInUpToCallback(page, "alice");
    // A second flow in the same browser (binding cookie set), its callback called with the first code.
    await page.goto(`${h.url}/healthz`);
    const second = (await page.evaluate(async () => {
      const r = await fetch("/v1/sso_authentication", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ database: "retail_analytics", do_redirect: false }),
      });
      return r.json();
    })) as { redirect_url: string };
    const state = new URL(second.redirect_url).searchParams.get("state") as string;
    const injected = new URL(`${h.url}/v1/callback`);
    injected.search = new URLSearchParams({
      code: first.searchParams.get("code") as string,
      state,
      iss: h.provider.issuer,
    }).toString();
    const response = await page.goto(injected.href);
    expect(response?.status()).toBe(401);
    expect((await shownJson(page)).status.vendor_code).toBe(-1235);
    expect((await context.cookies(h.url)).map((c) => c.name)).not.toContain("ocient_sso_session");
    // And that state is spent.
    expect((await page.goto(injected.href))?.status()).toBe(400);
  });

  it("logs no token or secret", () => {
    expect(leakedLines()).toEqual([]);
  });
});

/**
 * A provider that reports `"auth_time": 0` (seen from a real one's code flow): the session must begin at
 * the exchange, not in 1970, so token_refresh works, through the browser flow and through the exchange.
 */
describe("a provider that reports auth_time 0", () => {
  let zero: Harness;
  beforeAll(async () => {
    zero = await startHarness({ provider: await startEmbeddedProvider({ authTime: 0 }) });
    rememberSecret(zero.provider.signIn.clientSecret);
  });
  afterAll(async () => {
    await zero?.close();
    await zero?.provider.close();
  });

  /** token_refresh with `token`: its status and the refreshed token's auth_time. */
  async function refreshed(
    token: string,
  ): Promise<{ status: number; vendor_code: number; auth_time: unknown }> {
    const r = await fetch(`${zero.url}/v1/token_refresh`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ database: "retail_analytics" }),
    });
    const json = (await r.json()) as { access_token?: string; status: { vendor_code: number } };
    rememberToken(json.access_token);
    return {
      status: r.status,
      vendor_code: json.status.vendor_code,
      auth_time: json.access_token && decodeJwt(json.access_token).auth_time,
    };
  }

  it("the provider does send auth_time 0", async () => {
    const { id_token } = await zero.provider.issueTokens("alice");
    rememberToken(id_token);
    expect(decodeJwt(id_token).auth_time).toBe(0);
  });

  it("through the exchange: the session begins at the exchange, and token_refresh succeeds", async () => {
    const { id_token } = await zero.provider.issueTokens("alice");
    const before = Math.floor(Date.now() / 1000);
    const token = mintedToken(await zero.post({ id_token, database: "retail_analytics" }));
    expect(decodeJwt(token).auth_time).toBeGreaterThanOrEqual(before - 1);
    const answer = await refreshed(token);
    expect(answer).toEqual({ status: 200, vendor_code: 0, auth_time: decodeJwt(token).auth_time });
  });

  it("through the browser flow in Chromium: signed in, then token_refresh succeeds", async () => {
    const { page } = await browser();
    const callback = page.waitForResponse((r) => r.url().startsWith(`${zero.url}/v1/callback`));
    const before = Math.floor(Date.now() / 1000);
    await startSignIn(page, { database: "retail_analytics" }, zero);
    await signInAtProvider(page, "alice", "/v1/callback", zero);
    const response = await callback;
    expect(response.status()).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    rememberToken(access_token);
    expect(decodeJwt(access_token).auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(await refreshed(access_token)).toMatchObject({ status: 200, vendor_code: 0 });
  });

  it("logs no token or secret", () => {
    expect(leakedLines()).toEqual([]);
  });
});
