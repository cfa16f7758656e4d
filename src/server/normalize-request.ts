/**
 * The published spec names the access token key `"access_token\t"` (with a TAB); clients generated
 * from it send that key, so it is accepted as `access_token`. The exactly-one rule is checked here
 * too, for a clearer reason than a schema's `oneOf` failure gives.
 */
import { InvalidRequest } from "../errors.js";
import { checkSize } from "../exchange/inspect-token.js";

const VERBATIM_ACCESS_TOKEN_KEY = "access_token\t";

export function normalizeSsoTokenRequest(body: unknown, maxTokenBytes: number): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidRequest("the request body must be a JSON object");
  }
  const record = body as Record<string, unknown>;
  if (Object.hasOwn(record, VERBATIM_ACCESS_TOKEN_KEY)) {
    if (Object.hasOwn(record, "access_token")) {
      throw new InvalidRequest("provide exactly one of id_token and access_token");
    }
    record.access_token = record[VERBATIM_ACCESS_TOKEN_KEY];
    delete record[VERBATIM_ACCESS_TOKEN_KEY];
  }
  const tokens = Number(Object.hasOwn(record, "id_token")) + Number(Object.hasOwn(record, "access_token"));
  if (tokens !== 1) throw new InvalidRequest("provide exactly one of id_token and access_token");
  // Before schema validation, so an oversized token is answered 413 rather than a schema's 400.
  const token = record.id_token ?? record.access_token;
  if (typeof token === "string") checkSize(token, maxTokenBytes);
  return record;
}
