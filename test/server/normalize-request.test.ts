/** The spec-fix rule on request keys: a key is the same key without its surrounding whitespace. */
import { describe, expect, it } from "vitest";
import { whitespaceKeys } from "../../generated/request-keys.js";
import { InvalidRequest } from "../../src/errors.js";
import {
  normalizeSsoTokenRequest as normalizeExchange,
  normalizeRequestKeys,
  trimRequestKeys,
} from "../../src/server/normalize-request.js";

const MAX = 12288;
/** What the router does to an exchange's body before its schema: the keys, then the exchange's own checks. */
const normalizeSsoTokenRequest = (body: unknown, max: number) =>
  normalizeExchange(normalizeRequestKeys("postOcientHttpQueryApiSsoToken", body), max);

describe("generated/request-keys.ts", () => {
  it("lists the properties of served operations whose published key needed the fix", () => {
    expect(whitespaceKeys).toEqual({
      postOcientHttpQueryApiSsoAuthentication: ["sso_callback_path"],
      postOcientHttpQueryApiSsoToken: ["access_token"],
    });
  });
});

describe("normalizeSsoTokenRequest", () => {
  it.each([
    ["the published TAB", "access_token\t"],
    ["openapi-typescript-codegen's four spaces", "access_token    "],
    ["leading and trailing whitespace", " \taccess_token\r\n"],
    ["no whitespace", "access_token"],
  ])("accepts access_token spelled with %s", (_, key) => {
    const body = normalizeSsoTokenRequest({ database: "d", [key]: "t" }, MAX);
    expect(body).toEqual({ database: "d", access_token: "t" });
  });

  it.each([
    ["access_token and the published TAB key", { access_token: "a", "access_token\t": "b" }],
    ["the TAB key and the four-space key", { "access_token\t": "a", "access_token    ": "b" }],
    ["the four-space key and access_token", { "access_token    ": "a", access_token: "b" }],
  ])("refuses %s in one body, never merging them", (_, tokens) => {
    expect(() => normalizeSsoTokenRequest({ database: "d", ...tokens }, MAX)).toThrow(InvalidRequest);
  });

  it("refuses id_token beside a whitespace spelling of access_token", () => {
    expect(() =>
      normalizeSsoTokenRequest({ database: "d", id_token: "a", "access_token\t": "b" }, MAX),
    ).toThrow("provide exactly one of id_token and access_token");
  });

  it("leaves keys whose published key needed no fix as they are, for the schema to refuse", () => {
    const body = normalizeSsoTokenRequest({ "database ": "d", "id_token\t": "t", access_token: "a" }, MAX);
    expect(Object.keys(body as object)).toEqual(["database ", "id_token\t", "access_token"]);
  });
});

describe("trimRequestKeys", () => {
  it("renames only the listed names and keeps the value as sent", () => {
    const value = { nested: true };
    expect(trimRequestKeys({ "a\t": value, " b": 1 }, ["a"])).toEqual({ a: value, " b": 1 });
  });

  it("does nothing without listed names", () => {
    expect(trimRequestKeys({ "a\t": 1 })).toEqual({ "a\t": 1 });
  });

  it("is not fooled by keys that trim to prototype names", () => {
    const record = trimRequestKeys(JSON.parse('{"__proto__ ": {"polluted": 1}}'), ["a"]);
    expect(Object.keys(record)).toEqual(["__proto__ "]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
