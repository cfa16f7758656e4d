/**
 * The spec-fix rule, applied to requests: a property key is the same key without its surrounding
 * whitespace. The published document spells some keys with whitespace (`"access_token\t"`), and clients
 * generated from it send that key, or what their generator made of it (openapi-typescript-codegen writes
 * the TAB as four spaces). For every property whose published key needed the fix (generated/request-keys.ts,
 * as PUBLISHED_SPELLINGS in scripts/fix-spec.ts decides), such a key is accepted as the property. Two keys naming the same
 * property are refused, never merged. The exactly-one-token rule is checked here too, for a clearer
 * reason than a schema's `oneOf` failure gives.
 */
import { whitespaceKeys } from "../../generated/request-keys.js";
import { InvalidRequest } from "../errors.js";
import { checkSize } from "../exchange/token-size.js";

/**
 * Renames, in place, each key of `record` that is one of `names` once trimmed (`"access_token    "` →
 * `access_token`). Throws InvalidRequest when two keys name the same property.
 */
export function trimRequestKeys(
  record: Record<string, unknown>,
  names: readonly string[] = [],
): Record<string, unknown> {
  if (names.length === 0) return record;
  for (const key of Object.keys(record)) {
    const name = key.trim();
    if (name === key || !names.includes(name)) continue;
    if (Object.hasOwn(record, name)) {
      throw new InvalidRequest(`the request body names ${name} more than once`);
    }
    record[name] = record[key];
    delete record[key];
  }
  return record;
}

/** The spec-fix rule on the keys of an operation's request body (an object; anything else is left as is). */
export function normalizeRequestKeys(operationId: string, body: unknown): unknown {
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    trimRequestKeys(body as Record<string, unknown>, whitespaceKeys[operationId]);
  }
  return body;
}

export function normalizeSsoTokenRequest(body: unknown, maxTokenBytes: number): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidRequest("the request body must be a JSON object");
  }
  // Its keys were trimmed by the router (normalizeRequestKeys), as every operation's are.
  const record = body as Record<string, unknown>;
  const tokens = Number(Object.hasOwn(record, "id_token")) + Number(Object.hasOwn(record, "access_token"));
  if (tokens !== 1) throw new InvalidRequest("provide exactly one of id_token and access_token");
  // Before schema validation, so an oversized token is answered 413 rather than a schema's 400.
  const token = record.id_token ?? record.access_token;
  if (typeof token === "string") checkSize(token, maxTokenBytes);
  return record;
}
