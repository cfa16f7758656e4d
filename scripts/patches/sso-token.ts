/**
 * The patches of the served `POST /v1/sso_token`. Each keeps what upstream says about the operation and
 * declares the spots it overrides; generation fails, naming the spot, when upstream says something else there.
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
import { formatLocation, isObject, type JsonObject } from "../lib/walk-schemas.js";

const EXCHANGE = ["paths", "/v1/sso_token", "post"];
const JSON_MEDIA = "application/json";
const REQUEST = [...EXCHANGE, "requestBody", "content", JSON_MEDIA, "schema"];
const RESPONSE = [...EXCHANGE, "responses", "200", "content", JSON_MEDIA, "schema"];
const schemaAt = (name: string) => ["components", "schemas", name];

const theOperation: Guard = {
  at: EXCHANGE,
  upstream: matching("the sso_token operation", isObject),
  remedy:
    "upstream moved or dropped POST /v1/sso_token: follow it in scripts/patches/sso-token.ts and the server",
};

export const requestBodyRequired: Patch = {
  name: "request-body-required",
  why:
    "A guard, not an edit: the exchange means nothing without a body, and the server's validation and the " +
    "client types rely on `requestBody.required: true`, which the published page documents. Overriding upstream " +
    "here would hide a change of contract, so if upstream ever drops it, generation stops for a maintainer to review.",
  apply(document, context) {
    const at = [...EXCHANGE, "requestBody", "required"];
    const guards: Guard[] = [
      theOperation,
      {
        at,
        upstream: is(true),
        remedy:
          "upstream no longer requires a body: decide what an exchange without one means, then drop or widen this guard",
      },
    ];
    if (!context.check(document, guards)) return [];
    return [`asserted ${formatLocation(at)} is true`];
  },
};

/** The longest token the schema allows; the service's `server.max_token_bytes` (default 12288) is at most this. */
const MAX_TOKEN_LENGTH = 16384;
/** The length bound of an Ocient identifier. */
const MAX_DATABASE_LENGTH = 128;
/** The request properties the exchange reads (REQUEST_PROPERTIES in scripts/fix-spec.ts checks upstream's). */
export const EXCHANGE_READS = ["database", "id_token", "access_token"] as const;

export function exactlyOneToken(): Patch {
  return {
    name: "exactly-one-token",
    after: ["normalize-property-keys", "request-properties"],
    why:
      "The published schema lists `id_token` and `access_token` as optional properties and says in prose " +
      "that exactly one must be sent. Validation should say it too (RFC 8725 §3.12: one token kind never " +
      "passes as the other), so the body becomes `SsoTokenRequest`, a `oneOf` of two copies of upstream's " +
      "schema, each requiring one token and forbidding the other with `not: {}` (generate.ts renders that " +
      "as `?: never`, so TypeScript rejects an object literal carrying both), closed to keys the exchange " +
      "does not read. Lengths are bounded so oversized input is refused unread.",
    apply(document, context) {
      const property = (name: string, ...rest: string[]) => [...REQUEST, "properties", name, ...rest];
      const guards: Guard[] = [
        { at: [...REQUEST, "type"], upstream: is("object") },
        {
          at: [...REQUEST, "required"],
          upstream: is(["database"]),
          remedy:
            "the exchange requires `database` (contract.md) and either token: if upstream made `database` " +
            "optional, decide whether the exchange defaults it to system as the other operations do, then widen this guard",
        },
        ...["SsoTokenRequest", "SsoTokenRequestWithIdToken", "SsoTokenRequestWithAccessToken"].map(
          (name): Guard => ({ at: schemaAt(name), upstream: nothing }),
        ),
      ];
      const overrides: Override[] = [
        { at: [...REQUEST, "additionalProperties"], upstream: nothing, served: false },
        { at: property("database", "minLength"), upstream: nothing, served: 1 },
        { at: property("database", "maxLength"), upstream: nothing, served: MAX_DATABASE_LENGTH },
        ...["id_token", "access_token"].flatMap((token): Override[] => [
          { at: property(token, "minLength"), upstream: nothing, served: 1 },
          { at: property(token, "maxLength"), upstream: nothing, served: MAX_TOKEN_LENGTH },
        ]),
      ];
      if (!context.check(document, [theOperation, ...guards, ...overrides])) return [];
      const fixed = applyOverrides(document, overrides);

      // Upstream's descriptions are kept; the limits are explained after them.
      const explain = (name: string, text: string) => {
        const schema = valueAt(document, property(name)) as JsonObject;
        schema.description =
          typeof schema.description === "string" ? `${schema.description}\n\n${text}` : text;
      };
      explain(
        "database",
        `At most ${MAX_DATABASE_LENGTH} characters, the length bound of an Ocient identifier.`,
      );
      for (const token of ["id_token", "access_token"]) {
        explain(
          token,
          `At most ${MAX_TOKEN_LENGTH} characters; the service's own cap (\`server.max_token_bytes\`, default 12288) may be lower. A real provider's token is a few kilobytes; a longer one is refused with 413 before it is parsed.`,
        );
      }
      const upstream = valueAt(document, REQUEST) as JsonObject;
      const required = upstream.required as string[];
      const branch = (token: string, other: string, description: string): JsonObject => ({
        ...structuredClone(upstream),
        description,
        required: [...required, token],
        properties: Object.fromEntries(
          Object.entries(upstream.properties as JsonObject).map(([key, value]) => [
            key,
            key === other
              ? { not: {}, description: `Not allowed together with ${token}: send exactly one token.` }
              : structuredClone(value),
          ]),
        ),
      });
      const schemas = ensureSchemas(document);
      schemas.SsoTokenRequestWithIdToken = branch(
        "id_token",
        "access_token",
        "Exchange an OpenID Connect id_token.",
      );
      schemas.SsoTokenRequestWithAccessToken = branch(
        "access_token",
        "id_token",
        "Exchange an OAuth 2.0 access token (a JWT, or an opaque token the provider can introspect).",
      );
      schemas.SsoTokenRequest = {
        description: "`database` and exactly one of `id_token` / `access_token`; no other key.",
        oneOf: [
          { $ref: "#/components/schemas/SsoTokenRequestWithIdToken" },
          { $ref: "#/components/schemas/SsoTokenRequestWithAccessToken" },
        ],
      };
      (valueAt(document, REQUEST.slice(0, -1)) as JsonObject).schema = {
        $ref: "#/components/schemas/SsoTokenRequest",
      };
      return [
        ...fixed,
        `moved ${formatLocation(REQUEST)} to components.schemas.SsoTokenRequest = oneOf [SsoTokenRequestWithIdToken, SsoTokenRequestWithAccessToken], each requiring one token and forbidding the other`,
      ];
    },
  };
}

