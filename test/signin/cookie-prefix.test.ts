/**
 * Issue 16.3: the sign-in cookies can't be planted. Served over https (here: an https `server.public_url`,
 * as behind a TLS proxy), both cookies carry the `__Host-` prefix, so browsers accept them only from this
 * host over https with `Path=/` and no `Domain`: a sibling subdomain or a plain-http page can't set them.
 * A binding planted under the unprefixed name (what such a page could set) is not read at all, so an
 * attacker's state and code can't log the victim into the attacker's account (login CSRF). Over plain
 * http on loopback (development), the names stay unprefixed: see docs/sign-in.md.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FAKE_SIGN_IN_CLIENT,
  type FakeSignInProvider,
  startFakeSignInProvider,
} from "../support/fake-sign-in-provider.js";
import { type Harness, startHarness } from "../support/harness.js";
import { call, closeAgents, cookiePair } from "./http.js";

let fake: FakeSignInProvider;
let https: Harness;
let http: Harness;

beforeAll(async () => {
  fake = await startFakeSignInProvider();
  fake.tokenMode = "tokens";
  const integration = {
    name: "fake",
    issuer: fake.issuer,
    audiences: [FAKE_SIGN_IN_CLIENT],
    user_claim: "preferred_username",
    sign_in: { client_id: FAKE_SIGN_IN_CLIENT, client_secret: fake.clientSecret },
  };
  const databases = { fake_db: { integration: "fake", users: ["alice"] } };
  https = await startHarness({
    integrations: [integration],
    databases,
    server: { public_url: "https://sso.example.test" },
  });
  http = await startHarness({ integrations: [integration], databases });
});
afterAll(async () => {
  await closeAgents();
  await https?.close();
  await http?.close();
  await fake?.close();
});

async function start(h: Harness) {
  const r = await call(`${h.url}/v1/sso_authentication`, { database: "fake_db", do_redirect: false });
  expect(r.status, r.text).toBe(200);
  const url = new URL(r.json.redirect_url);
  return {
    r,
    state: url.searchParams.get("state") as string,
    nonce: url.searchParams.get("nonce") as string,
  };
}

async function callback(h: Harness, state: string, cookie: string) {
  const query = new URLSearchParams({ code: "c", state, iss: fake.issuer });
  return call(`${h.url}/v1/callback?${query}`, undefined, { method: "GET", cookie });
}

describe("over https the sign-in cookies are __Host- cookies", () => {
  it("the binding cookie is __Host-ocient_sso_sign_in: Secure, Path=/, no Domain", async () => {
    const { r } = await start(https);
    expect(r.setCookies).toHaveLength(1);
    expect(r.setCookies[0]).toMatch(
      /^__Host-ocient_sso_sign_in=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
  });

  it("a binding planted under the unprefixed name is not read: the callback is refused, nothing minted", async () => {
    const { r, state, nonce } = await start(https);
    // The binding secret the service handed out, planted under the name a sibling or http page can set.
    const value = (r.setCookies[0] ?? "").split(";", 1)[0]?.split("=")[1];
    fake.idTokenClaims = { nonce };
    const planted = await callback(https, state, `ocient_sso_sign_in=${value}`);
    expect(planted.status, planted.text).toBe(400);
    expect(planted.json.status.vendor_code).toBe(-1203);
    expect(planted.json.access_token).toBeUndefined();
    expect(planted.setCookies.some((c) => /ocient_sso_session=[^;]/.test(c))).toBe(false);
  });

  it("the __Host- binding signs in and sets __Host-ocient_sso_session (Secure, Path=/)", async () => {
    const { r, state, nonce } = await start(https);
    fake.idTokenClaims = { nonce };
    const done = await callback(
      https,
      state,
      cookiePair(r.setCookies, "__Host-ocient_sso_sign_in") as string,
    );
    expect(done.status, done.text).toBe(200);
    expect(done.setCookies).toContain(
      "__Host-ocient_sso_sign_in=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure",
    );
    const session = done.setCookies.find((c) => c.startsWith("__Host-ocient_sso_session="));
    expect(session).toMatch(/; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/);
    expect(session).not.toMatch(/Domain=/i);
  });

  it("token_refresh reads only the __Host- session cookie: a planted unprefixed one is no credential", async () => {
    const { r, state, nonce } = await start(https);
    fake.idTokenClaims = { nonce };
    const done = await callback(
      https,
      state,
      cookiePair(r.setCookies, "__Host-ocient_sso_sign_in") as string,
    );
    const token = done.json.access_token as string;
    const refresh = (cookie: string) =>
      call(
        `${https.url}/v1/token_refresh`,
        { database: "fake_db" },
        {
          cookie,
          headers: { origin: "https://sso.example.test" },
        },
      );
    const planted = await refresh(`ocient_sso_session=${token}`);
    expect(planted.status, planted.text).toBe(401);
    expect(planted.json.status.vendor_code).toBe(-1204);
    const own = await refresh(`__Host-ocient_sso_session=${token}`);
    expect(own.status, own.text).toBe(200);
    expect(own.json.username).toBe("alice");
  });

  it("logout clears the __Host- session cookie", async () => {
    const r = await call(`${https.url}/v1/logout`);
    expect(r.setCookies).toEqual([
      "__Host-ocient_sso_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure",
    ]);
  });
});

describe("over plain http on loopback (development) the names stay unprefixed", () => {
  it("the binding cookie is ocient_sso_sign_in on the callback path, not Secure", async () => {
    const { r } = await start(http);
    expect(r.setCookies[0]).toMatch(
      /^ocient_sso_sign_in=[A-Za-z0-9_-]{43}; Path=\/v1\/callback; Max-Age=600; HttpOnly; SameSite=Lax$/,
    );
  });
});
