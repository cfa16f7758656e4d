import { connect } from "node:net";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";

function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`;
}

async function introspect(op: EmbeddedProvider, token: string): Promise<Record<string, unknown>> {
  const response = await fetch(op.introspectionEndpoint, {
    method: "POST",
    headers: { authorization: basic(op.introspection.clientId, op.introspection.clientSecret) },
    body: new URLSearchParams({ token }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("embedded OpenID provider", () => {
  let op: EmbeddedProvider;

  beforeAll(async () => {
    op = await startEmbeddedProvider();
  });
  afterAll(async () => {
    await op?.close();
  });

  it("listens on loopback and publishes a discovery document", async () => {
    expect(op.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(op.discoveryUrl);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      issuer: op.issuer,
      jwks_uri: op.jwksUri,
      introspection_endpoint: op.introspectionEndpoint,
      userinfo_endpoint: op.userinfoEndpoint,
      token_endpoint: `${op.issuer}/token`,
      id_token_signing_alg_values_supported: expect.arrayContaining(["RS256", "ES256"]),
      scopes_supported: expect.arrayContaining(["openid", "profile", "email", "groups"]),
    });
  });

  it("issues an RS256 id_token for ocient-client with the user's claims", async () => {
    const { id_token, expires_in } = await op.issueTokens("alice");
    const { payload, protectedHeader } = await jwtVerify(id_token, createRemoteJWKSet(new URL(op.jwksUri)), {
      issuer: op.issuer,
      audience: "ocient-client",
    });
    expect(protectedHeader).toMatchObject({ alg: "RS256", kid: expect.any(String) });
    expect(protectedHeader.typ).toBeUndefined();
    expect(payload).toMatchObject({
      sub: "alice",
      preferred_username: "alice",
      email: "alice@example.com",
      email_verified: true,
      groups: ["analysts"],
    });
    expect(expires_in).toBe(3600);
  });

  it("issues an RFC 9068 JWT access token for the API resource", async () => {
    const { access_token } = await op.issueTokens("carol", { accessToken: "jwt" });
    expect(decodeProtectedHeader(access_token)).toMatchObject({ typ: "at+jwt", alg: "RS256" });
    const { payload } = await jwtVerify(access_token, createRemoteJWKSet(new URL(op.jwksUri)), {
      issuer: op.issuer,
      audience: op.apiResource,
      typ: "at+jwt",
    });
    expect(payload).toMatchObject({
      sub: "carol",
      aud: "urn:ocient:sso",
      client_id: "ocient-client",
      preferred_username: "carol",
      groups: ["admins"],
    });
    expect(payload).toHaveProperty("jti");
    expect(payload).toHaveProperty("iat");
    expect(payload).toHaveProperty("exp");
  });

  it("issues an opaque access token that introspects active and works at userinfo", async () => {
    const { access_token } = await op.issueTokens("alice");
    expect(access_token.split(".")).toHaveLength(1);

    expect(await introspect(op, access_token)).toMatchObject({
      active: true,
      sub: "alice",
      client_id: "ocient-client",
      iss: op.issuer,
      scope: "openid profile email groups",
      groups: ["analysts"],
      email_verified: true,
      exp: expect.any(Number),
    });

    const userinfo = await fetch(op.userinfoEndpoint, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toEqual({
      sub: "alice",
      preferred_username: "alice",
      name: "Alice Analyst",
      email: "alice@example.com",
      email_verified: true,
      groups: ["analysts"],
    });
  });

  it("keeps earlier opaque tokens active after many more grants", async () => {
    const { access_token } = await op.issueTokens("alice");
    for (let i = 0; i < 400; i++) await op.issueTokens("bob");
    expect(await introspect(op, access_token)).toMatchObject({ active: true, sub: "alice" });
  });

  it("answers introspection of an unknown token with active: false", async () => {
    expect(await introspect(op, "not-a-token")).toEqual({ active: false });
  });

  it("refuses introspection with a wrong secret", async () => {
    const response = await fetch(op.introspectionEndpoint, {
      method: "POST",
      headers: { authorization: basic(op.introspection.clientId, "wrong") },
      body: new URLSearchParams({ token: "x" }),
    });
    expect(response.status).toBe(401);
  });

  it("honours the requested scope", async () => {
    const { id_token } = await op.issueTokens("bob", { scope: "openid" });
    const claims = decodeJwt(id_token);
    expect(claims.sub).toBe("bob");
    expect(claims).not.toHaveProperty("groups");
    expect(claims).not.toHaveProperty("email");
  });

  it("rejects an unknown account without contacting the provider", async () => {
    await expect(op.issueTokens("mallory")).rejects.toThrow(/unknown demo account/);
  });
});

describe("embedded OpenID provider options", () => {
  it("signs id_tokens with ES256 and applies the configured lifetimes", async () => {
    const op = await startEmbeddedProvider({
      idTokenSigningAlg: "ES256",
      idTokenTtlSeconds: 60,
      accessTokenTtlSeconds: 120,
    });
    try {
      const { id_token, access_token, expires_in } = await op.issueTokens("alice", { accessToken: "jwt" });
      expect(decodeProtectedHeader(id_token).alg).toBe("ES256");
      const idClaims = decodeJwt(id_token);
      expect((idClaims.exp ?? 0) - (idClaims.iat ?? 0)).toBe(60);
      const atClaims = decodeJwt(access_token);
      expect((atClaims.exp ?? 0) - (atClaims.iat ?? 0)).toBe(120);
      expect(expires_in).toBe(120);
    } finally {
      await op.close();
    }
  });

  it("uses the given accounts", async () => {
    const op = await startEmbeddedProvider({
      accounts: [
        {
          sub: "dave",
          preferred_username: "dave",
          email: "d@example.com",
          email_verified: true,
          groups: ["x"],
        },
      ],
    });
    try {
      expect(decodeJwt((await op.issueTokens("dave")).id_token)).toMatchObject({
        sub: "dave",
        groups: ["x"],
      });
      await expect(op.issueTokens("alice")).rejects.toThrow(/unknown demo account/);
    } finally {
      await op.close();
    }
  });

  it.each([
    ["a non-loopback host", { host: "0.0.0.0" }, /options\.host/],
    ["a bad port", { port: 70000 }, /options\.port/],
    ["a bad lifetime", { idTokenTtlSeconds: 0 }, /options\.idTokenTtlSeconds/],
  ])("refuses %s", async (_name, options, message) => {
    await expect(startEmbeddedProvider(options)).rejects.toThrow(message);
  });

  it("refuses connections once closed, even with a keep-alive connection open", async () => {
    const op = await startEmbeddedProvider();
    const port = Number(new URL(op.issuer).port);
    expect((await fetch(op.jwksUri)).status).toBe(200);
    await op.close();
    expect(await refused(port)).toBe(true);
    await expect(fetch(op.jwksUri)).rejects.toThrow();
  });
});
