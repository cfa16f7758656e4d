/** The service's own routes: discovery of minted-token keys, the spec, health, metrics; the key file's life. */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { bodyOf, type Harness, mintedToken, startHarness } from "../support/harness.js";

const generated = JSON.parse(
  await readFile(join(import.meta.dirname, "../../generated/openapi.json"), "utf8"),
) as Record<string, unknown>;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("GET /.well-known/openid-configuration", () => {
  it("names the issuer and a jwks_uri that jose can use", async () => {
    const response = await h.get("/.well-known/openid-configuration");
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      issuer: h.url,
      jwks_uri: `${h.url}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ["ES256"],
    });
    const { id_token } = await h.provider.issueTokens("alice");
    const minted = mintedToken(await h.post({ id_token, database: "retail_analytics" }));
    const metadata = bodyOf(response);
    const { payload } = await jwtVerify(minted, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
      issuer: metadata.issuer,
    });
    expect(payload.sub).toBe("alice");
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes public keys only", async () => {
    const response = await h.get("/.well-known/jwks.json");
    expect(response.status).toBe(200);
    const { keys } = bodyOf(response);
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", kid: expect.any(String) });
    for (const member of ["d", "p", "q", "dp", "dq", "qi", "k", "created_at"])
      expect(key).not.toHaveProperty(member);
  });
});

describe("the OpenAPI document", () => {
  it("GET /openapi.json serves generated/openapi.json", async () => {
    const response = await h.get("/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.json).toEqual(generated);
  });

  it("GET /openapi.yaml serves the same document as YAML", async () => {
    const response = await h.get("/openapi.yaml");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/yaml/);
    expect(parseYaml(response.text)).toEqual(generated);
  });
});

describe("health and metrics", () => {
  it("GET /healthz is alive", async () => {
    const response = await h.get("/healthz");
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: "ok" });
  });

  it("GET /readyz is ready", async () => {
    const response = await h.get("/readyz");
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: "ready" });
  });

  it("GET /metrics counts exchanges", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    await h.post({ id_token, database: "retail_analytics" });
    const response = await h.get("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(response.text).toContain("ocient_sso_exchanges_total");
    expect(response.text).toMatch(/ocient_sso_exchanges_total\{[^}]*outcome="minted"[^}]*\} [1-9]/);
  });
});

describe("unknown routes and methods", () => {
  it.each([
    ["GET", "/nope", 404],
    ["GET", "/v1/sso_token", 405],
    ["DELETE", "/healthz", 405],
  ])("%s %s → %i with the Ocient body", async (method, path, status) => {
    const response = await fetch(`${h.url}${path}`, { method });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { status: { vendor_code: number } }).status.vendor_code).toBe(-1254);
  });
});

describe("paths and methods load balancers use", () => {
  it.each(["/healthz", "/readyz"])("HEAD %s answers like GET, without a body", async (path) => {
    const response = await fetch(`${h.url}${path}`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it.each([
    ["POST", "/v1/sso_token/"],
    ["GET", "/healthz/"],
  ])("%s %s (trailing slash) is not a documented path: 404, no token", async (method, path) => {
    const { id_token } = await h.provider.issueTokens("alice");
    const response = await fetch(`${h.url}${path}`, {
      method,
      ...(method === "POST" && {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id_token, database: "retail_analytics" }),
      }),
    });
    expect(response.status).toBe(404);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ status: expect.objectContaining({ vendor_code: -1254 }) });
    const audits = h.logs.map((l) => JSON.parse(l)).filter((l) => l.path === path);
    expect(audits.some((l) => l.outcome === "minted")).toBe(false);
  });
});

describe("the signing key file", () => {
  it("is created on first start and reused on the next", async () => {
    const keysFile = h.config.token.keys_file;
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
    const created = h.logs.map((l) => JSON.parse(l)).filter((l) => /created one with a new key/.test(l.msg));
    expect(created).toHaveLength(1);
    const firstKid = bodyOf(await h.get("/.well-known/jwks.json")).keys[0]?.kid;

    const again = await startHarness({ provider: h.provider, token: { keys_file: keysFile } });
    try {
      expect(bodyOf(await again.get("/.well-known/jwks.json")).keys[0]?.kid).toBe(firstKid);
      expect(again.logs.some((l) => /created one with a new key/.test(l))).toBe(false);
      // A token minted by one instance verifies with the other's published keys.
      const { id_token } = await h.provider.issueTokens("alice");
      const minted = mintedToken(await again.post({ id_token, database: "retail_analytics" }));
      const { protectedHeader } = await jwtVerify(
        minted,
        createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`)),
      );
      expect(protectedHeader.kid).toBe(firstKid);
    } finally {
      await again.close();
    }
  });
});
