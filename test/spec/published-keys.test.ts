/** Finding the published keys with surrounding whitespace, and describing them in the served document. */
import { OpenAPIBackend } from "openapi-backend";
import { describe, expect, it } from "vitest";
import { PUBLISHED_SPELLINGS, SERVED_OPERATIONS } from "../../scripts/fix-spec.js";
import { ROOT } from "../../scripts/generate.js";
import { PAGE_SPEC_PATH, PUBLISHED_DOCUMENT_PATH } from "../../scripts/lib/doc-page.js";
import { describePublishedKeys, publishedKeysOf } from "../../scripts/lib/published-keys.js";
import { loadPublished } from "../../scripts/lib/upstream.js";
import type { JsonObject } from "../../scripts/lib/walk-schemas.js";

/** Read as generation reads them; the spellings upstream publishes today, as PUBLISHED_SPELLINGS decided. */
const documentKeys = publishedKeysOf(loadPublished(ROOT, PUBLISHED_DOCUMENT_PATH));
const decided = Object.entries(PUBLISHED_SPELLINGS).flatMap(([operationId, spellings]) =>
  Object.entries(spellings)
    .filter(([, state]) => state === "published")
    .map(([published]) => [SERVED_OPERATIONS[operationId], published.trim(), published]),
);
const sorted = (rows: unknown[][]) => rows.map((row) => JSON.stringify(row)).sort();

describe("publishedKeysOf", () => {
  it("finds the whitespace keys of the whole document that PUBLISHED_SPELLINGS lists as published", () => {
    expect(documentKeys.length).toBeGreaterThan(0);
    expect(sorted(documentKeys.map(({ route, key, published }) => [route, key, published]))).toEqual(
      sorted(decided),
    );
  });

  it("finds the page's keys by the same rule: those of the whole document's sso_token", () => {
    expect(publishedKeysOf(loadPublished(ROOT, PAGE_SPEC_PATH))).toEqual(
      documentKeys.filter(({ route }) => route === "POST /v1/sso_token"),
    );
  });

  it("refuses whitespace nested below the body's own properties, which the server would not trim", () => {
    const document = {
      paths: {
        "/x": {
          post: {
            operationId: "postX",
            requestBody: {
              content: {
                "application/json": {
                  schema: { properties: { outer: { properties: { "inner\t": { type: "string" } } } } },
                },
              },
            },
          },
        },
      },
    };
    expect(() => publishedKeysOf(document)).toThrow(
      /"inner\\t" has surrounding whitespace .* top-level keys only/,
    );
  });
});

describe("describePublishedKeys", () => {
  /** An operation with an optional published key, as sso_authentication's `"sso_callback_path\t"`. */
  const optional = (): JsonObject => ({
    openapi: "3.1.0",
    info: { title: "t", version: "1" },
    paths: {
      "/v1/sso_authentication": {
        post: {
          operationId: "postAuth",
          requestBody: {
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  additionalProperties: false,
                  properties: { database: { type: "string" }, sso_callback_path: { type: "string" } },
                },
              },
            },
          },
          responses: { "200": { description: "ok" } },
        },
      },
    },
  });
  const key = {
    operationId: "postAuth",
    route: "POST /v1/sso_authentication",
    key: "sso_callback_path",
    published: "sso_callback_path\t",
  };

  it("describes an optional property's published key beside it, as deprecated, never both", async () => {
    const document = optional();
    expect(describePublishedKeys(document, [key])).toEqual([
      'described "sso_callback_path\\t" beside sso_callback_path in POST /v1/sso_authentication, never both',
    ]);
    const api = new OpenAPIBackend({ definition: document as never, quick: true });
    await api.init();
    const valid = (body: unknown) =>
      api.validateRequest(
        {
          method: "post",
          path: "/v1/sso_authentication",
          headers: { "content-type": "application/json" },
          body,
        },
        "postAuth",
      ).valid;
    expect(valid({ sso_callback_path: "/cb" })).toBe(true);
    expect(valid({ "sso_callback_path\t": "/cb" })).toBe(true);
    expect(valid({ sso_callback_path: "/cb", "sso_callback_path\t": "/cb" })).toBe(false);
    expect(valid({ database: "d" })).toBe(true);
  });

  it("leaves an operation it does not know alone", () => {
    const document = optional();
    expect(describePublishedKeys(document, [{ ...key, operationId: "other" }])).toEqual([]);
    expect(document).toEqual(optional());
  });
});
