/**
 * The device grant against the real oidc-provider: the user finishes on the provider's own device pages
 * (submitted over HTTP, as a second device would), and the service mints from the id_token it polled
 * for, with the policy of /v1/sso_token.
 */
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { leakedLines, rememberSecret } from "../support/log-collector.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { call, closeAgents, type SignInResponse } from "./http.js";

let provider: EmbeddedProvider;
let h: Harness;

beforeAll(async () => {
  provider = await startEmbeddedProvider({ deviceIntervalSeconds: 1 });
  rememberSecret(provider.signIn.clientSecret);
  h = await startHarness({
    provider,
    databases: {
      alice_only: { users: ["alice"] },
      // Served by an integration that has no sign_in client.
      no_sign_in: { integration: "plain", users: ["alice"] },
    },
    integrations: [{ name: "plain", issuer: "http://127.0.0.1:9/plain", audiences: ["x"] }],
  });
});
afterAll(async () => {
  await closeAgents();
  await h?.close();
  await provider?.close();
});

// Each test is its own client (a loopback address of its own), so verify attempts are counted per test.
let client = 0;
let me = "127.0.1.0";
beforeEach(() => {
  me = `127.0.1.${++client}`;
});
const start = (body: unknown, from = me) => call(`${h.url}/v1/sso_device_grant`, body, { from });
const verify = (body: unknown, from = me) => call(`${h.url}/v1/sso_device_grant_verify`, body, { from });

function expectRefused(r: SignInResponse, status: number, vendorCode: number) {
  expect(r.status, r.text).toBe(status);
  expect(r.json.status.vendor_code).toBe(vendorCode);
  expect(r.json.access_token).toBeUndefined();
  expect(r.text).not.toMatch(/eyJ/);
}

async function verifyMinted(token: string) {
  const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
  return (await jwtVerify(token, jwks, { issuer: h.config.token.issuer, typ: "at+jwt" })).payload;
}

describe("POST /v1/sso_device_grant", () => {
  it("answers the published shape, and never the device code", async () => {
    const r = await start({ database: "retail_analytics" });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(r.json).sort()).toEqual([
      "expires_in",
      "interval",
      "status",
      "user_code",
      "verification_uri",
      "verification_uri_complete",
    ]);
    expect(r.json).toMatchObject({
      verification_uri: `${provider.issuer}/device`,
      verification_uri_complete: `${provider.issuer}/device?user_code=${encodeURIComponent(r.json.user_code)}`,
      user_code: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
      expires_in: 600,
      interval: 1,
      status: { reason: "Device authorization initiated", sql_state: "00000", vendor_code: 0 },
    });
  });

  it("takes no body at all (database defaults to system)", async () => {
    const r = await start(undefined);
    expect(r.status, r.text).toBe(200);
  });

  it("answers 400 -1252 for a database whose integration has no sign_in client", async () => {
    expectRefused(await start({ database: "no_sign_in" }), 400, -1252);
  });
});

