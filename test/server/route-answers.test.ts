/**
 * What each route answers agrees with the served document and with HTTP: every GET route answers with a
 * media type its document declares, a 405 names the route's methods in `Allow` (RFC 9110 §15.5.6), and a
 * JSON body that is not an object is refused for what it is.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { document } from "../../generated/openapi.js";
import { type Harness, startHarness } from "../support/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

type Operation = { responses?: Record<string, { content?: Record<string, unknown> }> };
const paths = (document as unknown as { paths: Record<string, Record<string, Operation>> }).paths;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const documented = Object.entries(paths).map(([path, item]) => ({
  path,
  methods: Object.keys(item).filter((m) => METHODS.includes(m)),
  item,
}));
const mediaType = (value: string | null) => value?.split(";", 1)[0]?.trim().toLowerCase();

it("GET /v1/info answers the served document's version and the default database", async () => {
  const response = await h.get("/v1/info");
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({
    default_database: "system",
    openapi_version: document.info.version,
  });
});

describe("GET routes answer the media type their document declares", () => {
  // The callback answers only a browser coming back from its provider: test/signin/browser.test.ts.
  const gets = documented.filter((r) => r.methods.includes("get") && r.path !== "/v1/callback");
  it.each(gets.map((r) => [r.path, Object.keys(r.item.get?.responses?.["200"]?.content ?? {})]))(
    "%s: %j",
    async (path, declared) => {
      const response = await h.get(path as string);
      expect(response.status).toBe(200);
      expect(declared).toContain(mediaType(response.headers.get("content-type")));
    },
  );
});

describe("405 carries Allow", () => {
  it.each(documented.map((r) => [r.path, r.methods.map((m) => m.toUpperCase())] as const))(
    "%s allows %j",
    async (path, methods) => {
      const wrong = methods.includes("DELETE") ? "PUT" : "DELETE";
      const response = await fetch(`${h.url}${path}`, { method: wrong });
      expect(response.status).toBe(405);
      expect(((await response.json()) as { status: { vendor_code: number } }).status.vendor_code).toBe(-1254);
      // HEAD is answered wherever GET is.
      const allowed = methods.includes("GET") ? [...methods, "HEAD"] : methods;
      expect(response.headers.get("allow")?.split(/,\s*/).sort()).toEqual([...allowed].sort());
    },
  );
});

describe("a JSON body that is not an object", () => {
  it.each(["", "  \r\n"])("%j (no body at all): 400, the body is empty", async (body) => {
    const response = await h.post(body);
    expect(response.json).toEqual({
      status: {
        reason: "the request body is empty: send a JSON object",
        sql_state: "08004",
        vendor_code: -1254,
      },
    });
    expect(response.status).toBe(400);
  });

  it.each(["null", "[]", '"retail_analytics"', "42", "true"])(
    "%s: 400, the body must be a JSON object",
    async (body) => {
      const response = await h.post(body);
      expect(response.status).toBe(400);
      expect(response.json).toEqual({
        status: { reason: "the request body must be a JSON object", sql_state: "08004", vendor_code: -1254 },
      });
    },
  );
});
