/**
 * The fixes applied to the published spec, each named and explained. They run on a deep copy of the
 * published document (`openapi/ocient-sso-token.yaml` is never edited). A patch that no longer applies,
 * because upstream changed shape or already fixed what it fixes, throws `PatchNoLongerApplies` and
 * generation stops: a maintainer then drops or adapts the patch instead of it silently doing nothing.
 */
import { ERRORS, type ErrorEntry, type SsoErrorCode } from "../src/errors.js";
import { errorResponses as errorResponsesOf } from "./lib/error-table.js";
import { formatLocation, isObject, type JsonObject, walkSchemas } from "./lib/walk-schemas.js";

export interface Patch {
  /** Stable name, used in logs and errors. */
  readonly name: string;
  /** Why the published spec needs this, and when the patch can be dropped. */
  readonly why: string;
  /** Edits `document` in place and returns one line per thing it fixed (or asserted). */
  apply(document: JsonObject): string[];
}

export class PatchNoLongerApplies extends Error {
  readonly code = "ERR_PATCH_NO_LONGER_APPLIES";
  constructor(
    readonly patch: string,
    reason: string,
  ) {
    super(`patch "${patch}" no longer applies: ${reason}`);
    this.name = "PatchNoLongerApplies";
  }
}

export interface PatchReport {
  readonly name: string;
  readonly fixed: readonly string[];
}

const EXCHANGE_PATH = "/v1/sso_token";
const EXCHANGE = ["paths", EXCHANGE_PATH, "post"];
const JSON_MEDIA = "application/json";
const OCIENT_STATUS_REF = "#/components/schemas/OcientStatus";

/** Follows `keys` from `root`, requiring an object at each step. */
function objectAt(patch: string, root: JsonObject, keys: readonly string[]): JsonObject {
  let node: JsonObject = root;
  for (const [i, key] of keys.entries()) {
    const next = node[key];
    if (!isObject(next)) {
      const where = formatLocation(keys.slice(0, i + 1));
      throw new PatchNoLongerApplies(patch, `${where} is ${next === undefined ? "gone" : "not an object"}`);
    }
    node = next;
  }
  return node;
}

/** `components.schemas`, created when missing; refuses to overwrite a schema of the same name. */
function addComponentSchema(patch: string, document: JsonObject, name: string, schema: JsonObject): void {
  document.components ??= {};
  const components = objectAt(patch, document, ["components"]);
  components.schemas ??= {};
  const schemas = objectAt(patch, components, ["schemas"]);
  if (name in schemas) throw new PatchNoLongerApplies(patch, `components.schemas.${name} already exists`);
  schemas[name] = schema;
}

function propertyNames(patch: string, schema: JsonObject, where: readonly string[]): string[] {
  if ("$ref" in schema || "oneOf" in schema || "anyOf" in schema || "allOf" in schema) {
    throw new PatchNoLongerApplies(patch, `${formatLocation(where)} is no longer an inline object schema`);
  }
  return Object.keys(objectAt(patch, schema, ["properties"]));
}

function expectProperties(
  patch: string,
  actual: string[],
  expected: string[],
  where: readonly string[],
): void {
  if (actual.join() !== expected.join()) {
    throw new PatchNoLongerApplies(
      patch,
      `${formatLocation(where)} has properties [${actual.join(", ")}], expected [${expected.join(", ")}]`,
    );
  }
}

function description(patch: string, schema: JsonObject, where: readonly string[]): string {
  const text = schema.description;
  if (typeof text !== "string")
    throw new PatchNoLongerApplies(patch, `${formatLocation(where)} has no description`);
  return text;
}

