/** Successful exchanges against the real embedded OpenID provider, and what the minted token says. */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { bodyOf, type Harness, mintedToken, startHarness } from "../support/harness.js";
import { leakedLines, rememberedTokenCount } from "../support/log-collector.js";
import { FIXED_MS, FIXED_S } from "../support/time.js";

const TTL = 600;

let h: Harness;
let fake: FakeProvider;

beforeAll(async () => {
  fake = await startFakeProvider({ now: () => FIXED_MS });
  h = await startHarness({
    // Frozen at start: tokens the real provider issues during the file are at most seconds "in the future".
    now: () => FIXED_MS,
    token: { ttl_seconds: TTL },
    integrations: [{ name: "fake", issuer: fake.issuer, audiences: [FAKE_AUDIENCE] }],
    databases: { fake_db: { integration: "fake", users: ["alice"] }, alice_only: { users: ["alice"] } },
  });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

async function verifyMinted(token: string) {
  const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
  return jwtVerify(token, jwks, { issuer: h.config.token.issuer, audience: h.config.token.issuer });
}

function expectMinted(response: Awaited<ReturnType<Harness["post"]>>, database = "retail_analytics") {
  expect(response.status, response.text).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.json).toEqual({
    id_token: expect.any(String),
    database,
    expires_in: expect.any(Number),
    token_type: "Bearer",
  });
  return mintedToken(response);
}

describe("POST /v1/sso_token against the real provider", () => {
  it("answers the documentation page's curl example exactly as documented", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    // The documented request, byte for byte: one JSON header, two keys.
    const response = await h.post(`{"id_token": "${id_token}", "database": "retail_analytics"}`, {
      contentType: "application/json",
    });
    const minted = expectMinted(response);
    expect(Object.keys(bodyOf(response)).sort()).toEqual([
      "database",
      "expires_in",
      "id_token",
      "token_type",
    ]);
    expect(response.json?.expires_in).toBe(TTL);

    const { payload, protectedHeader } = await verifyMinted(minted);
    expect(protectedHeader).toEqual({ alg: "ES256", typ: "at+jwt", kid: expect.any(String) });
    expect(payload).toEqual({
      iss: h.config.token.issuer,
      sub: "alice",
      aud: h.config.token.issuer,
      azp: h.config.token.issuer,
      database: "retail_analytics",
      groups: ["analysts"],
      client_id: h.provider.clientId,
      idp: "dev",
      iat: FIXED_S,
      exp: FIXED_S + TTL,
      auth_time: expect.any(Number),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    // The session began at sign-in, moments ago on the provider's clock, never after the exchange.
    expect(payload.auth_time).toBeLessThanOrEqual(FIXED_S);
    expect(payload.auth_time).toBeGreaterThan(FIXED_S - 60);
  });

  it("exchanges a JWT access token (typ at+jwt)", async () => {
    const { access_token } = await h.provider.issueTokens("alice", { accessToken: "jwt" });
    expect(decodeProtectedHeader(access_token).typ).toBe("at+jwt");
    const minted = expectMinted(await h.post({ access_token, database: "retail_analytics" }));
    const { payload } = await verifyMinted(minted);
    expect(payload).toMatchObject({ sub: "alice", database: "retail_analytics", groups: ["analysts"] });
    expect(payload.exp).toBe((payload.iat as number) + TTL);
  });

  it("exchanges an opaque access token checked by introspection", async () => {
    const { access_token } = await h.provider.issueTokens("alice", { accessToken: "opaque" });
    expect(access_token.split(".")).toHaveLength(1);
    const minted = expectMinted(await h.post({ access_token, database: "retail_analytics" }));
    const { payload } = await verifyMinted(minted);
    expect(payload).toMatchObject({ sub: "alice", idp: "dev", database: "retail_analytics" });
  });

  it('accepts the published spelling "access_token\\t" as access_token', async () => {
    const { access_token } = await h.provider.issueTokens("alice", { accessToken: "jwt" });
    const minted = expectMinted(
      await h.post({ "access_token\t": access_token, database: "retail_analytics" }),
    );
    expect((await verifyMinted(minted)).payload.sub).toBe("alice");
  });

  it("grants a database by user as well as by group", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    const minted = expectMinted(await h.post({ id_token, database: "alice_only" }), "alice_only");
    expect((await verifyMinted(minted)).payload).toMatchObject({ sub: "alice", database: "alice_only" });
  });

  it("publishes issuer metadata that a JWT library can use to verify minted tokens", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    const minted = expectMinted(await h.post({ id_token, database: "retail_analytics" }));
    const discovery = await h.get("/.well-known/openid-configuration");
    expect(discovery.status).toBe(200);
    const metadata = bodyOf(discovery);
    expect(metadata.issuer).toBe(h.config.token.issuer);
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
    const { protectedHeader } = await jwtVerify(minted, jwks, {
      issuer: metadata.issuer,
      audience: h.config.token.issuer,
      typ: "at+jwt",
    });
    expect(metadata.id_token_signing_alg_values_supported).toContain(protectedHeader.alg);
  });
});

