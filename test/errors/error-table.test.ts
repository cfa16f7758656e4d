/** The errors module's table and its classes: each class answers its row, as the contract says. */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/generate.js";
import * as errors from "../../src/errors.js";
import { ERRORS, type SsoError } from "../../src/errors.js";

type ErrorClass = new (message: string) => SsoError;
const classes = (Object.values(errors) as unknown[]).filter(
  (E): E is ErrorClass => typeof E === "function" && E.prototype instanceof errors.SsoError,
);

describe("ERRORS", () => {
  it("names each error by its class, as jose's errors are named", () => {
    for (const E of classes) expect(new E("x").name).toBe(E.name);
  });

  it("has exactly one class per code", () => {
    const codes = classes.map((E) => new E("x").code);
    expect(codes.toSorted()).toEqual(Object.keys(ERRORS).toSorted());
  });

  // The contract's error table, kept here as written there: the refactor into one table changed nothing.
  it.each<[ErrorClass, number, number, string, Record<string, string>, boolean]>([
    [errors.InvalidRequest, 400, -1254, "08004", {}, true],
    [errors.UnsupportedMediaType, 415, -1254, "08004", {}, true],
    [errors.RouteNotFound, 404, -1254, "08004", {}, true],
    [errors.MethodNotAllowed, 405, -1254, "08004", {}, true],
    [errors.PayloadTooLarge, 413, -1254, "08004", {}, true],
    [errors.RequestHeaderFieldsTooLarge, 431, -1254, "08004", {}, true],
    [errors.TokenExpired, 401, -1228, "28000", { "www-authenticate": 'Bearer error="invalid_token"' }, true],
    [
      errors.InvalidAccessToken,
      401,
      -1236,
      "28000",
      { "www-authenticate": 'Bearer error="invalid_token"' },
      true,
    ],
    [errors.AccessDenied, 403, -1251, "42501", {}, true],
    [errors.RateLimited, 429, -1256, "08004", { "retry-after": "1" }, true],
    [errors.InvalidProviderMetadata, 502, -1226, "08001", {}, true],
    [errors.InvalidProviderKeySet, 502, -1230, "08001", {}, true],
    [errors.ProviderUnavailable, 503, -1220, "08001", { "retry-after": "5" }, true],
    [errors.ServerError as unknown as ErrorClass, 500, -1255, "58005", {}, false],
  ])("%o answers its row", (E, status, vendorCode, sqlState, headers, expose) => {
    const error = new E("reason");
    expect(error).toBeInstanceOf(Error);
    expect({
      status: error.status,
      vendorCode: error.vendorCode,
      sqlState: error.sqlState,
      headers: error.headers(),
      expose: error.expose,
    }).toEqual({ status, vendorCode, sqlState, headers, expose });
  });

  it("keeps a Retry-After given at construction", () => {
    expect(new errors.RateLimited("x", 7).headers()).toEqual({ "retry-after": "7" });
    expect(new errors.ProviderUnavailable("x", undefined, 9).headers()).toEqual({ "retry-after": "9" });
  });

  it("subclasses of InvalidRequest are InvalidRequests", () => {
    expect(new errors.UnsupportedMediaType("x")).toBeInstanceOf(errors.InvalidRequest);
  });

  /** Every string and template literal of src/, templates as patterns: the reasons the service can send. */
  function reasons(dir: string): RegExp[] {
    return (
      readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts") && file !== "errors.ts")
        .flatMap((file) => [
          ...readFileSync(path.join(dir, file), "utf8").matchAll(/"([^"\n]+)"|`([^`\n]+)`/g),
        ])
        .map(([, plain, template]) => plain ?? template ?? "")
        // A template that is mostly placeholders would match any reason.
        .filter((text) => text.replace(/\$\{[^}]*\}/g, "").length >= 12)
        .map((text) => {
          const parts = text.split(/\$\{[^}]*\}/).map((part) => part.replace(/[.*+?^$()[\]{}|\\]/g, "\\$&"));
          return new RegExp(`^${parts.join(".+")}$`);
        })
    );
  }

  it("gives, as each code's example, a reason the service really sends", () => {
    const sent = reasons(path.join(ROOT, "src"));
    for (const [code, { example }] of Object.entries(ERRORS)) {
      if (code === "ERR_SERVER_ERROR") continue; // written by ServerError itself
      expect(
        sent.some((pattern) => pattern.test(example)),
        `${code}: ${example}`,
      ).toBe(true);
    }
  });
});
