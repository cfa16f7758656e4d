/**
 * The served document agrees with the server: every route it lists without input answers with a
 * documented status, one of the documented media types, and a body its schema accepts.
 */
import { OpenAPIBackend } from "openapi-backend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { document } from "../../generated/openapi.js";
import { NOT_SERVED_OPERATIONS } from "../../scripts/fix-spec.js";
import { type Harness, startHarness } from "../support/harness.js";

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

const gets = Object.entries(document.paths ?? {}).flatMap(([route, item]) => {
  const get = (item as { get?: Operation }).get;
  // The callback answers only a browser coming back from its provider: test/signin/browser.test.ts.
  return get && !route.includes("{") && route !== "/v1/callback" ? [[route, get] as const] : [];
});

/**
 * openapi-backend validates `application/json` responses only, so a copy of the document files each
 * documented JSON media type's schema under that key: the same schema, the server's own validator.
 */
const asJson = structuredClone(document) as unknown as { paths: Record<string, { get?: Operation }> };
for (const item of Object.values(asJson.paths)) {
  for (const response of Object.values(item.get?.responses ?? {})) {
    const json = Object.entries(response.content ?? {}).find(([type]) => type.endsWith("json"));
    if (json) response.content = { "application/json": json[1] };
  }
}
const api = new OpenAPIBackend({ definition: asJson as never, quick: true });

let h: Harness;
beforeAll(async () => {
  await api.init();
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("the served document describes what the server answers", () => {
  it("lists the GET routes, the published info and the service's own", () => {
    expect(gets.map(([route]) => route)).toEqual([
      "/v1/info",
      "/.well-known/jwks.json",
      "/.well-known/openid-configuration",
      "/openapi.json",
      "/openapi.yaml",
      "/healthz",
      "/readyz",
      "/metrics",
    ]);
  });

  it("validates JSON of another media type (the check is not vacuous)", () => {
    expect(api.validateResponse({ keys: [{}] }, "getJwks", 200).errors).not.toBeNull();
  });

  it.each(gets)("GET %s", async (route, operation) => {
    const response = await h.get(route);
    const documented = operation.responses[String(response.status)];
    expect(documented, `status ${response.status}`).toBeDefined();
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim();
    expect(Object.keys(documented?.content ?? {})).toContain(mediaType);
    if (mediaType?.endsWith("json")) {
      const result = api.validateResponse(response.json, operation.operationId, response.status);
      expect(result.errors ?? []).toEqual([]);
    }
  });
});

describe("the readiness answer (GET /readyz)", () => {
  const readiness = (document.components?.schemas?.Readiness ?? {}) as {
    properties?: { checks?: { properties?: Record<string, { enum?: string[] }> } };
  };
  const checks = readiness.properties?.checks?.properties ?? {};

  it("documents as able to fail only what get-health.ts can fail: accepting requests (a shutdown)", () => {
    const fallible = Object.entries(checks).filter(([, check]) => check.enum?.includes("failed"));
    expect(fallible.map(([name]) => name)).toEqual(["accepting_requests"]);
  });

  it("documents the shutdown's 503 as the schema allows it", () => {
    const shutdown = document.paths?.["/readyz"]?.get?.responses?.["503"] as unknown as
      | { content?: { "application/json"?: { example?: unknown } } }
      | undefined;
    const example = shutdown?.content?.["application/json"]?.example;
    expect(example).toEqual({
      status: "not_ready",
      checks: { config: "ok", signing_key: "ok", accepting_requests: "failed" },
    });
    expect(api.validateResponse(example, "getReadyz", 503).errors ?? []).toEqual([]);
  });
});

describe("upstream operations that are not served", () => {
  it.each(Object.entries(NOT_SERVED_OPERATIONS))(
    "%s answers 404 like any unknown route",
    async (_, { route }) => {
      const [method = "", path = ""] = route.split(" ");
      const response = await fetch(`${h.url}${path.replace("{database}", "system")}`, {
        method,
        headers: { "content-type": "application/json" },
        ...(method === "POST" && { body: "{}" }),
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        status: { reason: "no such route", sql_state: "08004", vendor_code: -1254 },
      });
    },
  );
});
