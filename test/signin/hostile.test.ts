/**
 * Sign-in against a provider that misbehaves or is played by an attacker: slow_down forever, a token
 * endpoint that hangs, refused codes, an id_token without the nonce or with another one, a mix-up of
 * providers, callbacks from a browser that did not start the flow, replayed state, and callback paths
 * pointing elsewhere. Each is refused with the published code, and nothing is minted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  FAKE_SIGN_IN_CLIENT,
  type FakeSignInProvider,
  startFakeSignInProvider,
} from "../support/fake-sign-in-provider.js";
import { type Harness, startHarness } from "../support/harness.js";
import { leakedLines, rememberSecret } from "../support/log-collector.js";
import { call, closeAgents, cookiePair, type SignInResponse } from "./http.js";

let fake: FakeSignInProvider;
let noDevice: FakeSignInProvider;
let h: Harness;
const seen: string[] = [];

const HTTP_TIMEOUT_MS = 300;

beforeAll(async () => {
  fake = await startFakeSignInProvider({ interval: 1 });
  noDevice = await startFakeSignInProvider({ device: false });
  const signIn = (p: FakeSignInProvider) => ({
    client_id: FAKE_SIGN_IN_CLIENT,
    client_secret: p.clientSecret,
    callback_paths: ["/v1/callback", "/auth/callback"],
  });
  h = await startHarness({
    integrations: [
      {
        name: "fake",
        issuer: fake.issuer,
        audiences: [FAKE_SIGN_IN_CLIENT],
        user_claim: "preferred_username",
        http_timeout_ms: HTTP_TIMEOUT_MS,
        sign_in: signIn(fake),
      },
      {
        name: "nodevice",
        issuer: noDevice.issuer,
        audiences: [FAKE_SIGN_IN_CLIENT],
        sign_in: signIn(noDevice),
      },
    ],
    databases: {
      fake_db: { integration: "fake", users: ["alice"] },
      nodevice_db: { integration: "nodevice", users: ["alice"] },
    },
  });
  rememberSecret(h.provider.signIn.clientSecret);
});
afterAll(async () => {
  await closeAgents();
  await h?.close();
  await fake?.close();
  await noDevice?.close();
});

// Each test is its own client, so the device verify limit counts per test.
let client = 0;
let me = "127.0.2.0";
beforeEach(() => {
  me = `127.0.2.${++client}`;
});

async function post(path: string, body?: unknown, cookie?: string): Promise<SignInResponse> {
  const r = await call(`${h.url}${path}`, body, { cookie, from: me });
  seen.push(r.text, ...r.setCookies, r.headers.get("location") ?? "");
  return r;
}
async function get(pathAndQuery: string, cookie?: string): Promise<SignInResponse> {
  const r = await call(`${h.url}${pathAndQuery}`, undefined, { method: "GET", cookie, from: me });
  seen.push(r.text, ...r.setCookies);
  return r;
}

function expectRefused(r: SignInResponse, status: number, vendorCode: number) {
  expect(r.status, r.text).toBe(status);
  expect(r.json.status.vendor_code).toBe(vendorCode);
  expect(r.json.access_token).toBeUndefined();
  expect(r.text).not.toMatch(/eyJ/);
  expect(cookiePair(r.setCookies, "ocient_sso_session")).toBeUndefined();
}

const tokenCalls = (p: FakeSignInProvider) => p.requests.get("/token") ?? 0;

async function startDevice(): Promise<string> {
  const r = await post("/v1/sso_device_grant", { database: "fake_db" });
  expect(r.status, r.text).toBe(200);
  return r.json.user_code;
}

describe("device grant against a hostile provider", () => {
  it("a provider answering slow_down forever ends at the timeout with 400 -1238, polling ever slower", async () => {
    fake.tokenMode = "slow_down";
    const userCode = await startDevice();
    const before = tokenCalls(fake);
    expectRefused(await post("/v1/sso_device_grant_verify", { user_code: userCode, timeout: 3 }), 400, -1238);
    // slow_down added 5 s to the 1 s interval: the next poll falls after this timeout, and after the next
    // call's too, which therefore does not poll at all.
    expectRefused(await post("/v1/sso_device_grant_verify", { user_code: userCode, timeout: 3 }), 400, -1238);
    expect(tokenCalls(fake) - before).toBe(1);
  });

  it("a token endpoint that hangs answers 503 -1220 after http_timeout_ms, and the code survives", async () => {
    fake.tokenMode = "hang";
    const userCode = await startDevice();
    const started = performance.now();
    const r = await post("/v1/sso_device_grant_verify", { user_code: userCode, timeout: 30 });
    expectRefused(r, 503, -1220);
    expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(performance.now() - started).toBeLessThan(10_000);
    fake.tokenMode = "tokens";
    fake.idTokenClaims = {};
    const done = await post("/v1/sso_device_grant_verify", { user_code: userCode, timeout: 5 });
    expect(done.status, done.text).toBe(200);
    expect(done.json.username).toBe("alice");
  });

  it.each([
    ["expired_token", 403, -1251],
    ["access_denied", 403, -1251],
    ["invalid_grant", 401, -1235],
  ] as const)(
    "the provider answering %s is refused with %i %i, and the code is gone",
    async (mode, status, code) => {
      fake.tokenMode = mode;
      const userCode = await startDevice();
      const r = await post("/v1/sso_device_grant_verify", { user_code: userCode, timeout: 5 });
      expectRefused(r, status, code);
      if (status === 401) expect(r.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      expectRefused(await post("/v1/sso_device_grant_verify", { user_code: userCode }), 400, -1203);
    },
  );

  it("a provider without a device endpoint answers 400 -1252", async () => {
    expectRefused(await post("/v1/sso_device_grant", { database: "nodevice_db" }), 400, -1252);
  });
});

/** Starts the browser flow at `database` without a redirect; the URL's parameters and the binding cookie. */
async function startBrowser(database = "fake_db", extra: Record<string, unknown> = {}) {
  const r = await post("/v1/sso_authentication", { database, do_redirect: false, ...extra });
  expect(r.status, r.text).toBe(200);
  const url = new URL(r.json.redirect_url);
  const cookie = cookiePair(r.setCookies, "ocient_sso_sign_in");
  expect(cookie).toBeDefined();
  return {
    url,
    state: url.searchParams.get("state") as string,
    nonce: url.searchParams.get("nonce") as string,
    cookie: cookie as string,
  };
}

