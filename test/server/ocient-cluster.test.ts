/**
 * What an Ocient SQL node needs to trust these tokens (docs/ocient-cluster.md: "Make an Ocient cluster trust these
 * tokens"): the real app signs with RS256, as Ocient's published examples do, and a verifier of the
 * node's kind finds the issuer's discovery document and key set over HTTP, checks the signature with
 * jose, and reads `azp`, the user and the groups.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, type Harness, mintedToken, startHarness } from "../support/harness.js";
import { rememberToken } from "../support/log-collector.js";

/** The client id of the Ocient SSO integration; it matches `azp` against it. */
const OCIENT_CLIENT_ID = "ocient-sso";
const AUDIENCE = "ocient";
/** Shorter than the provider's id_token, so only ttl_seconds bounds the minted token. */
const TTL = 600;
// Frozen at start: tokens the real provider issues during the file are at most seconds "in the future".
const FIXED_MS = Math.floor(Date.now() / 1000) * 1000;

let h: Harness;
let minted: string;

beforeAll(async () => {
  h = await startHarness({
    now: () => FIXED_MS,
    token: { algorithm: "RS256", audience: AUDIENCE, authorized_party: OCIENT_CLIENT_ID, ttl_seconds: TTL },
  });
  const { id_token } = await h.provider.issueTokens("alice");
  const response = await h.post({ id_token, database: "retail_analytics" });
  expect(response.status, response.text).toBe(200);
  minted = mintedToken(response);
});
afterAll(() => h?.close());

describe("an Ocient cluster trusting the minted tokens (RS256, authorized_party)", () => {
  it("publishes discovery at the issuer: exact issuer, jwks_uri, RS256", async () => {
    const issuer = h.config.token.issuer;
    const response = await h.get("/.well-known/openid-configuration");
    expect(response.status).toBe(200);
    const discovery = { json: bodyOf(response) };
    expect(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`).toBe(
      `${h.url}/.well-known/openid-configuration`,
    );
    expect(discovery.json.issuer).toBe(issuer);
    expect(discovery.json.jwks_uri).toBe(`${issuer.replace(/\/$/, "")}/.well-known/jwks.json`);
    expect(discovery.json.id_token_signing_alg_values_supported).toContain("RS256");
  });

  it("publishes an RSA signature key with kid and alg RS256, and no private member", async () => {
    const jwks = await h.get("/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    const { keys } = jwks.json as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).toEqual({
      kty: "RSA",
      kid: decodeProtectedHeader(minted).kid,
      alg: "RS256",
      use: "sig",
      n: expect.stringMatching(/^[A-Za-z0-9_-]{342}$/),
      e: "AQAB",
    });
  });

  it("mints tokens that verify through discovery, with the claims the node reads", async () => {
    const issuer = h.config.token.issuer;
    const discovery = bodyOf(await h.get("/.well-known/openid-configuration"));
    const keySet = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(minted, keySet, {
      issuer,
      audience: AUDIENCE,
      algorithms: ["RS256"],
      typ: "at+jwt",
      requiredClaims: ["sub", "exp", "iat", "auth_time", "azp"],
    });
    expect(protectedHeader).toEqual({ alg: "RS256", typ: "at+jwt", kid: expect.any(String) });
    expect(payload).toMatchObject({
      iss: issuer,
      aud: AUDIENCE,
      azp: OCIENT_CLIENT_ID,
      sub: "alice",
      groups: ["analysts"],
      database: "retail_analytics",
    });
    const { iat, exp, auth_time } = payload as { iat: number; exp: number; auth_time: number };
    expect(iat).toBe(FIXED_MS / 1000);
    expect(exp).toBe(iat + TTL);
    expect(auth_time).toBeLessThanOrEqual(iat);
  });

  it("refreshes an RS256 token into another that verifies the same way", async () => {
    const refreshed = await h.server.service.current.refresh.refresh(minted, "retail_analytics");
    rememberToken(refreshed.access_token);
    const keySet = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(refreshed.access_token, keySet, {
      issuer: h.config.token.issuer,
      audience: AUDIENCE,
      algorithms: ["RS256"],
    });
    expect(payload).toMatchObject({ azp: OCIENT_CLIENT_ID, sub: "alice", groups: ["analysts"] });
  });
});
