import { readFileSync } from "node:fs";
import * as path from "node:path";
import { OpenAPIBackend } from "openapi-backend";
import { beforeAll, describe, expect, it } from "vitest";
import { document } from "../../generated/openapi.js";
import { NOT_SERVED_OPERATIONS, PATCHES, SERVED_OPERATIONS } from "../../scripts/fix-spec.js";
import { generate, ROOT, staleFiles } from "../../scripts/generate.js";
import { PUBLISHED_DOCUMENT_PATH } from "../../scripts/lib/doc-page.js";
import { ERRORS, type ErrorEntry, type SsoErrorCode } from "../../src/errors.js";

describe("generate", () => {
  it("is clean: generated/ matches what the documents in openapi/ produce", async () => {
    const lines: string[] = [];
    const files = await generate({ log: (line) => lines.push(line) });
    expect(await staleFiles(ROOT, files)).toEqual([]);
    // One line per step and per patch, one per upstream operation.
    expect(lines.filter((line) => line.startsWith("🩹 "))).toHaveLength(PATCHES.length);
    expect(lines.filter((line) => /^ {3}(✔ served|· not served)/.test(line))).toHaveLength(17);
    expect(lines).toContain(
      "📋 17 upstream operations in Generated API methods 1.0.0: 8 served, 9 not served",
    );
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

  it("lists in docs/spec-patches.md exactly the patches that run, in their order", async () => {
    const page = readFileSync(path.join(ROOT, "docs/spec-patches.md"), "utf8");
    const listed = [...page.matchAll(/^\d+\. `([a-z-]+)`/gm)].map(([, name]) => name);
    expect(listed).toEqual(PATCHES.map(({ name }) => name));
    // The guide points to the generated list instead of keeping its own.
    const guide = readFileSync(path.join(ROOT, "docs/regenerating.md"), "utf8");
    expect(guide).toContain("(spec-patches.md)");
    expect(guide).not.toMatch(/^- `[a-z-]+`/m);
  });

  it("writes the client's codes and the error reference (docs/errors.md) from the errors module", async () => {
    const files = await generate();
    const readme = files.get("docs/errors.md") ?? "";
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(files.get("generated/error-codes.ts")).toContain(`"${code}"`);
      expect(readme).toContain(`| ${entry.vendorCode} | ${entry.sqlState} | \`${code}\` |`);
    }
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
      "POST /v1/token_refresh": "postOcientHttpQueryApiTokenRefresh",
      "GET /v1/info": "getOcientHttpQueryApiInfo",
      "POST /v1/sso_device_grant": "postOcientHttpQueryApiSsoDeviceGrant",
      "POST /v1/sso_device_grant_verify": "postOcientHttpQueryApiSsoDeviceGrantVerify",
      "POST /v1/sso_authentication": "postOcientHttpQueryApiSsoAuthentication",
      "GET /v1/callback": "getOcientHttpQueryApiCallback",
      "POST /v1/logout": "postOcientHttpQueryApiLogout",
      "POST /oauth2/token": "postOauth2Token",
      "GET /.well-known/jwks.json": "getJwks",
      "GET /.well-known/openid-configuration": "getOpenidConfiguration",
      "GET /openapi.json": "getOpenapiJson",
      "GET /openapi.yaml": "getOpenapiYaml",
      "GET /healthz": "getHealthz",
      "GET /readyz": "getReadyz",
      "GET /metrics": "getMetrics",
    });
  });

  it("holds exactly the served upstream operations, beside the service's own", () => {
    const upstream = JSON.parse(readFileSync(path.join(ROOT, PUBLISHED_DOCUMENT_PATH), "utf8"));
    const upstreamIds = Object.values(upstream.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId: string }>).map((op) => op.operationId),
    );
    const servedIds = Object.values(document.paths ?? {}).flatMap((item) =>
      Object.values(item ?? {}).map((op) => (op as { operationId: string }).operationId),
    );
    expect(upstreamIds.filter((id) => servedIds.includes(id)).toSorted()).toEqual(
      Object.keys(SERVED_OPERATIONS).toSorted(),
    );
    expect(upstreamIds.filter((id) => !servedIds.includes(id)).toSorted()).toEqual(
      Object.keys(NOT_SERVED_OPERATIONS).toSorted(),
    );
  });

  it("keeps upstream's info, its version included", () => {
    const upstream = JSON.parse(readFileSync(path.join(ROOT, PUBLISHED_DOCUMENT_PATH), "utf8"));
    expect(document.info).toEqual({ ...upstream.info, license: expect.any(Object) });
    expect(document.info.version).toBe("1.0.0");
  });

  it("targets this service only", () => {
    expect(document.servers).toEqual([{ url: "/", description: "This service, wherever it is deployed." }]);
    expect(JSON.stringify(document.paths)).not.toContain('"servers"');
  });

  it("documents every error of the exchange from the errors module's table", () => {
    const responses = (document.paths?.["/v1/sso_token"]?.post?.responses ?? {}) as Record<
      string,
      { headers?: object; content?: Record<string, { examples?: Record<string, { value: unknown }> }> }
    >;
    // Every code the table says the exchange answers.
    const codes = (Object.keys(ERRORS) as SsoErrorCode[]).filter((code) =>
      (ERRORS[code] as ErrorEntry).operations.includes("postOcientHttpQueryApiSsoToken"),
    );
    const statuses = [...new Set(codes.map((code) => ERRORS[code].status))].sort((a, b) => a - b);
    expect(Object.keys(responses)).toEqual(["200", ...statuses.map(String)]);
    for (const code of codes) {
      const entry: ErrorEntry = ERRORS[code];
      const response = responses[String(entry.status)];
      expect(response?.content?.["application/json"]).toMatchObject({
        schema: { $ref: "#/components/schemas/OcientStatus" },
      });
      expect(response?.content?.["application/json"]?.examples?.[code]?.value).toEqual({
        status: { reason: entry.example, sql_state: entry.sqlState, vendor_code: entry.vendorCode },
      });
      for (const header of entry.headers ?? [])
        expect(Object.keys(response?.headers ?? {})).toContain(header);
    }
    expect(Object.keys(responses["401"]?.headers ?? {})).toEqual(["WWW-Authenticate"]);
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
    ["the published TAB key (a deprecated branch)", { database: "d", "access_token\t": token }, true],
    [
      "access_token and its published key",
      { database: "d", access_token: token, "access_token\t": token },
      false,
    ],
    [
      "id_token and the published access_token key",
      { database: "d", id_token: token, "access_token\t": token },
      false,
    ],
    // Not every whitespace variant can be listed; the server trims them before validating.
    ["another whitespace variant", { database: "d", "access_token    ": token }, false],
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

  // The field rules of the other operations (scripts/patches/request-fields.ts): the router's check is the only one.
  it.each<[string, string, unknown, boolean]>([
    ["/v1/token_refresh", "an empty database", { database: "" }, false],
    ["/v1/token_refresh", "a database", { database: "d" }, true],
    ["/v1/sso_device_grant", "an empty database", { database: "" }, false],
    ["/v1/sso_authentication", "an empty database", { database: "" }, false],
    ["/v1/sso_device_grant_verify", "an empty user_code", { user_code: "" }, false],
    ["/v1/sso_device_grant_verify", "an empty database", { user_code: "C", database: "" }, false],
    ...[1, 600, "1", "010", "600"].map((t): [string, string, unknown, boolean] => [
      "/v1/sso_device_grant_verify",
      `timeout ${JSON.stringify(t)}`,
      { user_code: "C", timeout: t },
      true,
    ]),
    ...[0, 601, 1.5, "0", "000", "601", "999", "1000", " 5", "-5"].map(
      (t): [string, string, unknown, boolean] => [
        "/v1/sso_device_grant_verify",
        `timeout ${JSON.stringify(t)}`,
        { user_code: "C", timeout: t },
        false,
      ],
    ),
  ])("%s, %s → valid: %s", (path, _, body, valid) => {
    const request = { method: "post", path, headers: { "content-type": "application/json" }, body };
    expect(api.validateRequest(request).valid).toBe(valid);
  });
});