function callbackQuery(params: Record<string, string>): string {
  return `/v1/callback?${new URLSearchParams(params)}`;
}

describe("browser flow against a hostile provider", () => {
  it("the control case: the right nonce, iss and cookie mint, and set the session cookie", async () => {
    fake.tokenMode = "tokens";
    const { state, nonce, cookie } = await startBrowser();
    fake.idTokenClaims = { nonce };
    const r = await get(callbackQuery({ code: "c", state, iss: fake.issuer }), cookie);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ username: "alice", database: "fake_db", status: { vendor_code: 0 } });
    expect(cookiePair(r.setCookies, "ocient_sso_session")).toBe(`ocient_sso_session=${r.json.access_token}`);
    // Replayed: the state was taken once.
    expectRefused(await get(callbackQuery({ code: "c", state, iss: fake.issuer }), cookie), 400, -1203);
  });

  it.each([
    ["without the nonce", undefined],
    ["with another nonce", "not-the-nonce-of-this-sign-in"],
  ])("an id_token %s is refused with 401 -1231", async (_, nonce) => {
    fake.tokenMode = "tokens";
    const { state, cookie } = await startBrowser();
    fake.idTokenClaims = { nonce };
    expectRefused(await get(callbackQuery({ code: "c", state, iss: fake.issuer }), cookie), 401, -1231);
  });

  it("an id_token issued to another client is refused with 401 -1233", async () => {
    fake.tokenMode = "tokens";
    const { state, nonce, cookie } = await startBrowser();
    fake.idTokenClaims = { nonce, aud: "someone-else" };
    expectRefused(await get(callbackQuery({ code: "c", state, iss: fake.issuer }), cookie), 401, -1233);
  });

  it("mix-up: an authorization response naming another provider is refused (401 -1232) before any code is sent", async () => {
    fake.tokenMode = "tokens";
    const before = tokenCalls(fake);
    const { state, cookie } = await startBrowser();
    expectRefused(await get(callbackQuery({ code: "c", state, iss: h.provider.issuer }), cookie), 401, -1232);
    // RFC 9207 §2.4: a provider that promises `iss` must send it.
    const second = await startBrowser();
    expectRefused(await get(callbackQuery({ code: "c", state: second.state }), second.cookie), 401, -1232);
    expect(tokenCalls(fake)).toBe(before);
  });

  it("mix-up: a flow started at the real provider does not accept a response naming the fake one", async () => {
    const { state, cookie } = await startBrowser("retail_analytics");
    expectRefused(await get(callbackQuery({ code: "c", state, iss: fake.issuer }), cookie), 401, -1232);
  });

  it("login CSRF: a callback without the binding cookie, or with another flow's, is refused with 400 -1203", async () => {
    fake.tokenMode = "tokens";
    const before = tokenCalls(fake);
    const victim = await startBrowser();
    const attacker = await startBrowser();
    expectRefused(
      await get(callbackQuery({ code: "c", state: attacker.state, iss: fake.issuer })),
      400,
      -1203,
    );
    expectRefused(
      await get(callbackQuery({ code: "c", state: victim.state, iss: fake.issuer }), attacker.cookie),
      400,
      -1203,
    );
    expect(tokenCalls(fake)).toBe(before);
  });

  it("an unknown state is refused with 400 -1203", async () => {
    const { cookie } = await startBrowser();
    expectRefused(
      await get(callbackQuery({ code: "c", state: "made-up", iss: fake.issuer }), cookie),
      400,
      -1203,
    );
  });

  it("the provider's error answer is refused with 403 -1251", async () => {
    const { state, cookie } = await startBrowser();
    expectRefused(
      await get(callbackQuery({ error: "access_denied", state, iss: fake.issuer }), cookie),
      403,
      -1251,
    );
  });

  it("the token endpoint refusing the code is 401 -1235; hanging is 503 -1220", async () => {
    fake.tokenMode = "invalid_grant";
    const first = await startBrowser();
    expectRefused(
      await get(callbackQuery({ code: "c", state: first.state, iss: fake.issuer }), first.cookie),
      401,
      -1235,
    );
    fake.tokenMode = "hang";
    const second = await startBrowser();
    expectRefused(
      await get(callbackQuery({ code: "c", state: second.state, iss: fake.issuer }), second.cookie),
      503,
      -1220,
    );
  });
});

