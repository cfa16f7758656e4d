import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyPatches, PATCHES, type Patch, PatchNoLongerApplies } from "../../scripts/fix-spec.js";
import { ROOT } from "../../scripts/generate.js";
import { PAGE_SPEC_PATH } from "../../scripts/lib/doc-page.js";
import { isObject, type JsonObject } from "../../scripts/lib/walk-schemas.js";

const pageText = readFileSync(path.join(ROOT, PAGE_SPEC_PATH), "utf8");
const loadPage = (): JsonObject => parse(pageText);
const patch = (name: string): Patch => {
  const found = PATCHES.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no patch ${name}`);
  return found;
};
const node = (document: JsonObject, ...keys: string[]): JsonObject =>
  keys.reduce<JsonObject>((parent, key) => {
    const child = parent[key];
    if (!isObject(child)) throw new Error(`no object at ${keys.join(".")}`);
    return child;
  }, document);
const EXCHANGE = ["paths", "/v1/sso_token", "post"];

describe("patches", () => {
  it("each has a name and a reason", () => {
    expect(new Set(PATCHES.map((p) => p.name)).size).toBe(PATCHES.length);
    for (const p of PATCHES) expect(p.why.length).toBeGreaterThan(40);
  });

  it("never touch the published document they are given", () => {
    const published = loadPage();
    applyPatches(published);
    expect(published).toEqual(loadPage());
  });

  it.each<[string, RegExp[]]>([
    [
      "local-servers",
      [
        /^dropped server "https:\/\/\{sql_node\}" at servers$/,
        /^dropped server "http:\/\/oc1-lts0:9090" at servers$/,
        /^dropped server "https:\/\/\{sql_node\}" at paths\.\/v1\/sso_token\.post\.servers$/,
      ],
    ],
    [
      "normalize-property-keys",
      [
        /^fixed key "access_token\\t" -> "access_token" at paths\.\/v1\/sso_token\.post\.requestBody\.content\.application\/json\.schema$/,
      ],
    ],
    ["request-body-required", [/^asserted paths\.\/v1\/sso_token\.post\.requestBody\.required is true$/]],
    ["exactly-one-token", [/to components\.schemas\.SsoTokenRequest$/, /SsoTokenRequestWithIdToken/]],
    ["response-extension", [/to components\.schemas\.SsoTokenResponse$/, /extended example "response"/]],
    [
      "error-responses",
      [/^added 401 \(vendor_code -1228, .*-1236\) \+ WWW-Authenticate$/, /^added 503 .* Retry-After$/],
    ],
  ])("%s reports what it fixed", (name, expected) => {
    const { reports } = applyPatches(loadPage());
    const fixed = reports.find((r) => r.name === name)?.fixed ?? [];
    for (const line of expected) expect(fixed).toContainEqual(expect.stringMatching(line));
  });

  // request-body-required is a guard: it asserts, so it passes on a fixed document (tested below).
  const fixes = PATCHES.filter((p) => p.name !== "request-body-required").map((p) => [p.name]);
  it.each(fixes)("%s fails, naming itself, on an already fixed document", (name) => {
    const { document } = applyPatches(loadPage());
    expect(() => patch(name).apply(document)).toThrow(PatchNoLongerApplies);
    expect(() => patch(name).apply(document)).toThrow(`patch "${name}" no longer applies`);
  });

  it.each(PATCHES.filter((p) => p.name !== "local-servers" && p.name !== "normalize-property-keys"))(
    "$name fails, naming itself, when the operation is gone upstream",
    (p) => {
      const document = loadPage();
      delete node(document, "paths")["/v1/sso_token"];
      expect(() => p.apply(document)).toThrow(
        `patch "${p.name}" no longer applies: paths./v1/sso_token is gone`,
      );
    },
  );

  it("request-body-required fails when upstream makes the body optional", () => {
    const document = loadPage();
    node(document, ...EXCHANGE, "requestBody").required = false;
    expect(() => patch("request-body-required").apply(document)).toThrow(
      'patch "request-body-required" no longer applies: paths./v1/sso_token.post.requestBody.required is false',
    );
  });

  it("exactly-one-token fails when upstream adds a request property", () => {
    const document = applyPatches(loadPage(), [patch("normalize-property-keys")]).document;
    const schema = node(document, ...EXCHANGE, "requestBody", "content", "application/json", "schema");
    node(schema, "properties").client_id = { type: "string" };
    expect(() => patch("exactly-one-token").apply(document)).toThrow(
      /patch "exactly-one-token" no longer applies: .* has properties \[database, id_token, access_token, client_id\]/,
    );
  });
});

describe("normalize-property-keys", () => {
  const normalize = (document: JsonObject) => patch("normalize-property-keys").apply(document);

  it("trims keys anywhere, keeps their position and fixes required lists", () => {
    const document: JsonObject = {
      paths: {},
      components: {
        schemas: {
          Outer: {
            type: "object",
            required: [" a", "b"],
            properties: {
              " a": { type: "string" },
              b: { type: "array", items: { properties: { "c\n": { type: "string" } } } },
              properties: { type: "object", properties: { "d ": {} } },
            },
            example: { " a": "data, not a schema" },
          },
        },
      },
    };
    expect(normalize(document)).toEqual([
      'fixed key " a" -> "a" at components.schemas.Outer',
      'fixed required " a" -> "a" at components.schemas.Outer',
      'fixed key "c\\n" -> "c" at components.schemas.Outer.properties.b.items',
      'fixed key "d " -> "d" at components.schemas.Outer.properties.properties',
    ]);
    expect(document).toMatchObject({
      components: {
        schemas: {
          Outer: {
            required: ["a", "b"],
            properties: { b: { items: { properties: { c: {} } } }, properties: { properties: { d: {} } } },
            example: { " a": "data, not a schema" },
          },
        },
      },
    });
    expect(Object.keys(node(document, "components", "schemas", "Outer", "properties"))).toEqual([
      "a",
      "b",
      "properties",
    ]);
  });

  it("refuses a key whose trimmed form already exists", () => {
    const document: JsonObject = { components: { schemas: { S: { properties: { a: {}, "a\t": {} } } } } };
    expect(() => normalize(document)).toThrow(
      /patch "normalize-property-keys" no longer applies: key "a\\t"/,
    );
  });
});
