/**
 * Hostile tokens and requests, table-driven: `[name, request, status, vendor_code]`. Every case also
 * proves that nothing was minted, that the answer echoes no token, that no provider was contacted
 * (the attacker's endpoint counts even bare TCP connections), that nothing leaked into
 * Object.prototype, and that the server still answers the next valid request.
 */
import { createPublicKey, randomBytes } from "node:crypto";
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  type JWTHeaderParameters,
  SignJWT,
} from "jose";
import { generate as selfSigned } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64 } from "../support/b64.js";
import { expectRefusal } from "../support/expect-refusal.js";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { type ExchangeResponse, type Harness, type PostInit, startHarness } from "../support/harness.js";
import { leakedLines, rememberToken } from "../support/log-collector.js";
import { FIXED_MS, FIXED_S } from "../support/time.js";

const MAX_AGE = 600;

let h: Harness;
/** Trusted as integration "alpha" (alpha_db) and "beta" (beta_db). */
let alpha: FakeProvider;
let beta: FakeProvider;
/** Trusted by nobody: its key set is what `jku`/`x5u` point at, and its tokens have an unknown issuer. */
let attacker: FakeProvider;
let attackerKey: CryptoKey;
let attackerJwk: Record<string, unknown>;
/** alpha's RSA public key as PEM: the "secret" of the HS256 key-confusion attack. */
let alphaPublicPem: string;
let x5c: { key: CryptoKey; chain: string[] };

beforeAll(async () => {
  const now = () => FIXED_MS;
  [alpha, beta, attacker] = await Promise.all([
    startFakeProvider({ now }),
    startFakeProvider({ now }),
    startFakeProvider({ now }),
  ]);
  const trusted = (name: string, f: FakeProvider) => ({
    name,
    issuer: f.issuer,
    audiences: [FAKE_AUDIENCE],
    user_claim: "preferred_username",
    max_token_age_seconds: MAX_AGE,
    // Long enough that no unknown kid in this file may refetch: every case asserts no provider call.
    jwks_cooldown_seconds: 3600,
    access_tokens: {
      introspection: { client_id: f.introspection.clientId, client_secret: f.introspection.clientSecret },
    },
  });
  h = await startHarness({
    now,
    integrations: [trusted("alpha", alpha), trusted("beta", beta)],
    databases: {
      alpha_db: { integration: "alpha", users: ["alice"] },
      beta_db: { integration: "beta", users: ["alice"] },
    },
  });
  const attackerPair = await generateKeyPair("RS256", { extractable: true });
  attackerKey = attackerPair.privateKey;
  attackerJwk = { ...(await exportJWK(attackerPair.publicKey)), kid: "attacker-kid", alg: "RS256" };
  const jwks = (await (await fetch(alpha.jwksUri)).json()) as { keys: Record<string, unknown>[] };
  alphaPublicPem = createPublicKey({ key: jwks.keys[0] as never, format: "jwk" })
    .export({ type: "spki", format: "pem" })
    .toString();
  const cert = await selfSigned([{ name: "commonName", value: "attacker" }], { keySize: 2048 });
  x5c = {
    key: await importPKCS8(cert.private, "RS256"),
    chain: [cert.cert.replace(/-----[^-]+-----|\s/g, "")],
  };
  // Warm the key sets: from here on no case may contact a provider.
  for (const [f, database] of [
    [alpha, "alpha_db"],
    [beta, "beta_db"],
  ] as const) {
    const warm = await h.post({ id_token: await f.sign(), database });
    expect(warm.status, warm.text).toBe(200);
  }
});

afterAll(async () => {
  await h?.close();
  await Promise.all([alpha, beta, attacker].map((f) => f?.close()));
});

interface Sent {
  body: unknown;
  init?: PostInit;
  /** Tokens the request carries: no fragment may come back. */
  tokens?: string[];
  /** Sends it some other way than `h.post`. */
  send?: () => Promise<ExchangeResponse>;
}

