/**
 * The whole configuration surface in one place. Every field carries its default (`.default(…)`, written
 * only there) and its meaning (`.describe(…)`); docs/configuration.md is generated from them, with the
 * unit taken from the field's name (`_seconds`, `_ms`, `_bytes`).
 */
import { z } from "zod";
import { bindingSchema, claimPath, conditionsSchema } from "./bindings-schema.js";
import { isPlainPath } from "./callback-path.js";
import { isProviderUrl, PROVIDER_URL_RULE } from "./provider-url.js";

const nonEmpty = z.string().min(1, "must be a non-empty string");
const url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
/** Where keys, claims or tokens travel: the rule discovered endpoints follow too (provider-url.ts). */
const providerUrl = url.refine(isProviderUrl, { error: PROVIDER_URL_RULE });
/** A browser origin as the `Origin` header writes it: no path, query, fragment, credentials or wildcard. */
const webOrigin = providerUrl.refine((u) => new URL(u).origin === u, {
  error: "must be an origin exactly as browsers send it, scheme://host[:port] with no path or trailing slash",
});
const returnUrl = providerUrl.refine(
  (u) => !u.includes("#") && !new URL(u).username && !new URL(u).password,
  {
    error: "must have no fragment and no credentials",
  },
);
const seconds = (d: number, what: string) =>
  z.number().int("must be a whole number").min(0, "must not be negative").default(d).describe(what);

/** Signature algorithms a provider may use; `none` and HMAC are never accepted (RFC 8725 §3.1). */
export const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export const SIGNING_ALGORITHMS = ["ES256", "ES384", "RS256", "PS256", "EdDSA"] as const;

/** Node's timers hold at most 2^31-1 ms (and the keep-alive timer adds a second); a day is plenty. */
const MAX_TIMER_MS = 86_400_000;
const TIMER_RULE = "must be at most 86400000 (a day)";

const tlsSchema = z
  .object({
    cert_file: nonEmpty.describe("PEM certificate chain file"),
    key_file: nonEmpty.describe("PEM private key file"),
  })
  .strict();

