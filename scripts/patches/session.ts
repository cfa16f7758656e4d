/**
 * The patches of the served session operation `POST /v1/token_refresh`. `GET /v1/info` and
 * `POST /v1/logout` are served as published.
 */
import {
  applyOverrides,
  type Guard,
  is,
  matching,
  nothing,
  type Override,
  type Patch,
  valueAt,
} from "../lib/patch.js";
import { isObject } from "../lib/walk-schemas.js";

const REFRESH = ["paths", "/v1/token_refresh", "post"];
const OK_SCHEMA = [...REFRESH, "responses", "200", "content", "application/json", "schema"];
const stringProperty = matching("a string property", (v) => isObject(v) && v.type === "string");

export const refreshHeaders: Patch = {
  name: "token-refresh-headers",
  why:
    "token_refresh documents `Authorization` and `Content-Type` as required headers. The service answers a " +
    "request without a bearer token with 401 -1204 (the published code for it), which schema validation would " +
    "turn into 400, and the body is optional, so a request without one needs no `Content-Type`. Drop this " +
    "patch if upstream makes both optional.",
  apply(document, context) {
    const names: Guard[] = [
      { at: [...REFRESH, "parameters", "0", "name"], upstream: is("Authorization") },
      { at: [...REFRESH, "parameters", "1", "name"], upstream: is("Content-Type") },
    ];
    const overrides: Override[] = ["0", "1"].map((i) => ({
      at: [...REFRESH, "parameters", i, "required"],
      upstream: is(true),
      served: false,
    }));
    if (!context.check(document, [...names, ...overrides])) return [];
    return applyOverrides(document, overrides);
  },
};

export const refreshResponse: Patch = {
  name: "token-refresh-response",
  why:
    "The documented answer lists `access_token`, `username`, `database`, `expires_in` and `status`, all " +
    "optional; the service always sends them, plus `token_type: Bearer` (RFC 6750) as a documented extension.",
  apply(document, context) {
    const guards: Guard[] = ["access_token", "username", "database"].map((name) => ({
      at: [...OK_SCHEMA, "properties", name],
      upstream: stringProperty,
    }));
    const overrides: Override[] = [
      {
        at: [...OK_SCHEMA, "properties", "token_type"],
        upstream: nothing,
        served: { type: "string", enum: ["Bearer"], description: "Extension: always `Bearer` (RFC 6750)." },
      },
      {
        at: [...OK_SCHEMA, "required"],
        upstream: nothing,
        served: ["access_token", "username", "database", "expires_in", "token_type", "status"],
      },
    ];
    if (!context.check(document, [...guards, ...overrides])) return [];
    const fixed = applyOverrides(document, overrides);
    const examples = valueAt(document, [...OK_SCHEMA.slice(0, -1), "examples"]);
    for (const [name, example] of Object.entries(isObject(examples) ? examples : {})) {
      if (!isObject(example) || !isObject(example.value)) continue;
      example.value = { ...example.value, token_type: "Bearer" };
      fixed.push(`extended example ${JSON.stringify(name)} with token_type`);
    }
    return fixed;
  },
};
