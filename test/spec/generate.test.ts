import { OpenAPIBackend } from "openapi-backend";
import { beforeAll, describe, expect, it } from "vitest";
import { document } from "../../generated/openapi.js";
import { generate, ROOT, staleFiles } from "../../scripts/generate.js";

describe("generate", () => {
  it("is clean: generated/ matches what the documents in openapi/ produce", async () => {
    const lines: string[] = [];
    const files = await generate({ log: (line) => lines.push(line) });
    expect(await staleFiles(ROOT, files)).toEqual([]);
    // One line per step and per patch.
    expect(lines.filter((line) => line.startsWith("🩹 "))).toHaveLength(6);
  });

  it("is deterministic", async () => {
    const [first, second] = await Promise.all([generate(), generate()]);
    expect(second).toEqual(first);
  });

  it("reports a stale or missing file", async () => {
    const files = await generate();
    files.set("generated/types.ts", "// edited by hand\n");
    files.set("generated/missing.ts", "");
    expect(await staleFiles(ROOT, files)).toEqual(["generated/types.ts", "generated/missing.ts"]);
  });
});

describe("the merged document", () => {
  it("names every operation", () => {
    const operations = Object.entries(document.paths ?? {}).flatMap(([route, item]) =>
      Object.entries(item ?? {}).map(([method, operation]) => [
        `${method.toUpperCase()} ${route}`,
        (operation as { operationId?: string }).operationId,
      ]),
    );
    expect(Object.fromEntries(operations)).toEqual({
      "POST /v1/sso_token": "postOcientHttpQueryApiSsoToken",
      "GET /.well-known/jwks.json": "getJwks",
      "GET /.well-known/openid-configuration": "getOpenidConfiguration",
      "GET /openapi.json": "getOpenapiJson",
      "GET /openapi.yaml": "getOpenapiYaml",
      "GET /healthz": "getHealthz",
      "GET /readyz": "getReadyz",
      "GET /metrics": "getMetrics",
      "POST /v1/sso_device_grant": "postOcientHttpQueryApiSsoDeviceGrant",
      "POST /v1/sso_device_grant_verify": "postOcientHttpQueryApiSsoDeviceGrantVerify",
      "POST /v1/sso_authentication": "postOcientHttpQueryApiSsoAuthentication",
      "GET /v1/callback": "getOcientHttpQueryApiCallback",
      "POST /v1/logout": "postOcientHttpQueryApiLogout",
    });
  });

  it("targets this service only", () => {
    expect(document.servers).toEqual([{ url: "/", description: "This service, wherever it is deployed." }]);
    expect(JSON.stringify(document.paths)).not.toContain('"servers"');
  });

  it("documents every error status of the exchange with the Ocient-shaped body", () => {
    const responses = (document.paths?.["/v1/sso_token"]?.post?.responses ?? {}) as Record<
      string,
      { headers?: object }
    >;
    expect(Object.keys(responses)).toEqual([
      "200",
      "400",
      "401",
      "403",
      "413",
      "415",
      "429",
      "500",
      "502",
      "503",
    ]);
    for (const [status, response] of Object.entries(responses)) {
      if (status === "200") continue;
      expect(response).toMatchObject({
        content: { "application/json": { schema: { $ref: "#/components/schemas/OcientStatus" } } },
      });
    }
    expect(Object.keys(responses["401"]?.headers ?? {})).toEqual(["WWW-Authenticate"]);
    expect(Object.keys(responses["429"]?.headers ?? {})).toEqual(["Retry-After"]);
    expect(Object.keys(responses["503"]?.headers ?? {})).toEqual(["Retry-After"]);
  });
});

describe("request validation by openapi-backend, as the server runs it", () => {
  const api = new OpenAPIBackend({ definition: document, strict: true });
  beforeAll(() => api.init());

  const token = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln";
  it.each<[string, unknown, boolean]>([
    ["database + id_token", { database: "retail_analytics", id_token: token }, true],
    ["database + access_token", { database: "retail_analytics", access_token: token }, true],
    ["both tokens", { database: "retail_analytics", id_token: token, access_token: token }, false],
    ["neither token", { database: "retail_analytics" }, false],
    ["no database", { id_token: token }, false],
    ["an empty database", { database: "", id_token: token }, false],
    ["a database over 128 characters", { database: "d".repeat(129), id_token: token }, false],
    ["an empty token", { database: "retail_analytics", id_token: "" }, false],
    [
      "a token over 16384 characters",
      { database: "retail_analytics", access_token: "t".repeat(16385) },
      false,
    ],
    ["an unknown key", { database: "retail_analytics", id_token: token, scope: "openid" }, false],
    [
      "the unfixed TAB key (aliased by the server before validation)",
      { database: "d", "access_token\t": token },
      false,
    ],
    ["a token that is not a string", { database: "retail_analytics", id_token: 42 }, false],
    ["a body that is not an object", ["retail_analytics", token], false],
  ])("%s → valid: %s", (_, body, valid) => {
    const request = {
      method: "post",
      path: "/v1/sso_token",
      headers: { "content-type": "application/json" },
      body,
    };
    expect(api.validateRequest(request, "postOcientHttpQueryApiSsoToken").valid).toBe(valid);
  });
});