const serverSchema = z
  .object({
    host: z.string().default("127.0.0.1").describe("address to listen on"),
    port: z.number().int().min(0).max(65535).default(8080).describe("TCP port; 0 picks a free one"),
    max_body_bytes: z
      .number()
      .int()
      .min(256)
      .max(1_048_576)
      .default(16384)
      .describe("largest request body accepted; larger answers 413"),
    max_token_bytes: z
      .number()
      .int()
      .min(256)
      .max(16384, "must be at most 16384, the token length cap of the request schema")
      .default(12288)
      .describe("largest subject token accepted (at most 16384); larger answers 413 unread"),
    tls: tlsSchema.optional().describe("serve HTTPS with this certificate; plain HTTP without it"),
    headers_timeout_ms: z
      .number()
      .int()
      .min(100)
      .max(MAX_TIMER_MS, TIMER_RULE)
      .default(10000)
      .describe("time to receive request headers (at most request_timeout_ms)"),
    request_timeout_ms: z
      .number()
      .int()
      .min(100)
      .max(MAX_TIMER_MS, TIMER_RULE)
      .default(30000)
      .describe("time to receive a whole request"),
    keep_alive_timeout_ms: z
      .number()
      .int()
      .min(0)
      .max(MAX_TIMER_MS, TIMER_RULE)
      .default(5000)
      .describe("idle keep-alive connection timeout"),
    shutdown_timeout_ms: z
      .number()
      .int()
      .min(0)
      .max(MAX_TIMER_MS, TIMER_RULE)
      .default(10000)
      .describe("on SIGTERM, how long in-flight requests may take before the process exits"),
    workers: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe("worker processes sharing the port (node cluster)"),
    log_level: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info")
      .describe("log level"),
    rate_limit: z
      .object({
        requests_per_second: z
          .number()
          .positive()
          .describe("sustained exchanges per client address, and per subject"),
        burst: z.number().int().min(1).describe("exchanges a client may make at once"),
      })
      .strict()
      .optional()
      .describe(
        "limit per client address on POST /v1/sso_token, /v1/token_refresh, the device grant, its verification and /v1/sso_authentication, and per subject on every exchange, answered 429 with Retry-After (off when unset, but for sign-in starts, limited by default to 30 at once then 1 a second per address); shared by every instance through state.redis, else per process",
      ),
    trust_proxy: z
      .boolean()
      .default(false)
      .describe(
        "behind a proxy: the client address (audit records, rate limit) is the X-Forwarded-For hop the proxy appended",
      ),
    public_url: providerUrl
      .refine((u) => !/[?#]/.test(u), { error: "must have no query or fragment" })
      .optional()
      .describe(
        "where browsers and providers reach this service, the base of sign-in callback URLs; https, or http on loopback (default: token.issuer)",
      ),
    cors_origins: z
      .array(webOrigin)
      .default([])
      .describe(
        "origins of web apps that may call the service from a browser, with credentials (CORS): exact scheme://host[:port], https or http on loopback, never a wildcard (default none)",
      ),
    return_urls: z
      .array(returnUrl)
      .default([])
      .describe(
        "where a browser sign-in may send the person back (sso_authentication `return_to`), compared exactly; https or http on loopback (default none: the callback answers JSON)",
      ),
  })
  .strict()
  // Node's http.Server throws a RangeError naming no setting when these disagree.
  .superRefine((server, ctx) => {
    if (server.headers_timeout_ms > server.request_timeout_ms) {
      ctx.addIssue({
        code: "custom",
        path: ["headers_timeout_ms"],
        message: `must not exceed server.request_timeout_ms (${server.request_timeout_ms})`,
      });
    }
  });

const tokenSchema = z
  .object({
    issuer: providerUrl.describe(
      "`iss` of minted tokens; also where /.well-known/openid-configuration says the keys are: https, or http on loopback",
    ),
    audience: nonEmpty.optional().describe("`aud` of minted tokens (default: the issuer)"),
    ttl_seconds: z.number().int().min(1).max(86400).default(3600).describe("lifetime of minted tokens"),
    algorithm: z.enum(SIGNING_ALGORITHMS).default("ES256").describe("signature algorithm of minted tokens"),
    keys_file: nonEmpty
      .default("./data/signing-keys.json")
      .describe(
        "private JWKS of the signing keys; its directory must exist. Created on first start when missing, except with state.redis (several instances): then create it once with `ocient-sso keys generate`",
      ),
    bind_to_subject_expiry: z
      .boolean()
      .default(true)
      .describe("never let a minted token outlive the subject token"),
    authorized_party: nonEmpty
      .optional()
      .describe(
        "`azp` of minted tokens: the client id an Ocient SSO integration expects (default: the audience)",
      ),
    refresh_lifetime_seconds: seconds(
      43200,
      "how long after sign-in (`auth_time`) a session may be refreshed with POST /v1/token_refresh; 0 turns refresh off",
    ),
    publish_lead_seconds: seconds(
      300,
      "a key added by `keys rotate` is published this long before it signs, so verifiers that cache the key set know it first",
    ),
  })
  .strict();

const introspectionSchema = z
  .object({
    endpoint: providerUrl
      .optional()
      .describe("RFC 7662 endpoint (default: the provider's discovered introspection_endpoint)"),
    client_id: nonEmpty.describe("client authenticating to the introspection endpoint"),
    client_secret: nonEmpty.describe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's placeholder, written literally
      "its secret; use a placeholder (${ENV_NAME}, ${file:PATH}, ${credential:NAME})",
    ),
    auth_method: z
      .enum(["client_secret_basic", "client_secret_post"])
      .default("client_secret_basic")
      .describe("client authentication"),
  })
  .strict();

const accessTokensSchema = z
  .object({
    introspection: introspectionSchema.optional().describe("check opaque access tokens by introspection"),
    userinfo: z.boolean().default(false).describe("check opaque access tokens at the userinfo endpoint"),
    require_at_jwt_typ: z
      .boolean()
      .default(true)
      .describe("JWT access tokens must carry typ at+jwt, RFC 9068"),
    cache_ttl_seconds: seconds(
      60,
      "longest time an opaque token's check is reused, never past its exp; also the longest life of a token minted from an opaque token whose expiry the provider does not tell (userinfo)",
    ),
  })
  .strict()
  .refine((a) => !(a.introspection && a.userinfo), {
    error: "choose one of introspection and userinfo",
  });

const signInSchema = z
  .object({
    client_id: nonEmpty.describe(
      "OAuth client this service signs users in with at the provider (device grant, browser flow); must be one of audiences",
    ),
    client_secret: nonEmpty.optional().describe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's placeholder, written literally
      "its secret (client_secret_basic); use a placeholder (${ENV_NAME}, ${file:PATH}, ${credential:NAME}); without it, a public client with PKCE",
    ),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "must be a scope token (RFC 6749 §3.3)"))
      .min(1, "must be a non-empty list")
      .refine((s) => s.includes("openid"), { error: "must include openid" })
      .default(["openid", "profile", "email"])
      .describe("scopes requested at sign-in; must include openid"),
    callback_paths: z
      .array(
        nonEmpty.refine(isPlainPath, { error: "must be a plain absolute path (no host, %, \\, . or ..)" }),
      )
      .min(1, "must be a non-empty list")
      .default(["/v1/callback"])
      .describe(
        "paths a browser sign-in may name as sso_callback_path, appended to server.public_url as redirect_uri; the first is the one used when a request names none",
      ),
  })
  .strict();

const integrationSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, '_', '.', '-'")
      .describe("name of the integration, shown as `idp` in minted tokens"),
    issuer: providerUrl.describe("exact `iss` of the provider's tokens; https, or http on loopback"),
    audiences: z
      .array(nonEmpty)
      .min(1, "must be a non-empty list")
      .describe("accepted `aud` values (your client ids)"),
    jwks_uri: providerUrl.optional().describe("key set URL (default: discovered from the issuer)"),
    jwks: z
      .object({
        keys: z
          .array(z.record(z.string(), z.unknown()))
          .min(1, "must be a non-empty list")
          .describe("public JWKs (RSA, EC or OKP)"),
      })
      .optional()
      .describe(
        "the issuer's public key set, inline, for an issuer this service cannot reach (no discovery)",
      ),
    jwks_file: nonEmpty
      .optional()
      .describe(
        "a file holding the issuer's public key set (e.g. `kubectl get --raw /openid/v1/jwks`); read again on SIGHUP and when it changes (no discovery)",
      ),
    algorithms: z
      .array(z.enum(ASYMMETRIC_ALGORITHMS))
      .min(1, "must be a non-empty list")
      .default(["RS256", "ES256"])
      .describe("accepted signature algorithms; never none or HMAC"),
    user_claim: claimPath.default("sub").describe("claim naming the Ocient user, a name or a JSON pointer"),
    groups_claim: claimPath.optional().describe("claim listing the user's groups, a name or a JSON pointer"),
    clock_skew_seconds: seconds(60, "leeway for exp, nbf and iat"),
    max_token_age_seconds: z.number().int().min(1).optional().describe("refuse tokens whose iat is older"),
    required_claims: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe("claims every token must carry with exactly this value (a list claim must contain it)"),
    conditions: conditionsSchema
      .default({})
      .describe("conditions every token of this integration must meet (see docs/workloads.md)"),
    bindings: z
      .array(bindingSchema)
      .optional()
      .describe(
        "workload bindings: the first whose conditions hold says who the token acts as; a token matching none is refused (see docs/workloads.md)",
      ),
    access_tokens: accessTokensSchema
      .optional()
      .describe("how access tokens are checked (JWT always; opaque only when set)"),
    id_tokens: z
      .object({
        check_azp: z
          .boolean()
          .default(true)
          .describe(
            "an id_token's `azp`, when present, must be one of audiences (OpenID Connect Core §3.1.3.7); false where `azp` names the workload that asked for the token (Google service accounts), which conditions or bindings then pin",
          ),
      })
      .strict()
      .optional()
      .describe("how id_tokens are checked"),
    http_timeout_ms: z
      .number()
      .int()
      .min(50)
      .max(60000)
      .default(3000)
      .describe("timeout of each call to the provider"),
    jwks_cooldown_seconds: seconds(30, "least time between two key-set fetches for unknown kids"),
    jwks_max_age_seconds: seconds(600, "key set refreshed after this age"),
    jwks_max_stale_seconds: seconds(3600, "how long known keys keep working while the provider is down"),
    sign_in: signInSchema
      .optional()
      .describe("interactive sign-in through this provider: device grant and browser flow (off when unset)"),
    replay: z
      .enum(["allow", "once"])
      .default("allow")
      .describe(
        "`once`: a subject token is exchanged at most once, remembered by its hash until its exp (shared through state.redis; while Redis is down such exchanges answer 503)",
      ),
  })
  .strict()
  .refine((i) => [i.jwks_uri, i.jwks, i.jwks_file].filter((k) => k !== undefined).length <= 1, {
    error: "choose at most one of jwks_uri, jwks and jwks_file",
    path: ["jwks_uri"],
  })
  .refine((i) => i.sign_in === undefined || i.audiences.includes(i.sign_in.client_id), {
    error: "sign_in.client_id must be one of audiences: sign-in id_tokens are verified as any other",
    path: ["sign_in", "client_id"],
  });

const databaseSchema = z
  .object({
    integration: nonEmpty
      .optional()
      .describe("integration serving this database (default: the one of `system`)"),
    users: z.array(nonEmpty).default([]).describe("users granted this database"),
    groups: z.array(nonEmpty).default([]).describe("groups granted this database"),
  })
  .strict();

const redisTlsSchema = z
  .object({
    ca_file: nonEmpty
      .optional()
      .describe("PEM file of the certificate authorities trusted for Redis (default: Node's)"),
    cert_file: nonEmpty.optional().describe("PEM client certificate, when Redis asks for one"),
    key_file: nonEmpty.optional().describe("PEM private key of cert_file"),
    server_name: nonEmpty
      .optional()
      .describe("name the server certificates must carry (default: the host connected to)"),
  })
  .strict()
  .refine((t) => (t.cert_file === undefined) === (t.key_file === undefined), {
    error: "cert_file and key_file go together",
  });

