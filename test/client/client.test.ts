import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSsoClient, type SsoClient, SsoExchangeError } from "../../src/client/index.js";
import { type Harness, startHarness } from "../support/harness.js";

describe("typed client against the real service", () => {
  let h: Harness;
  let client: SsoClient;
  let fetchCalls = 0;

  beforeAll(async () => {
    h = await startHarness();
    client = createSsoClient({
      baseUrl: h.server.url,
      fetch: (request) => {
        fetchCalls++;
        return fetch(request);
      },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  async function verify(token: string) {
    const keys = createRemoteJWKSet(new URL(`${h.server.url}/.well-known/jwks.json`));
    const audience = h.config.token.audience ?? h.config.token.issuer;
    return jwtVerify(token, keys, { issuer: h.config.token.issuer, audience });
  }

  it("exchanges an id_token for a token that verifies against the service's JWKS", async () => {
    const before = fetchCalls;
    const { id_token } = await h.provider.issueTokens("alice");
    const result = await client.exchange({ database: "retail_analytics", idToken: id_token });
    expect(result).toMatchObject({ database: "retail_analytics", tokenType: "Bearer" });
    expect(result.expiresIn).toBeGreaterThan(0);
    expect(result.expiresIn).toBeLessThanOrEqual(h.config.token.ttl_seconds);
    const { payload, protectedHeader } = await verify(result.token);
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload).toMatchObject({ sub: "alice", database: "retail_analytics", idp: "dev" });
    expect(payload.groups).toContain("analysts");
    expect(fetchCalls).toBe(before + 1);
  });

  it("exchanges a JWT access token", async () => {
    const { access_token } = await h.provider.issueTokens("alice", { accessToken: "jwt" });
    expect(access_token.split(".")).toHaveLength(3);
    const result = await client.exchange({ database: "retail_analytics", accessToken: access_token });
    const { payload } = await verify(result.token);
    expect(payload).toMatchObject({ sub: "alice", database: "retail_analytics" });
  });

  it("exchanges an opaque access token (introspection)", async () => {
    const { access_token } = await h.provider.issueTokens("alice", { accessToken: "opaque" });
    expect(access_token.split(".")).toHaveLength(1);
    const result = await client.exchange({ database: "retail_analytics", accessToken: access_token });
    const { payload } = await verify(result.token);
    expect(payload).toMatchObject({ sub: "alice", database: "retail_analytics" });
  });

  it("throws SsoExchangeError with the Ocient status of a refusal, and no token in its message", async () => {
    const { id_token } = await h.provider.issueTokens("bob");
    const error = await client.exchange({ database: "retail_analytics", idToken: id_token }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SsoExchangeError);
    expect(error).toMatchObject({
      name: "SsoExchangeError",
      code: "ERR_ACCESS_DENIED",
      httpStatus: 403,
      vendorCode: -1251,
      sqlState: "42501",
      reason: expect.any(String),
    });
    const message = (error as Error).message;
    expect(message).toContain("-1251");
    expect(message).not.toContain(id_token);
    for (const part of id_token.split(".")) expect(message).not.toContain(part);
    expect(JSON.stringify(error)).not.toContain(id_token.split(".")[1]);
  });

  it("reports a refused token (401) with its vendor code", async () => {
    const error = await client
      .exchange({ database: "retail_analytics", idToken: "not.a.jwt" })
      .catch((e) => e);
    expect(error).toBeInstanceOf(SsoExchangeError);
    expect(error.httpStatus).toBe(401);
    expect(error.vendorCode).toBeLessThan(-1227);
    expect(error.message).not.toContain("not.a.jwt");
  });

  it("turns no answer into httpStatus 0, vendor_code -1220", async () => {
    const offline = createSsoClient({
      baseUrl: "http://127.0.0.1:9",
      fetch: () => Promise.reject(new TypeError("fetch failed")),
    });
    const error = await offline.exchange({ database: "d", idToken: "secret.token.value" }).catch((e) => e);
    expect(error).toBeInstanceOf(SsoExchangeError);
    expect(error).toMatchObject({ code: "ERR_NETWORK", httpStatus: 0, vendorCode: -1220, sqlState: "08001" });
    expect(error.message).not.toContain("secret.token.value");
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it.each([
    ["an HTML error page", 502, "<html>bad gateway</html>", "text/html"],
    ["a JSON body that is not an Ocient status", 500, '{"oops":true}', "application/json"],
    ["a 200 that is not JSON", 200, "ok", "text/plain"],
    ["a 200 without a token", 200, '{"database":"d"}', "application/json"],
  ])("turns %s into ERR_BAD_RESPONSE, vendor_code -1255", async (_name, status, text, type) => {
    const odd = createSsoClient({
      baseUrl: "http://127.0.0.1:9",
      fetch: async () => new Response(text, { status, headers: { "content-type": type } }),
    });
    const error = await odd.exchange({ database: "d", idToken: "t" }).catch((e) => e);
    expect(error).toBeInstanceOf(SsoExchangeError);
    expect(error).toMatchObject({ code: "ERR_BAD_RESPONSE", httpStatus: status, vendorCode: -1255 });
  });

  it("reads Retry-After of a 503", async () => {
    const busy = createSsoClient({
      baseUrl: "http://127.0.0.1:9",
      fetch: async () =>
        Response.json(
          {
            status: {
              reason: "the identity provider is unreachable",
              sql_state: "08001",
              vendor_code: -1220,
            },
          },
          { status: 503, headers: { "retry-after": "5" } },
        ),
    });
    const error = await busy.exchange({ database: "d", accessToken: "t" }).catch((e) => e);
    expect(error).toMatchObject({ code: "ERR_PROVIDER_UNAVAILABLE", httpStatus: 503, retryAfter: 5 });
  });

  it("refuses bad options at construction", () => {
    expect(() => createSsoClient({ baseUrl: "127.0.0.1:8080" })).toThrow(/options\.baseUrl/);
    expect(() => createSsoClient({ baseUrl: "ftp://x" })).toThrow(TypeError);
  });

  it("exposes the raw openapi-fetch client over the documented routes", async () => {
    const { data, response } = await client.raw.GET("/.well-known/openid-configuration");
    expect(response.status).toBe(200);
    expect(data?.issuer).toBe(h.config.token.issuer);
  });
});