const localServers: Patch = {
  name: "local-servers",
  why:
    "The published servers are Ocient SQL nodes (`https://{sql_node}`, an internal `http://oc1-lts0:9090`), " +
    "listed at the top level and again on the operation, which overrides the top level. This document " +
    "describes this service wherever it is deployed, so tools (try-it consoles, generated clients) must " +
    "target the host serving it: one relative server `/`. Drop the patch when upstream lists no absolute server.",
  apply(document) {
    const fixed: string[] = [];
    const dropForeign = (holder: JsonObject, at: readonly string[]): void => {
      const servers = holder.servers;
      if (!Array.isArray(servers)) return;
      for (const server of servers) {
        const url = isObject(server) ? server.url : undefined;
        if (typeof url === "string" && !url.startsWith("/")) {
          fixed.push(`dropped server ${JSON.stringify(url)} at ${formatLocation([...at, "servers"])}`);
        }
      }
    };
    dropForeign(document, []);
    for (const [route, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
      if (!isObject(item)) continue;
      dropForeign(item, ["paths", route]);
      delete item.servers;
      for (const [method, operation] of Object.entries(item)) {
        if (!isObject(operation)) continue;
        dropForeign(operation, ["paths", route, method]);
        delete operation.servers;
      }
    }
    if (fixed.length === 0) throw new PatchNoLongerApplies(this.name, "no server points at another host");
    document.servers = [{ url: "/", description: "This service, wherever it is deployed." }];
    fixed.push('set servers to [{ url: "/" }]');
    return fixed;
  },
};

const normalizePropertyKeys: Patch = {
  name: "normalize-property-keys",
  why:
    'The published request schema spells a property `"access_token\\t"` (with a TAB), so validators and ' +
    "generated clients expect a key no client sends. Any property key with leading or trailing whitespace, " +
    "anywhere in the document, is renamed to its trimmed form (in `required` too). The server applies the same " +
    "rule to the request keys of those properties (generated/request-keys.ts), so clients generated from the " +
    "unfixed spec keep working whatever their generator made of the whitespace, and the served document " +
    "describes the published spelling as deprecated. Drop the patch when upstream has no such key left.",
  apply(document) {
    const fixed: string[] = [];
    walkSchemas(document, (schema, at) => {
      const properties = schema.properties;
      if (!isObject(properties)) return;
      const renames = new Map<string, string>();
      for (const key of Object.keys(properties)) {
        const trimmed = key.trim();
        if (trimmed === key) continue;
        if (trimmed in properties) {
          throw new PatchNoLongerApplies(
            this.name,
            `key ${JSON.stringify(key)} trims to ${JSON.stringify(trimmed)}, which ${formatLocation(at)} already has`,
          );
        }
        renames.set(key, trimmed);
        fixed.push(`fixed key ${JSON.stringify(key)} -> ${JSON.stringify(trimmed)} at ${formatLocation(at)}`);
      }
      if (renames.size === 0) return;
      // Rebuild rather than add and delete, so each property keeps its documented position.
      schema.properties = Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [renames.get(key) ?? key, value]),
      );
      if (Array.isArray(schema.required)) {
        schema.required = schema.required.map((key: unknown) => {
          const renamed = typeof key === "string" ? renames.get(key) : undefined;
          if (renamed === undefined) return key;
          fixed.push(
            `fixed required ${JSON.stringify(key)} -> ${JSON.stringify(renamed)} at ${formatLocation(at)}`,
          );
          return renamed;
        });
      }
    });
    if (fixed.length === 0)
      throw new PatchNoLongerApplies(this.name, "no property key has surrounding whitespace");
    return fixed;
  },
};

const requestBodyRequired: Patch = {
  name: "request-body-required",
  why:
    "A guard, not an edit: the exchange means nothing without a body, and the server's validation and the " +
    "client types rely on `requestBody.required: true`, which the published page documents. Overriding upstream here " +
    "would hide a change of contract, so if upstream ever drops it, generation stops for a maintainer to review.",
  apply(document) {
    const where = [...EXCHANGE, "requestBody"];
    const requestBody = objectAt(this.name, document, where);
    if (requestBody.required !== true) {
      throw new PatchNoLongerApplies(
        this.name,
        `${formatLocation(where)}.required is ${JSON.stringify(requestBody.required)}; the published spec no longer requires a body`,
      );
    }
    return [`asserted ${formatLocation(where)}.required is true`];
  },
};

/** The longest token the schema allows; the service's `server.max_token_bytes` (default 12288) is at most this. */
const MAX_TOKEN_LENGTH = 16384;
/** The length bound of an Ocient identifier. */
const MAX_DATABASE_LENGTH = 128;

