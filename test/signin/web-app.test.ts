/**
 * A web app on another origin (another loopback port, the same site) signs a person in through the
 * browser flow in real Chromium: its page calls sso_authentication with `return_to` (CORS, credentials),
 * the person signs in at the provider, the callback answers 303 back to the app with no token in the
 * URL, and the app's page obtains the token with token_refresh and the session cookie. A page of an
 * origin not listed gets no CORS answer and no token; a `return_to` off the list is refused.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browsers, browsers, signInAtProvider } from "../support/chromium.js";
import { type Harness, startHarness } from "../support/harness.js";
import { leakedLines, rememberSecret, rememberToken } from "../support/log-collector.js";
import { call, closeAgents, cookiePair } from "./http.js";

let h: Harness;
let app: Server;
let other: Server;
let appOrigin: string;
let otherOrigin: string;
const chromium: Browsers = browsers();

/** A web app: any path answers an empty HTML page; its scripts are what the test evaluates in it. */
async function webApp(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>app ${req.url}</title>`),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  ({ server: app, origin: appOrigin } = await webApp());
  ({ server: other, origin: otherOrigin } = await webApp());
  h = await startHarness({
    server: { cors_origins: [appOrigin], return_urls: [`${appOrigin}/signed-in`] },
  });
  rememberSecret(h.provider.signIn.clientSecret);
});
afterAll(async () => {
  await chromium.close();
  await closeAgents();
  await h?.close();
  app?.close();
  other?.close();
});

/** What the app's page does to start: sso_authentication without redirect, cookies included. */
function startFrom(page: Page, sso: string, returnTo: string) {
  return page.evaluate(
    async ({ sso, returnTo }) => {
      try {
        const r = await fetch(`${sso}/v1/sso_authentication`, {
          method: "POST",
          credentials: "include",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ database: "retail_analytics", do_redirect: false, return_to: returnTo }),
        });
        return { status: r.status, json: await r.json() };
      } catch (err) {
        return { blocked: String(err) };
      }
    },
    { sso, returnTo },
  );
}

/** What the app's page does once back: token_refresh with the session cookie, no Authorization. */
function tokenFrom(page: Page, sso: string) {
  return page.evaluate(async (sso) => {
    try {
      const r = await fetch(`${sso}/v1/token_refresh`, {
        method: "POST",
        credentials: "include",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ database: "retail_analytics" }),
      });
      return { status: r.status, json: await r.json() };
    } catch (err) {
      return { blocked: String(err) };
    }
  }, sso);
}

describe("a web app on another origin", () => {
  it("signs in through the browser flow, returns to the app, and obtains a token", async () => {
    const { page } = await chromium.open();
    await page.goto(`${appOrigin}/`);
    const started = await startFrom(page, h.url, `${appOrigin}/signed-in`);
    expect(started).toMatchObject({ status: 200, json: { redirect_url: expect.any(String) } });
    await page.goto((started as { json: { redirect_url: string } }).json.redirect_url);
    const callback = page.waitForResponse((r) => r.url().startsWith(`${h.url}/v1/callback?`));
    await signInAtProvider(page, "alice", `${h.url}/v1/callback?`);
    const answer = await callback;
    expect(answer.status()).toBe(303);
    expect(answer.headers().location).toBe(`${appOrigin}/signed-in`);
    await page.waitForURL(`${appOrigin}/signed-in`);
    // Back in the app, with nothing in its URL.
    expect(page.url()).toBe(`${appOrigin}/signed-in`);

    const got = (await tokenFrom(page, h.url)) as { status: number; json: Record<string, unknown> };
    rememberToken(got.json.access_token);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ username: "alice", database: "retail_analytics", token_type: "Bearer" });
    const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(got.json.access_token as string, jwks, {
      issuer: h.config.token.issuer,
      typ: "at+jwt",
    });
    expect(payload).toMatchObject({ sub: "alice", database: "retail_analytics" });

    // A page of an origin not listed, in the same browser (same site, same cookies): CORS blocks both
    // calls, so it reads nothing.
    await page.goto(`${otherOrigin}/`);
    expect(await tokenFrom(page, h.url)).toEqual({ blocked: expect.stringContaining("Failed to fetch") });
    expect(await startFrom(page, h.url, `${appOrigin}/signed-in`)).toEqual({
      blocked: expect.stringContaining("Failed to fetch"),
    });
  });
});

describe("CORS and the session cookie over HTTP", () => {
  const preflight = (origin: string, path = "/v1/token_refresh") =>
    call(`${h.url}${path}`, undefined, {
      method: "OPTIONS" as "GET",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });

  it("a listed origin's preflight is answered for a served operation, with its methods", async () => {
    const r = await preflight(appOrigin);
    expect(r.status).toBe(204);
    expect(Object.fromEntries([...r.headers].filter(([k]) => k.startsWith("access-control-")))).toEqual({
      "access-control-allow-origin": appOrigin,
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "authorization, content-type",
      "access-control-max-age": "600",
    });
    expect(r.headers.get("vary")).toMatch(/Origin/);
  });

  it.each([
    ["an origin not listed", () => otherOrigin],
    ["the listed origin with a trailing slash", () => `${appOrigin}/`],
    ["null", () => "null"],
  ])("%s gets no CORS header, preflight or not", async (_, origin) => {
    const pre = await preflight(origin());
    expect(pre.status).not.toBe(204);
    const post = await call(`${h.url}/v1/info`, undefined, { method: "GET", headers: { origin: origin() } });
    for (const r of [pre, post]) {
      expect([...r.headers.keys()].filter((k) => k.startsWith("access-control-"))).toEqual([]);
    }
  });

  it("the session cookie is a credential only with a trusted Origin", async () => {
    const { json } = await call(`${h.url}/v1/sso_token`, {
      database: "retail_analytics",
      id_token: (await h.provider.issueTokens("alice")).id_token,
    });
    rememberToken(json.id_token);
    const cookie = `ocient_sso_session=${json.id_token}`;
    const body = { database: "retail_analytics" };
    for (const origin of [otherOrigin, undefined]) {
      const refused = await call(
        `${h.url}/v1/token_refresh`,
        {},
        {
          cookie,
          headers: origin === undefined ? {} : { origin },
        },
      );
      expect(refused.status).toBe(401);
      expect(refused.json.status.vendor_code).toBe(-1204);
      expect(refused.json.access_token).toBeUndefined();
    }
    const ok = await call(`${h.url}/v1/token_refresh`, body, { cookie, headers: { origin: appOrigin } });
    expect(ok.status, ok.text).toBe(200);
    // The cookie now carries the new token.
    expect(cookiePair(ok.setCookies, "ocient_sso_session")).toBe(
      `ocient_sso_session=${ok.json.access_token}`,
    );
  });

  it.each([
    ["another origin", () => `${otherOrigin}/signed-in`],
    ["a longer URL", () => `${appOrigin}/signed-in/../../evil`],
    ["a query added", () => `${appOrigin}/signed-in?next=//evil.example`],
    ["another scheme", () => `https://127.0.0.1/signed-in`],
  ])("return_to with %s is refused (400 -1254), no cookie, no redirect", async (_, to) => {
    const r = await call(`${h.url}/v1/sso_authentication`, { database: "retail_analytics", return_to: to() });
    expect(r.status).toBe(400);
    expect(r.json.status.vendor_code).toBe(-1254);
    expect(r.headers.get("location")).toBeNull();
    expect(r.setCookies).toEqual([]);
  });

  it("logs no token or secret", () => {
    expect(leakedLines()).toEqual([]);
  });
});