interface Case {
  name: string;
  request: () => Promise<Sent>;
  status: number;
  vendorCode: number;
  /** Provider paths this case may call (an opaque token is introspected); default none at all. */
  calls?: string[];
}

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: alpha.issuer,
  aud: FAKE_AUDIENCE,
  sub: "alice",
  preferred_username: "alice",
  iat: FIXED_S,
  exp: FIXED_S + 3600,
  ...extra,
});
const idToken = (token: string, database = "alpha_db"): Sent => ({
  body: { id_token: token, database },
  tokens: [token],
});
const accessToken = (token: string, database = "alpha_db"): Sent => ({
  body: { access_token: token, database },
  tokens: [token],
});
/** Same header and payload encoding as any JWS, with a signature of our choosing. */
const forged = (
  header: Record<string, unknown>,
  payload: unknown,
  signature = "c2lnbmF0dXJlLW9mLW5vLWtleQ",
) => `${b64(header)}.${typeof payload === "string" ? payload : b64(payload)}.${signature}`;
const byAttacker = (header: Partial<JWTHeaderParameters>, payload = claims()) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", ...header } as JWTHeaderParameters)
    .sign(attackerKey);
const withValid = async (extra: Record<string, unknown>): Promise<Sent> => {
  const token = await alpha.sign();
  return { body: { id_token: token, database: "alpha_db", ...extra }, tokens: [token] };
};
/** A raw JSON text body carrying a valid token, for what JSON.stringify cannot write. */
const rawWithValid = async (template: (token: string) => string): Promise<Sent> => {
  const token = await alpha.sign();
  return { body: template(token), tokens: [token] };
};

