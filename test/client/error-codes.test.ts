import { describe, expect, it } from "vitest";
import { SsoExchangeError } from "../../src/client/index.js";
import * as errors from "../../src/errors.js";

/** The client keeps its own table of codes (it imports no server code); it must name each vendor_code as the service does. */
describe("SsoExchangeError codes", () => {
  type ErrorClass = new (message: string) => errors.SsoError;
  const serviceErrors = (Object.values(errors) as unknown[])
    .filter((E): E is ErrorClass => typeof E === "function" && E.prototype instanceof errors.SsoError)
    .map((E) => new E("x"));

  it("covers every vendor_code the service answers with", () => {
    expect(serviceErrors.length).toBeGreaterThanOrEqual(15);
    for (const e of serviceErrors) {
      const client = new SsoExchangeError({
        httpStatus: e.status,
        vendorCode: e.vendorCode,
        sqlState: e.sqlState,
        reason: "x",
      });
      expect(client.code, `${e.constructor.name} (${e.vendorCode})`).not.toBe("ERR_SSO_EXCHANGE");
    }
  });

  it("names each vendor_code as the service's first class with that code does", () => {
    const firstByCode = new Map<number, string>();
    for (const e of serviceErrors) if (!firstByCode.has(e.vendorCode)) firstByCode.set(e.vendorCode, e.code);
    for (const [vendorCode, code] of firstByCode) {
      expect(new SsoExchangeError({ httpStatus: 400, vendorCode, sqlState: "x", reason: "x" }).code).toBe(
        code,
      );
    }
  });
});