export const responseExtension: Patch = {
  name: "response-extension",
  why:
    "The documented response is `{id_token, database}`, both optional. This service always sends both, plus " +
    "`expires_in` (seconds) and `token_type: Bearer` as a documented extension (RFC 6749 §5.1), so clients " +
    "need not decode the token to know its lifetime. The schema becomes the named `SsoTokenResponse`; " +
    "whatever else upstream says of it is kept.",
  apply(document, context) {
    const property = (name: string, ...rest: string[]) => [...RESPONSE, "properties", name, ...rest];
    const guards: Guard[] = [
      { at: [...RESPONSE, "type"], upstream: is("object") },
      { at: property("id_token", "type"), upstream: is("string") },
      { at: property("database", "type"), upstream: is("string") },
      { at: schemaAt("SsoTokenResponse"), upstream: nothing },
    ];
    const overrides: Override[] = [
      {
        at: [...RESPONSE, "description"],
        upstream: nothing,
        served:
          "The minted Ocient access token. `expires_in` and `token_type` extend the documented response.",
      },
      {
        at: [...RESPONSE, "required"],
        upstream: nothing,
        served: ["id_token", "database", "expires_in", "token_type"],
      },
      {
        at: property("id_token", "description"),
        upstream: nothing,
        served: "The minted Ocient access token: a compact JWS whose header has `typ: at+jwt`.",
      },
      {
        at: property("database", "description"),
        upstream: nothing,
        served: "The database the token is scoped to.",
      },
      {
        at: property("expires_in"),
        upstream: nothing,
        served: {
          type: "integer",
          minimum: 1,
          description: "Extension: seconds until the token expires (RFC 6749 §5.1).",
        },
      },
      {
        at: property("token_type"),
        upstream: nothing,
        served: { type: "string", enum: ["Bearer"], description: "Extension: always `Bearer` (RFC 6750)." },
      },
    ];
    if (!context.check(document, [theOperation, ...guards, ...overrides])) return [];
    const fixed = applyOverrides(document, overrides);
    const media = valueAt(document, RESPONSE.slice(0, -1)) as JsonObject;
    ensureSchemas(document).SsoTokenResponse = media.schema;
    media.schema = { $ref: "#/components/schemas/SsoTokenResponse" };
    fixed.push(`moved ${formatLocation(RESPONSE)} to components.schemas.SsoTokenResponse`);
    if (isObject(media.examples)) {
      for (const [name, example] of Object.entries(media.examples)) {
        if (!isObject(example) || !isObject(example.value)) continue;
        example.value = { ...example.value, expires_in: 3600, token_type: "Bearer" };
        fixed.push(`extended example ${JSON.stringify(name)} with expires_in and token_type`);
      }
    }
    return fixed;
  },
};

function ensureSchemas(document: JsonObject): JsonObject {
  if (!isObject(document.components)) document.components = {};
  const components = document.components as JsonObject;
  if (!isObject(components.schemas)) components.schemas = {};
  return components.schemas as JsonObject;
}