const exactlyOneToken: Patch = {
  name: "exactly-one-token",
  why:
    "The published schema lists `id_token` and `access_token` as optional properties and says in prose " +
    "that exactly one must be sent. Validation should say it too (RFC 8725 §3.12: one token kind never " +
    "passes as the other), so the body becomes `SsoTokenRequest`, a `oneOf` of two closed objects, each of " +
    "which forbids the other token with `not: {}`; generate.ts renders that as `?: never` so TypeScript " +
    "rejects an object literal carrying both. Lengths are bounded so oversized input is refused unread.",
  apply(document) {
    const where = [...EXCHANGE, "requestBody", "content", JSON_MEDIA];
    const media = objectAt(this.name, document, where);
    const schema = objectAt(this.name, media, ["schema"]);
    const schemaAt = [...where, "schema"];
    expectProperties(
      this.name,
      propertyNames(this.name, schema, schemaAt),
      ["database", "id_token", "access_token"],
      schemaAt,
    );
    const documented = (key: string): string =>
      description(this.name, objectAt(this.name, schema, ["properties", key]), [
        ...schemaAt,
        "properties",
        key,
      ]);
    const database = () => ({
      type: "string",
      minLength: 1,
      maxLength: MAX_DATABASE_LENGTH,
      description: `${documented("database")}\n\nAt most ${MAX_DATABASE_LENGTH} characters, the length bound of an Ocient identifier.`,
    });
    const sizeCap = `\n\nAt most ${MAX_TOKEN_LENGTH} characters; the service's own cap (\`server.max_token_bytes\`, default 12288) may be lower. A real provider's token is a few kilobytes; a longer one is refused with 413 before it is parsed.`;
    const token = (key: string, extra = "") => ({
      type: "string",
      minLength: 1,
      maxLength: MAX_TOKEN_LENGTH,
      description: `${documented(key)}${extra}${sizeCap}`,
    });
    const forbidden = (other: string) => ({
      not: {},
      description: `Not allowed together with ${other}: send exactly one token.`,
    });
    const alias =
      "\n\nThe published spec spells this key with a trailing TAB (`access_token\\t`); the service ignores whitespace around this key, so that spelling is accepted too.";
    addComponentSchema(this.name, document, "SsoTokenRequestWithIdToken", {
      type: "object",
      description: "Exchange an OpenID Connect id_token.",
      required: ["database", "id_token"],
      additionalProperties: false,
      properties: { database: database(), id_token: token("id_token"), access_token: forbidden("id_token") },
    });
    addComponentSchema(this.name, document, "SsoTokenRequestWithAccessToken", {
      type: "object",
      description:
        "Exchange an OAuth 2.0 access token (a JWT, or an opaque token the provider can introspect).",
      required: ["database", "access_token"],
      additionalProperties: false,
      properties: {
        database: database(),
        id_token: forbidden("access_token"),
        access_token: token("access_token", alias),
      },
    });
    addComponentSchema(this.name, document, "SsoTokenRequest", {
      description: "`database` and exactly one of `id_token` / `access_token`; no other key.",
      oneOf: [
        { $ref: "#/components/schemas/SsoTokenRequestWithIdToken" },
        { $ref: "#/components/schemas/SsoTokenRequestWithAccessToken" },
      ],
    });
    media.schema = { $ref: "#/components/schemas/SsoTokenRequest" };
    return [
      `moved ${formatLocation(schemaAt)} to components.schemas.SsoTokenRequest`,
      "SsoTokenRequest = oneOf [SsoTokenRequestWithIdToken, SsoTokenRequestWithAccessToken], each closed (additionalProperties: false) and forbidding the other token",
      `bounded database to 1..${MAX_DATABASE_LENGTH} and tokens to 1..${MAX_TOKEN_LENGTH} characters`,
    ];
  },
};

