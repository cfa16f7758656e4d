/**
 * The whole outcome of a refused request, in one place: the status and vendor_code, the Ocient body and
 * nothing else (so no minted token), no JWT or fragment of a sent token anywhere in it, and the headers
 * the contract gives each status.
 */
import { expect } from "vitest";
import type { ExchangeResponse } from "./harness.js";
import { tokenFragments } from "./log-collector.js";

/**
 * The challenge a refusal carries (RFC 6750 §3.1): every 401 has one; a request that sent no bearer
 * token at all (-1204, token_refresh) gets a bare `Bearer`, with no error code, and any other 401
 * `Bearer error="invalid_token"`. Read from the answer's vendor_code, which `expectRefusal` has already
 * checked against the expected one.
 */
function wwwAuthenticateOf(response: ExchangeResponse): string | null {
  if (response.status !== 401) return null;
  return response.json?.status?.vendor_code === -1204 ? "Bearer" : 'Bearer error="invalid_token"';
}

/**
 * `status` and `vendorCode` may be asymmetric matchers (`expect.toBeOneOf([400, 415])`,
 * `expect.any(Number)`) where a table does not know the exact outcome, as when fuzzing.
 * `tokens` are the tokens the request carried: no fragment of them may come back.
 */
export function expectRefusal(
  response: ExchangeResponse,
  status: number,
  vendorCode: number,
  tokens: readonly string[] = [],
): void {
  expect({ status: response.status, vendor_code: response.json?.status?.vendor_code }, response.text).toEqual(
    {
      status,
      vendor_code: vendorCode,
    },
  );
  expect(response.json, response.text).toEqual({
    status: {
      reason: expect.stringMatching(/\S/),
      sql_state: expect.stringMatching(/^[0-9A-Z]{5}$/),
      vendor_code: expect.any(Number),
    },
  });
  expect(response.text).not.toMatch(/eyJ[\w-]+\.eyJ/);
  for (const token of tokens) {
    for (const fragment of tokenFragments(token)) expect(response.text).not.toContain(fragment);
  }
  expect(response.headers.get("www-authenticate")).toBe(wwwAuthenticateOf(response));
  if (response.status === 429 || response.status === 503) {
    expect(response.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
  } else {
    expect(response.headers.get("retry-after")).toBeNull();
  }
  expect(response.headers.get("cache-control")).toBe("no-store");
}