const cases: Case[] = [
  // Algorithms: none, HMAC key confusion, outside the allow-list (RFC 8725 §3.1, CVE-2016-10555)
  {
    name: "alg none, empty signature",
    request: async () => idToken(forged({ alg: "none" }, claims(), "")),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "alg none, with a signature",
    request: async () => idToken(forged({ alg: "none" }, claims())),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "alg NONE (upper case)",
    request: async () => idToken(forged({ alg: "NONE" }, claims(), "")),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "alg nOnE (mixed case)",
    request: async () => idToken(forged({ alg: "nOnE", kid: alpha.kid }, claims())),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "alg none as access_token (never sent to introspection)",
    request: async () => accessToken(forged({ alg: "none", typ: "at+jwt" }, claims(), "")),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "HS256 signed with the provider's RSA public key (PEM) as the secret",
    request: async () =>
      idToken(
        await new SignJWT(claims())
          .setProtectedHeader({ alg: "HS256", kid: alpha.kid })
          .sign(new TextEncoder().encode(alphaPublicPem)),
      ),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "HS512 signed with the provider's JWK text as the secret",
    request: async () =>
      idToken(
        await new SignJWT(claims())
          .setProtectedHeader({ alg: "HS512", kid: alpha.kid })
          .sign(new TextEncoder().encode(JSON.stringify(attackerJwk).padEnd(64, "x"))),
      ),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "RS384, outside the allow-list [RS256, ES256]",
    request: async () =>
      idToken(
        await new SignJWT(claims())
          .setProtectedHeader({ alg: "RS384", kid: alpha.kid })
          .sign((await generateKeyPair("RS384")).privateKey),
      ),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "PS256, outside the allow-list",
    request: async () =>
      idToken(
        await new SignJWT(claims())
          .setProtectedHeader({ alg: "PS256", kid: alpha.kid })
          .sign((await generateKeyPair("PS256")).privateKey),
      ),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "alg a made-up name",
    request: async () => idToken(forged({ alg: "RS256x", kid: alpha.kid }, claims())),
    status: 401,
    vendorCode: -1234,
  },

  // Key-bearing headers: never fetched, never trusted (RFC 8725 §3.10)
  {
    name: "jku at the attacker's key set, attacker kid",
    request: async () => idToken(await byAttacker({ kid: "attacker-kid", jku: attacker.jwksUri })),
    status: 401,
    vendorCode: -1229,
  },
  {
    name: "jku at the attacker's key set, the provider's kid",
    request: async () => idToken(await byAttacker({ kid: alpha.kid, jku: attacker.jwksUri })),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "x5u at the attacker, attacker kid",
    request: async () =>
      idToken(await byAttacker({ kid: "attacker-kid", x5u: `${attacker.issuer}/cert.pem` })),
    status: 401,
    vendorCode: -1229,
  },
  {
    name: "jwk header with the attacker's key, attacker kid",
    request: async () => idToken(await byAttacker({ kid: "attacker-kid", jwk: attackerJwk as never })),
    status: 401,
    vendorCode: -1229,
  },
  {
    name: "jwk header with the attacker's key, no kid",
    request: async () => idToken(await byAttacker({ jwk: attackerJwk as never })),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "x5c header with the attacker's self-signed certificate",
    request: async () =>
      idToken(
        await new SignJWT(claims())
          .setProtectedHeader({ alg: "RS256", kid: "attacker-cert", x5c: x5c.chain })
          .sign(x5c.key),
      ),
    status: 401,
    vendorCode: -1229,
  },

  // kid is an opaque lookup key
  {
    name: "kid with path traversal",
    request: async () => idToken(await alpha.sign({}, { kid: "../../../../../etc/passwd" })),
    status: 401,
    vendorCode: -1229,
  },
  {
    name: "kid with SQL",
    request: async () => idToken(await alpha.sign({}, { kid: "' OR '1'='1'; DROP TABLE keys; --" })),
    status: 401,
    vendorCode: -1229,
  },
  {
    name: "kid of 8 KB",
    request: async () => idToken(await alpha.sign({}, { kid: "k".repeat(8192) })),
    status: 401,
    vendorCode: -1229,
  },
  {
    name: "kid not a string",
    request: async () => idToken(await alpha.sign({}, { kid: { $ne: null } as never })),
    status: 401,
    vendorCode: -1229,
  },
  {
    name: "kid of issuer B in a token naming issuer A",
    request: async () => idToken(await beta.sign({ iss: alpha.issuer })),
    status: 401,
    vendorCode: -1229,
  },

  // Header tricks
  {
    name: "unknown crit",
    // jose will not sign it; refused before any key is looked up, so the signature does not matter.
    request: async () =>
      idToken(
        forged(
          { alg: "RS256", kid: alpha.kid, crit: ["urn:example:policy"], "urn:example:policy": 1 },
          claims(),
        ),
      ),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "crit b64 (unencoded payload)",
    request: async () =>
      idToken(forged({ alg: "RS256", kid: alpha.kid, b64: false, crit: ["b64"] }, claims())),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "JWE (five parts) as id_token",
    request: async () =>
      idToken(
        `${b64({ alg: "RSA-OAEP-256", enc: "A256GCM" })}.${b64("k")}.${b64("iv")}.${b64("ct")}.${b64("tag")}`,
      ),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "JWE (five parts) as access_token",
    request: async () =>
      accessToken(
        `${b64({ alg: "dir", enc: "A256GCM", zip: "DEF" })}..${b64("iv")}.${b64("ct")}.${b64("tag")}`,
      ),
    status: 401,
    vendorCode: -1236,
  },

  // Size and shape
  {
    name: "token of 100 KB (body over the cap)",
    request: async () => idToken(`${await alpha.sign()}${"Q".repeat(100_000)}`),
    status: 413,
    vendorCode: -1254,
  },
  {
    name: "truncated: no signature segment",
    request: async () => idToken((await alpha.sign()).split(".").slice(0, 2).join(".")),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "truncated signature",
    request: async () => idToken((await alpha.sign()).slice(0, -20)),
    status: 401,
    vendorCode: -1234,
  },
  {
    name: "truncated payload",
    request: async () => idToken((await alpha.sign()).replace(/\.[^.]{10}/, ".")),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "extra dot in the middle",
    request: async () => idToken((await alpha.sign()).replace(".", "..")),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "trailing dot",
    request: async () => idToken(`${await alpha.sign()}.`),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "header not base64url",
    request: async () => idToken(`eyJ+/=.${(await alpha.sign()).split(".").slice(1).join(".")}`),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "payload not base64url",
    request: async () => idToken(forged({ alg: "RS256", kid: alpha.kid }, "eyJpc3Mi+/==")),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "header not JSON",
    request: async () => idToken(`${b64("{alg: RS256")}.${b64(claims())}.c2lnbmF0dXJl`),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "payload not JSON",
    request: async () => idToken(forged({ alg: "RS256", kid: alpha.kid }, b64("not json at all"))),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "payload a JSON array",
    request: async () => idToken(forged({ alg: "RS256", kid: alpha.kid }, [claims()])),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "header without alg",
    request: async () => idToken(forged({ kid: alpha.kid, typ: "JWT" }, claims())),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "whitespace around the token",
    request: async () => idToken(` ${await alpha.sign()}\n`),
    status: 401,
    vendorCode: -1235,
  },
  {
    name: "non-ASCII in the token",
    request: async () => idToken(`${await alpha.sign()}é`),
    status: 401,
    vendorCode: -1235,
  },

  // Time
  {
    name: "exp not a number",
    request: async () => idToken(await alpha.sign({ exp: String(FIXED_S + 3600) })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "exp missing",
    request: async () => idToken(await alpha.sign({ exp: undefined })),
    status: 401,
    vendorCode: -1231,
  },

  // Claims
  {
    name: "sub a number",
    request: async () => idToken(await alpha.sign({ sub: 42 })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "sub empty",
    request: async () => idToken(await alpha.sign({ sub: "" })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "aud a number",
    request: async () => idToken(await alpha.sign({ aud: 1 })),
    status: 401,
    vendorCode: -1233,
  },
  {
    name: "aud an object",
    request: async () => idToken(await alpha.sign({ aud: { [FAKE_AUDIENCE]: true } })),
    status: 401,
    vendorCode: -1233,
  },
  {
    name: "azp not a string",
    request: async () => idToken(await alpha.sign({ azp: [FAKE_AUDIENCE] })),
    status: 401,
    vendorCode: -1233,
  },
  {
    name: "nbf a string",
    request: async () => idToken(await alpha.sign({ nbf: String(FIXED_S) })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "iat a string",
    request: async () => idToken(await alpha.sign({ iat: String(FIXED_S) })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "exp null",
    request: async () => idToken(await alpha.sign({ exp: null })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "typ AT+JWT (upper case) presented as id_token",
    request: async () => idToken(await alpha.sign({}, { typ: "AT+JWT" })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "aud missing",
    request: async () => idToken(await alpha.sign({ aud: undefined })),
    status: 401,
    vendorCode: -1233,
  },
  {
    name: "iss unknown (no network call)",
    request: async () => idToken(await attacker.sign()),
    status: 401,
    vendorCode: -1232,
  },
  {
    name: "iss unknown, with a jku at its own key set",
    request: async () => idToken(await attacker.sign({}, { jku: attacker.jwksUri })),
    status: 401,
    vendorCode: -1232,
  },
  {
    name: "iss with a trailing slash",
    request: async () => idToken(await alpha.sign({ iss: `${alpha.issuer}/` })),
    status: 401,
    vendorCode: -1232,
  },
  {
    name: "iss in upper case",
    request: async () => idToken(await alpha.sign({ iss: alpha.issuer.toUpperCase() })),
    status: 401,
    vendorCode: -1232,
  },
  {
    name: "iss with localhost for 127.0.0.1",
    request: async () => idToken(await alpha.sign({ iss: alpha.issuer.replace("127.0.0.1", "localhost") })),
    status: 401,
    vendorCode: -1232,
  },
  {
    name: "iss missing",
    request: async () => idToken(await alpha.sign({ iss: undefined })),
    status: 401,
    vendorCode: -1232,
  },
  {
    name: "iss not a string",
    request: async () => idToken(await alpha.sign({ iss: [alpha.issuer] })),
    status: 401,
    vendorCode: -1232,
  },

  // One token kind never passes as the other (RFC 8725 §3.12)
  {
    name: "access token (typ at+jwt) presented as id_token",
    request: async () => idToken(await alpha.sign({}, { typ: "at+jwt" })),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "id_token presented as access_token",
    request: async () => accessToken(await alpha.sign()),
    status: 401,
    vendorCode: -1231,
  },
  {
    name: "opaque access token that introspection reports active: false",
    request: async () => accessToken(randomBytes(32).toString("base64url")),
    status: 401,
    vendorCode: -1236,
    calls: ["/introspect"],
  },

  // The request body: exactly one token, types, database
  {
    name: 'both tokens, access_token spelled "access_token\\t"',
    request: async () => withValid({ "access_token\t": "opaque-token-value-1234" }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "id_token a number",
    request: async () => ({ body: { id_token: 1e308, database: "alpha_db" } }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "id_token null",
    request: async () => ({ body: { id_token: null, database: "alpha_db" } }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "id_token an array of tokens",
    request: async () => {
      const t = await alpha.sign();
      return { body: { id_token: [t], database: "alpha_db" }, tokens: [t] };
    },
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "access_token an object",
    request: async () => ({ body: { access_token: { value: "x" }, database: "alpha_db" } }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "id_token empty",
    request: async () => ({ body: { id_token: "", database: "alpha_db" } }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "database a number",
    request: async () => withValid({ database: 7 }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "database very long (10,000 characters)",
    request: async () => withValid({ database: "d".repeat(10_000) }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "database with NUL",
    request: async () => withValid({ database: "alpha_db\u0000" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: "database with a leading space",
    request: async () => withValid({ database: " alpha_db" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: "database with a trailing newline",
    request: async () => withValid({ database: "alpha_db\n" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: "database with a Cyrillic а look-alike",
    request: async () => withValid({ database: "\u0430lpha_db" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: "database in fullwidth letters",
    request: async () => withValid({ database: "ａｌｐｈａ_db" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: "database with a zero-width space",
    request: async () => withValid({ database: "alpha\u200b_db" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: "database in upper case",
    request: async () => withValid({ database: "ALPHA_DB" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: 'database "__proto__"',
    request: async () => withValid({ database: "__proto__" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: 'database "constructor"',
    request: async () => withValid({ database: "constructor" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: 'database "hasOwnProperty"',
    request: async () => withValid({ database: "hasOwnProperty" }),
    status: 403,
    vendorCode: -1251,
  },
  {
    name: "database of another integration (beta token for alpha_db)",
    request: async () => idToken(await beta.sign(), "alpha_db"),
    status: 403,
    vendorCode: -1251,
  },

  // JSON itself
  {
    name: '"__proto__" key carrying database',
    request: () =>
      rawWithValid((t) => `{"id_token":"${t}","__proto__":{"database":"alpha_db","polluted":true}}`),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: '"__proto__" key beside a database',
    request: () =>
      rawWithValid((t) => `{"id_token":"${t}","database":"alpha_db","__proto__":{"polluted":true}}`),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: '"constructor" key',
    request: () =>
      rawWithValid(
        (t) => `{"id_token":"${t}","database":"alpha_db","constructor":{"prototype":{"polluted":true}}}`,
      ),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "duplicate database key",
    request: () => rawWithValid((t) => `{"database":"beta_db","id_token":"${t}","database":"alpha_db"}`),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "duplicate key spelled with an escape",
    request: () =>
      rawWithValid((t) => `{"id_token":"${t}","database":"beta_db","d\\u0061tabase":"alpha_db"}`),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "deeply nested array (5,000 levels)",
    request: () =>
      rawWithValid(
        (t) => `{"id_token":"${t}","database":"alpha_db","x":${"[".repeat(5000)}${"]".repeat(5000)}}`,
      ),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "deeply nested objects (1,500 levels)",
    request: async () => ({ body: `${'{"a":'.repeat(1500)}1${"}".repeat(1500)}` }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "body a bare JSON string",
    request: async () => ({ body: JSON.stringify(await alpha.sign()) }),
    status: 400,
    vendorCode: -1254,
  },
  {
    name: "body not valid UTF-8",
    request: async () => ({ body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }),
    status: 400,
    vendorCode: -1254,
  },
  { name: "body empty", request: async () => ({ body: "" }), status: 400, vendorCode: -1254 },

  // Content type and size of the body
  {
    name: "content type application/x-www-form-urlencoded",
    request: async () => {
      const t = await alpha.sign();
      return {
        body: `id_token=${t}&database=alpha_db`,
        init: { contentType: "application/x-www-form-urlencoded" },
        tokens: [t],
      };
    },
    status: 415,
    vendorCode: -1254,
  },
  {
    name: "content type application/jsonp",
    request: async () => ({ ...(await withValid({})), init: { contentType: "application/jsonp" } }),
    status: 415,
    vendorCode: -1254,
  },
  {
    name: "body over max_body_bytes, chunked (no content-length)",
    request: async () => {
      const token = await alpha.sign();
      const chunk = new TextEncoder().encode(
        `{"id_token":"${token}","database":"alpha_db","padding":"${"p".repeat(4096)}`,
      );
      return {
        body: undefined,
        tokens: [token],
        send: () =>
          postStream([chunk, ...Array.from({ length: 8 }, () => new TextEncoder().encode("p".repeat(4096)))]),
      };
    },
    status: 413,
    vendorCode: -1254,
  },
];

/** Sends the chunks as a chunked request body. */
async function postStream(chunks: Uint8Array[]): Promise<ExchangeResponse> {
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  const response = await fetch(`${h.url}/v1/sso_token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: stream,
    duplex: "half",
  } as RequestInit);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) };
}

type Counts = Record<string, number>;

function providerCalls(): { alpha: Counts; beta: Counts; attacker: Counts } {
  const of = (f: FakeProvider): Counts => ({
    ...Object.fromEntries(f.requests),
    connections: f.connections(),
  });
  return { alpha: of(alpha), beta: of(beta), attacker: of(attacker) };
}

describe("hostile tokens and requests", () => {
  it("has at least 40 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  for (const c of cases) {
    it(`${c.name} → ${c.status} / ${c.vendorCode}`, async () => {
      const sent = await c.request();
      const prototypeKeys = Object.getOwnPropertyNames(Object.prototype);
      const before = providerCalls();
      const response = sent.send ? await sent.send() : await h.post(sent.body, sent.init);
      for (const token of sent.tokens ?? []) rememberToken(token);

      expectRefusal(response, c.status, c.vendorCode, sent.tokens);

      // No provider was contacted, beyond what the case allows; the attacker never, not even by TCP.
      const after = providerCalls();
      expect(after.attacker).toEqual({ connections: 0 });
      for (const name of ["alpha", "beta"] as const) {
        const allowed = name === "alpha" ? (c.calls ?? []) : [];
        const changed = Object.keys(after[name]).filter(
          (path) => path !== "connections" && after[name][path] !== before[name][path],
        );
        expect(changed).toEqual(allowed);
      }
      expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeKeys);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();

      const next = await h.post({ id_token: await alpha.sign(), database: "alpha_db" });
      expect(next.status, next.text).toBe(200);
    });
  }

  it("logged an audit line for every refused exchange, and no token", () => {
    const lines = h.logs.map((l) => JSON.parse(l));
    const refused = lines.filter((l) => l.event === "exchange" && l.outcome === "rejected");
    expect(refused.length).toBeGreaterThanOrEqual(cases.filter((c) => c.status >= 400).length);
    for (const line of refused) {
      expect(line).toMatchObject({ client: "127.0.0.1", vendor_code: expect.any(Number) });
    }
    // Refusals that reached the handler (a valid body) also name the database asked for.
    const reachedHandler = refused.filter((l) => l.status === 401 || l.status === 403);
    expect(reachedHandler.length).toBeGreaterThanOrEqual(
      cases.filter((c) => c.status === 401 || c.status === 403).length,
    );
    for (const line of reachedHandler) expect(line.database).toEqual(expect.any(String));
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(leakedLines()).toEqual([]);
  });
});