describe("POST /v1/sso_token with opaque tokens checked at userinfo", () => {
  let u: Harness;
  beforeAll(async () => {
    u = await startHarness({ provider: h.provider, dev: { access_tokens: { userinfo: true } } });
  });
  afterAll(async () => {
    await u?.close();
  });

  it("exchanges an opaque access token checked at the userinfo endpoint", async () => {
    const { access_token } = await u.provider.issueTokens("alice", { accessToken: "opaque" });
    const response = await u.post({ access_token, database: "retail_analytics" });
    expect(response.status, response.text).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${u.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(mintedToken(response), jwks, { issuer: u.config.token.issuer });
    expect(payload).toMatchObject({ sub: "alice", groups: ["analysts"], database: "retail_analytics" });
    // userinfo does not tell the token's expiry: the minted token lives no longer than the check is reused.
    expect((payload.exp as number) - (payload.iat as number)).toBe(
      u.config.integrations[0]?.access_tokens?.cache_ttl_seconds,
    );
    expect(response.json?.expires_in).toBe(60);
  });
});

describe("the minted token's client_id", () => {
  it("is an id_token's azp (or audience), never a client_id claim the id_token carries", async () => {
    const withAzp = await fake.sign({ azp: FAKE_AUDIENCE, client_id: "someone-else" });
    const minted = expectMinted(await h.post({ id_token: withAzp, database: "fake_db" }), "fake_db");
    expect((await verifyMinted(minted)).payload.client_id).toBe(FAKE_AUDIENCE);
    const withoutAzp = await fake.sign({ client_id: "someone-else" });
    const again = expectMinted(await h.post({ id_token: withoutAzp, database: "fake_db" }), "fake_db");
    expect((await verifyMinted(again)).payload.client_id).toBe(FAKE_AUDIENCE);
  });
});

describe("the minted token's lifetime", () => {
  it("never outlives the subject token", async () => {
    const subjectExp = FIXED_S + 120;
    const id_token = await fake.sign({ exp: subjectExp });
    const minted = expectMinted(await h.post({ id_token, database: "fake_db" }), "fake_db");
    const { payload } = await verifyMinted(minted);
    expect(payload.exp).toBeLessThanOrEqual(subjectExp);
    expect(payload.exp).toBe(subjectExp);
    expect(payload.iat).toBe(FIXED_S);
  });

  it("is token.ttl_seconds when the subject token lives longer", async () => {
    const id_token = await fake.sign({ exp: FIXED_S + 7200 });
    const response = await h.post({ id_token, database: "fake_db" });
    const { payload } = await verifyMinted(expectMinted(response, "fake_db"));
    expect(payload.exp).toBe((payload.iat as number) + TTL);
    expect(response.json?.expires_in).toBe(TTL);
    expect(payload).toMatchObject({ sub: "alice", idp: "fake", client_id: FAKE_AUDIENCE });
    expect(payload.groups).toBeUndefined();
  });
});

describe("the audit log", () => {
  it("records each exchange and never a fragment of any token sent or minted", () => {
    const exchanges = h.logs.map((l) => JSON.parse(l)).filter((l) => l.event === "exchange");
    expect(exchanges.length).toBeGreaterThan(0);
    expect(exchanges.some((l) => l.outcome === "minted" && typeof l.jti === "string")).toBe(true);
    expect(rememberedTokenCount()).toBeGreaterThan(0);
    expect(leakedLines()).toEqual([]);
  });
});
