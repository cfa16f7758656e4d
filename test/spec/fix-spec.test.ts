import { describe, expect, it } from "vitest";
import {
  applyPatches,
  NOT_SERVED_OPERATIONS,
  PATCHES,
  REQUEST_PROPERTIES,
  SERVED_OPERATIONS,
} from "../../scripts/fix-spec.js";
import { ROOT } from "../../scripts/generate.js";
import { PUBLISHED_DOCUMENT_PATH } from "../../scripts/lib/doc-page.js";
import { type Patch, runPatches } from "../../scripts/lib/patch.js";
import { loadPublished } from "../../scripts/lib/upstream.js";
import type { JsonObject } from "../../scripts/lib/walk-schemas.js";
import { normalizePropertyKeys } from "../../scripts/patches/property-keys.js";
import { requestProperties } from "../../scripts/patches/request-properties.js";
import { exactlyOneToken } from "../../scripts/patches/sso-token.js";

/** Read as generation reads it, so a new release's BOM or line endings change nothing here. */
const loadUpstream = (): JsonObject => loadPublished(ROOT, PUBLISHED_DOCUMENT_PATH);
const run = (document: JsonObject, ...patches: Patch[]) => runPatches(document, patches);

describe("patches", () => {
  it("each has a name and a reason", () => {
    expect(new Set(PATCHES.map((p) => p.name)).size).toBe(PATCHES.length);
    for (const p of PATCHES) expect(p.why.length).toBeGreaterThan(40);
  });

  it("never touch the published document they are given, and find nothing in it", () => {
    const published = loadUpstream();
    expect(applyPatches(published).findings).toEqual([]);
    expect(published).toEqual(loadUpstream());
  });

  it.each<[string, RegExp[]]>([
    [
      "normalize-property-keys",
      [
        /^fixed key "access_token\\t" -> "access_token" at paths\.\/v1\/sso_token\.post\.requestBody\.content\.application\/json\.schema$/,
        /^fixed key "sso_callback_path\\t" -> "sso_callback_path" at paths\.\/v1\/sso_authentication\./,
      ],
    ],
    [
      "not-served-operations",
      [new RegExp(`^removed ${Object.keys(NOT_SERVED_OPERATIONS).length} operations not served: `)],
    ],
    [
      "local-servers",
      [
        /^set \[\{"url":"\/".*\] at servers/,
        /^removed at paths\.\/v1\/sso_token\.post\.servers \(upstream: /,
      ],
    ],
    ["request-body-required", [/^asserted paths\.\/v1\/sso_token\.post\.requestBody\.required is true$/]],
    [
      "exactly-one-token",
      [/^set 128 at .*database\.maxLength \(upstream: nothing\)$/, /SsoTokenRequestWithIdToken/],
    ],
    ["response-extension", [/to components\.schemas\.SsoTokenResponse$/, /extended example "response"/]],
    [
      "error-responses",
      [
        /^POST \/v1\/sso_token: added 401 \(vendor_code -1228, .*-1236\) \+ WWW-Authenticate$/,
        /^POST \/v1\/sso_token: added 503 .* Retry-After$/,
        /^POST \/v1\/token_refresh: added 401 \(vendor_code -1204, .*-1208\) \+ WWW-Authenticate$/,
      ],
    ],
  ])("%s reports what it fixed", (name, expected) => {
    const { reports } = applyPatches(loadUpstream());
    const fixed = reports.find((r) => r.name === name)?.fixed ?? [];
    for (const line of expected) expect(fixed).toContainEqual(expect.stringMatching(line));
  });

  // request-body-required is a guard: it asserts, so it passes on a fixed document.
  const fixes = PATCHES.filter((p) => p.name !== "request-body-required");
  it.each(fixes)("$name finds, naming itself, that an already fixed document needs it no more", (p) => {
    const { document } = applyPatches(loadUpstream());
    const { findings } = run(document, p);
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(finding).toMatchObject({ patch: p.name, remedy: expect.stringMatching(/\w{5}/) });
    }
  });

  it("every patch runs and reports: one run finds every problem", () => {
    const document = loadUpstream();
    const sso = (document.paths as JsonObject)["/v1/sso_token"] as { post: JsonObject };
    (sso.post.requestBody as JsonObject).required = false;
    ((sso.post.responses as JsonObject)["401"] as unknown) = { description: "upstream's own 401" };
    const { findings } = applyPatches(document);
    expect(findings.map((f) => [f.patch, f.at])).toEqual([
      ["request-body-required", "paths./v1/sso_token.post.requestBody.required"],
      ["error-responses", "paths./v1/sso_token.post.responses.401"],
    ]);
  });

  it("a patch that needs a failed one is skipped, not run on a half-fixed document", () => {
    const document: JsonObject = { paths: {} };
    const { reports, findings } = run(document, normalizePropertyKeys, exactlyOneToken());
    expect(findings.map((f) => f.patch)).toEqual(["normalize-property-keys"]);
    expect(reports[1]).toEqual({
      name: "exactly-one-token",
      fixed: [],
      skipped: "needs normalize-property-keys",
    });
  });
});

describe("exactly-one-token", () => {
  /** A property no release has: what upstream adds here. */
  const ADDED = "added_upstream";
  const withClientId = (): JsonObject => {
    const document = loadUpstream();
    const sso = (document.paths as JsonObject)["/v1/sso_token"] as { post: { requestBody: JsonObject } };
    const schema = (sso.post.requestBody.content as Record<string, { schema: { properties: JsonObject } }>)[
      "application/json"
    ]?.schema;
    if (schema) schema.properties[ADDED] = { type: "string", maxLength: 64, description: "upstream's words" };
    return document;
  };

  const properties = (reads: readonly string[]) =>
    requestProperties(SERVED_OPERATIONS, { ...REQUEST_PROPERTIES, postOcientHttpQueryApiSsoToken: reads });

  it("finds a request property the exchange does not read, with what upstream now lists", () => {
    const reads = REQUEST_PROPERTIES.postOcientHttpQueryApiSsoToken ?? [];
    const { findings } = run(withClientId(), normalizePropertyKeys, properties(reads), exactlyOneToken());
    expect(findings).toEqual([
      expect.objectContaining({
        patch: "request-properties",
        at: "POST /v1/sso_token",
        says: `postOcientHttpQueryApiSsoToken request properties [${[...reads, ADDED].join(", ")}]: upstream adds ${ADDED}`,
        expected: `the properties its handler is written against: [${reads.join(", ")}]`,
        remedy: expect.stringContaining("REQUEST_PROPERTIES.postOcientHttpQueryApiSsoToken"),
      }),
    ]);
  });

  it("serves a property, once listed in REQUEST_PROPERTIES, as upstream describes it, in both branches", () => {
    const document = withClientId();
    const reads = [...(REQUEST_PROPERTIES.postOcientHttpQueryApiSsoToken ?? []), ADDED];
    const { findings } = run(document, normalizePropertyKeys, properties(reads), exactlyOneToken());
    expect(findings).toEqual([]);
    const schemas = (document.components as { schemas: Record<string, { properties: JsonObject }> }).schemas;
    for (const name of ["SsoTokenRequestWithIdToken", "SsoTokenRequestWithAccessToken"]) {
      expect(schemas[name]?.properties[ADDED]).toEqual({
        type: "string",
        maxLength: 64,
        description: "upstream's words",
      });
    }
  });
});

describe("normalize-property-keys", () => {
  const normalize = (document: JsonObject) => run(document, normalizePropertyKeys);

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
    expect(normalize(document).reports[0]?.fixed).toEqual([
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
    const outer = (document.components as { schemas: { Outer: { properties: JsonObject } } }).schemas.Outer;
    expect(Object.keys(outer.properties)).toEqual(["a", "b", "properties"]);
  });

  it("finds a key whose trimmed form already exists", () => {
    const document: JsonObject = { components: { schemas: { S: { properties: { a: {}, "a\t": {} } } } } };
    expect(normalize(document).findings).toEqual([
      expect.objectContaining({
        patch: "normalize-property-keys",
        at: 'components.schemas.S.properties."a\\t"',
        says: '"a\\t" beside "a"',
      }),
    ]);
  });
});