describe("POST /v1/sso_device_grant_verify", () => {
  it("completes through the provider's own device pages and mints as /v1/sso_token would", async () => {
    const started = (await start({ database: "retail_analytics" })).json;
    await provider.completeDeviceFlow(started.verification_uri_complete, "alice");
    const r = await verify({ user_code: started.user_code, timeout: "10" });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.json).toEqual({
      access_token: expect.any(String),
      username: "alice",
      database: "retail_analytics",
      expires_in: expect.any(Number),
      token_type: "Bearer",
      status: { reason: "Authentication successful", sql_state: "00000", vendor_code: 0 },
    });
    const payload = await verifyMinted(r.json.access_token);
    expect(payload).toMatchObject({
      sub: "alice",
      database: "retail_analytics",
      groups: ["analysts"],
      idp: "dev",
      client_id: provider.signIn.clientId,
    });
    // A user code works once.
    expectRefused(await verify({ user_code: started.user_code }), 400, -1203);
  });

  it("waits within the timeout while the user signs in, polling at the provider's interval", async () => {
    const started = (await start({ database: "retail_analytics" })).json;
    const waiting = verify({ user_code: started.user_code, timeout: 20 });
    await provider.completeDeviceFlow(started.verification_uri_complete, "alice");
    const r = await waiting;
    expect(r.status, r.text).toBe(200);
    expect(r.json.username).toBe("alice");
  });

  it("answers 400 -1238 when the user has not finished by the timeout, and the code keeps working", async () => {
    const started = (await start({ database: "retail_analytics" })).json;
    expectRefused(await verify({ user_code: started.user_code, timeout: 1 }), 400, -1238);
    await provider.completeDeviceFlow(started.verification_uri_complete, "alice");
    const r = await verify({ user_code: started.user_code, timeout: "5" });
    expect(r.status, r.text).toBe(200);
  });

  it("stops polling when the caller hangs up: the code is free at once for the next verify", async () => {
    const started = (await start({ database: "retail_analytics" })).json;
    const hangUp = new AbortController();
    const leaving = call(
      `${h.url}/v1/sso_device_grant_verify`,
      { user_code: started.user_code, timeout: 60 },
      { from: me, signal: hangUp.signal },
    ).catch((err: unknown) => err);
    // Half the provider's interval (1 s): the service has polled once and waits for the next poll.
    await new Promise((resolve) => setTimeout(resolve, 500));
    hangUp.abort();
    expect(await leaving).toBeInstanceOf(Error);
    await provider.completeDeviceFlow(started.verification_uri_complete, "alice");
    // A poll still waiting would hold the code (400 -1238, "being verified by another request") and
    // take the provider's tokens at its next poll (then 400 -1203 here).
    const r = await verify({ user_code: started.user_code, timeout: 10 });
    expect(r.status, r.text).toBe(200);
    expect(r.json.username).toBe("alice");
  });

  it("applies the database's grants: a user not granted gets 403 -1251, and nothing is minted", async () => {
    const started = (await start({ database: "retail_analytics" })).json;
    await provider.completeDeviceFlow(started.verification_uri_complete, "bob");
    expectRefused(await verify({ user_code: started.user_code, timeout: 5 }), 403, -1251);
  });

  it("mints for another database named at verify, under that database's grants", async () => {
    const started = (await start({})).json;
    await provider.completeDeviceFlow(started.verification_uri_complete, "alice");
    const r = await verify({ user_code: started.user_code, database: "alice_only", timeout: 5 });
    expect(r.status, r.text).toBe(200);
    expect((await verifyMinted(r.json.access_token)).database).toBe("alice_only");
  });

  it("answers 403 -1251 when the user aborts on the provider's page", async () => {
    const started = (await start({ database: "retail_analytics" })).json;
    await provider.completeDeviceFlow(started.verification_uri_complete, "alice", "abort");
    expectRefused(await verify({ user_code: started.user_code, timeout: 5 }), 403, -1251);
    expectRefused(await verify({ user_code: started.user_code }), 400, -1203);
  });

  it.each([
    ["0", 0],
    ["601", "601"],
    ["a fraction", 1.5],
    ["a word", "soon"],
    ["a boolean", true],
    ["a negative string", "-5"],
    ['"000"', "000"],
    ["a string with spaces", " 5"],
  ])("refuses a timeout of %s with 400 -1254", async (_, timeout) => {
    const started = (await start({})).json;
    expectRefused(await verify({ user_code: started.user_code, timeout }), 400, -1254);
  });

  it.each([
    ["no user_code", {}],
    ["a numeric user_code", { user_code: 12345678 }],
    ["an empty user_code", { user_code: "" }],
    ["an empty database", { user_code: "BCDF-GHJK", database: "" }],
  ])("refuses %s with 400 -1254", async (_, body) => {
    expectRefused(await verify(body), 400, -1254);
  });

  it("refuses a grant for an empty database with 400 -1254", async () => {
    expectRefused(await start({ database: "" }), 400, -1254);
  });
});

describe("user-code guessing", () => {
  it("answers an unknown code, a used one and another client's pending one alike (400 -1203)", async () => {
    const started = (await start({ database: "retail_analytics" })).json;
    const unknown = await verify({ user_code: "BCDF-GHJK", timeout: 1 }, "127.0.0.5");
    const pendingElsewhere = await verify({ user_code: started.user_code, timeout: 1 }, "127.0.0.5");
    expectRefused(unknown, 400, -1203);
    expectRefused(pendingElsewhere, 400, -1203);
    expect(pendingElsewhere.json).toEqual(unknown.json);
    // The guess did not consume or disturb the code: its own client completes it.
    await provider.completeDeviceFlow(started.verification_uri_complete, "alice");
    expect((await verify({ user_code: started.user_code, timeout: 5 })).status).toBe(200);
  });

  it("limits verify attempts per client (429 -1256 once over), the same for pending and unknown codes", async () => {
    const guesser = "127.0.0.6";
    const started = (await start({ database: "retail_analytics" }, guesser)).json;
    for (let i = 0; i < 10; i++) {
      expectRefused(await verify({ user_code: `BCDF-GH${String(i).padStart(2, "0")}` }, guesser), 400, -1203);
    }
    const unknown = await verify({ user_code: "ZZZZ-ZZZZ" }, guesser);
    const pending = await verify({ user_code: started.user_code, timeout: 1 }, guesser);
    for (const r of [unknown, pending]) {
      expectRefused(r, 429, -1256);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(pending.json).toEqual(unknown.json);
    // Another client is not limited by the guesser's attempts.
    expectRefused(await verify({ user_code: "ZZZZ-ZZZZ" }, "127.0.0.7"), 400, -1203);
  });

  it("logs no token, user code or secret", () => {
    expect(leakedLines()).toEqual([]);
  });
});