describe("sso_authentication", () => {
  it("do_redirect (default true) answers 302 to the provider's authorization endpoint with PKCE S256", async () => {
    const r = await post("/v1/sso_authentication", {
      database: "fake_db",
      sso_callback_path: "/auth/callback",
    });
    expect(r.status, r.text).toBe(302);
    const location = new URL(r.headers.get("location") as string);
    expect(`${location.origin}${location.pathname}`).toBe(`${fake.issuer}/auth`);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      response_type: "code",
      client_id: FAKE_SIGN_IN_CLIENT,
      redirect_uri: `${h.url}/auth/callback`,
      scope: "openid profile email",
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: "S256",
    });
    const binding = r.setCookies.find((c) => c.startsWith("ocient_sso_sign_in="));
    expect(binding).toMatch(/; Path=\/auth\/callback; Max-Age=600; HttpOnly; SameSite=Lax$/);
  });

  it.each([
    ["an absolute URL", "https://evil.example/v1/callback"],
    ["a scheme-relative URL", "//evil.example/v1/callback"],
    ["a backslash", "/\\evil.example/v1/callback"],
    ["a leading backslash", "\\\\evil.example"],
    ["an encoded slash", "/v1%2Fcallback"],
    ["an encoded backslash", "/%5Cevil.example"],
    ["a dot-dot segment", "/v1/../v1/callback"],
    ["a dot segment", "/./v1/callback"],
    ["a path off the allow-list", "/somewhere/else"],
    ["a query", "/v1/callback?next=https://evil.example"],
    ["an empty path", ""],
  ])("refuses sso_callback_path with %s (400 -1254), sets no cookie, redirects nowhere", async (_, path) => {
    for (const key of ["sso_callback_path", "sso_callback_path\t"]) {
      for (const do_redirect of [true, false]) {
        const r = await post("/v1/sso_authentication", { database: "fake_db", [key]: path, do_redirect });
        expectRefused(r, 400, -1254);
        expect(r.headers.get("location")).toBeNull();
        expect(r.setCookies).toEqual([]);
      }
    }
  });

  it("refuses both spellings of sso_callback_path at once, and a non-boolean do_redirect (400 -1254)", async () => {
    const both = { sso_callback_path: "/v1/callback", "sso_callback_path\t": "/v1/callback" };
    expectRefused(await post("/v1/sso_authentication", both), 400, -1254);
    expectRefused(await post("/v1/sso_authentication", { do_redirect: "yes" }), 400, -1254);
  });

  it("answers 400 -1252 without a sign_in client, with or without do_redirect", async () => {
    const plain = await startHarness({ provider: h.provider, dev: { sign_in: undefined } });
    try {
      for (const do_redirect of [true, false]) {
        const r = await call(`${plain.url}/v1/sso_authentication`, { do_redirect });
        expectRefused(r, 400, -1252);
        expect(r.headers.get("location")).toBeNull();
      }
      expectRefused(await call(`${plain.url}/v1/sso_device_grant`, {}), 400, -1252);
    } finally {
      await plain.close();
    }
  });
});

describe("secrets", () => {
  it("no device code reaches a response, and no token, device code or secret a log line", () => {
    expect(fake.deviceCodes.length).toBeGreaterThan(0);
    for (const code of fake.deviceCodes) {
      expect(seen.some((text) => text.includes(code))).toBe(false);
      expect(h.logs.some((line) => line.includes(code))).toBe(false);
    }
    expect(leakedLines()).toEqual([]);
  });
});