const responseExtension: Patch = {
  name: "response-extension",
  why:
    "The documented response is `{id_token, database}`, both optional. This service always sends both, plus " +
    "`expires_in` (seconds) and `token_type: Bearer` as a documented extension (RFC 6749 §5.1), so clients " +
    "need not decode the token to know its lifetime. The schema becomes the named `SsoTokenResponse`.",
  apply(document) {
    const where = [...EXCHANGE, "responses", "200", "content", JSON_MEDIA];
    const media = objectAt(this.name, document, where);
    const schema = objectAt(this.name, media, ["schema"]);
    const schemaAt = [...where, "schema"];
    expectProperties(
      this.name,
      propertyNames(this.name, schema, schemaAt),
      ["id_token", "database"],
      schemaAt,
    );
    addComponentSchema(this.name, document, "SsoTokenResponse", {
      type: "object",
      description:
        "The minted Ocient access token. `expires_in` and `token_type` extend the documented response.",
      required: ["id_token", "database", "expires_in", "token_type"],
      properties: {
        id_token: {
          type: "string",
          description: "The minted Ocient access token: a compact JWS whose header has `typ: at+jwt`.",
        },
        database: { type: "string", description: "The database the token is scoped to." },
        expires_in: {
          type: "integer",
          minimum: 1,
          description: "Extension: seconds until the token expires (RFC 6749 §5.1).",
        },
        token_type: {
          type: "string",
          enum: ["Bearer"],
          description: "Extension: always `Bearer` (RFC 6750).",
        },
      },
    });
    media.schema = { $ref: "#/components/schemas/SsoTokenResponse" };
    const fixed = [`moved ${formatLocation(schemaAt)} to components.schemas.SsoTokenResponse`];
    fixed.push("required id_token, database; added expires_in (integer seconds) and token_type (Bearer)");
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

/** The errors the exchange answers with; each code's status, body and headers come from src/errors.ts. */
const EXCHANGE_ERRORS: readonly SsoErrorCode[] = (Object.keys(ERRORS) as SsoErrorCode[]).filter(
  (code) =>
    // Answered for any request to a route that is not there; not a response of this operation.
    code !== "ERR_ROUTE_NOT_FOUND" &&
    code !== "ERR_METHOD_NOT_ALLOWED" &&
    ((ERRORS[code] as ErrorEntry).operations?.includes("postOcientHttpQueryApiSsoToken") ?? true),
);

const errorResponses: Patch = {
  name: "error-responses",
  why:
    "The published operation documents only its 200. Clients need the error statuses and their Ocient-shaped " +
    "body (`OcientStatus`, defined in openapi/service.yaml) with the vendor codes of the service's error " +
    "table (src/errors.ts, from which they are generated); 401 carries `WWW-Authenticate`, 429 and 503 carry " +
    "`Retry-After`. If upstream starts documenting any of these statuses, generation stops so the two " +
    "descriptions can be reconciled.",
  apply(document) {
    const where = [...EXCHANGE, "responses"];
    const responses = objectAt(this.name, document, where);
    const added = errorResponsesOf(EXCHANGE_ERRORS, OCIENT_STATUS_REF);
    const documented = Object.keys(added).filter((status) => status in responses);
    if (documented.length > 0) {
      throw new PatchNoLongerApplies(
        this.name,
        `${formatLocation(where)} already documents ${documented.join(", ")}`,
      );
    }
    const fixed: string[] = [];
    for (const [status, response] of Object.entries(added)) {
      responses[status] = response;
      const codes = EXCHANGE_ERRORS.filter((code) => String(ERRORS[code].status) === status);
      const vendorCodes = [...new Set(codes.map((code) => ERRORS[code].vendorCode))];
      const headers = isObject(response.headers) ? ` + ${Object.keys(response.headers).join(", ")}` : "";
      fixed.push(`added ${status} (vendor_code ${vendorCodes.join(", ")})${headers}`);
    }
    return fixed;
  },
};

/** In order: keys are normalized before `exactly-one-token` reads them. */
export const PATCHES: readonly Patch[] = [
  localServers,
  normalizePropertyKeys,
  requestBodyRequired,
  exactlyOneToken,
  responseExtension,
  errorResponses,
];

/** Applies `patches` to a deep copy of `published`; throws `PatchNoLongerApplies` naming the first that fails. */
export function applyPatches(
  published: JsonObject,
  patches: readonly Patch[] = PATCHES,
): { document: JsonObject; reports: PatchReport[] } {
  const document = structuredClone(published);
  const reports = patches.map((patch) => ({ name: patch.name, fixed: patch.apply(document) }));
  return { document, reports };
}