const sentinelSchema = z
  .object({
    host: nonEmpty.describe("sentinel host"),
    port: z.number().int().min(1).max(65535).default(26379).describe("sentinel port"),
  })
  .strict();

const redisSchema = z
  .object({
    url: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, "must be a redis:// or rediss:// URL")
      .optional()
      .describe(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's placeholder, written literally
        "redis://[user:password@]host:port/db (rediss:// for TLS); a password should come from a placeholder (${ENV_NAME}, ${file:PATH}, ${credential:NAME}); either url or sentinels",
      ),
    sentinels: z
      .array(sentinelSchema)
      .min(1, "must list at least one sentinel")
      .optional()
      .describe("Redis Sentinel: the sentinels asked for the current master (instead of url)"),
    master_name: nonEmpty.optional().describe("the master's name known to the sentinels (with sentinels)"),
    username: nonEmpty.optional().describe("ACL user on the Redis servers (default: in url, else `default`)"),
    password: nonEmpty.optional().describe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's placeholder, written literally
      "password on the Redis servers; use a placeholder (${ENV_NAME}, ${file:PATH}, ${credential:NAME})",
    ),
    sentinel_username: nonEmpty.optional().describe("ACL user on the sentinels (default: none)"),
    sentinel_password: nonEmpty.optional().describe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's placeholder, written literally
      "password on the sentinels; use a placeholder (${ENV_NAME}, ${file:PATH}, ${credential:NAME})",
    ),
    tls: redisTlsSchema
      .optional()
      .describe("TLS to the Redis servers and the sentinels (with url, rediss:// alone is enough)"),
    replicas_to_ack: z
      .number()
      .int()
      .min(0)
      .max(8)
      .optional()
      .describe(
        "replicas that must hold a replay record or the taking of a one-time code before it counts (WAIT; fewer when fewer are online; default 1 with sentinels, else 0); see docs/redis-sentinel.md",
      ),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be 1-64 letters, digits, '_', '.', ':', '-'")
      .default("ocient-sso:")
      .describe("prefix of every key this service writes"),
    timeout_ms: z
      .number()
      .int()
      .min(10)
      .max(10000)
      .default(500)
      .describe(
        "bound of connecting and of each Redis command; keep it well below the providers' http_timeout_ms",
      ),
  })
  .strict()
  .refine((r) => (r.url === undefined) !== (r.sentinels === undefined), {
    error: "set either url or sentinels (with master_name)",
  })
  .refine((r) => (r.sentinels === undefined) === (r.master_name === undefined), {
    error: "sentinels and master_name go together",
    path: ["master_name"],
  });

export type RedisConfig = z.output<typeof redisSchema>;

const stateSchema = z
  .object({
    redis: redisSchema
      .optional()
      .describe(
        "shared by every instance: rate limits, the opaque-token check cache, used subject tokens, sign-in state; in process memory when unset",
      ),
  })
  .strict();

export const configSchema = z
  .object({
    server: serverSchema.default(serverSchema.parse({})).describe("how the service listens"),
    token: tokenSchema.describe("the tokens this service mints"),
    integrations: z
      .array(integrationSchema)
      .min(1, "must be a non-empty list")
      .describe("the OpenID providers trusted, each picked by the exact `iss` of a token"),
    databases: z
      .record(
        z.string().regex(/^[^\s\0]{1,128}$/, "must be 1-128 characters without whitespace"),
        databaseSchema,
      )
      .describe("databases by name; `system` names the integration the others inherit"),
    state: stateSchema.default({}).describe("where the state several instances share lives"),
  })
  .strict();

/** What the `keys` commands read of a configuration: the token section's key settings, nothing else. */
export const keySettingsSchema = z.object({
  token: tokenSchema.pick({
    keys_file: true,
    algorithm: true,
    ttl_seconds: true,
    publish_lead_seconds: true,
  }),
});
export type KeySettings = z.output<typeof keySettingsSchema>["token"];

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type IntegrationConfig = Config["integrations"][number];
export type DatabaseConfig = Config["databases"][string];

/**
 * The integration serving a database: its own, or the one of `system`, which the other databases inherit
 * (as in Ocient). `inherited` tells which; `name` is undefined when neither is set.
 */
export function integrationOfDatabase(
  databases: Readonly<Record<string, { integration?: string | undefined }>>,
  database: string,
): { name: string | undefined; inherited: boolean } {
  const own = databases[database]?.integration;
  return own !== undefined
    ? { name: own, inherited: false }
    : { name: databases.system?.integration, inherited: true };
}
