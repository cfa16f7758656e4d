/**
 * Token verification (src/exchange/verify-jwt.ts) as a table, against a local key set: no server, no
 * provider. Each row signs a token with real keys (jose), changes one thing, and expects the code of the
 * rule it breaks; the order of the checks is jose's jwtVerify's (nothing about claims before the signature).
 */
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { defineConfig } from "../../src/config/load.js";
import type { IntegrationConfig } from "../../src/config/schema.js";
import { SigningKeyUnknown, SsoError, type SsoErrorCode } from "../../src/errors.js";
import { inspectJwt } from "../../src/exchange/inspect-token.js";
import {
  type JwtProfile,
  type VerifyingIntegration,
  verifySignedJwt,
} from "../../src/exchange/verify-jwt.js";
import { importPublicJwk, keyFits, type VerificationKey } from "../../src/keys/jws.js";
import type { KeySelector } from "../../src/provider/remote-key-set.js";

const ISSUER = "https://idp.example.com";
const NOW = 1_900_000_000;
const SKEW = 60;

/** A key set held in memory, selecting as the provider's does: by `kid` when given, and fitting `alg`. */
function localKeySet(keys: readonly VerificationKey[]): VerifyingIntegration["keys"] {
  const select = ({ alg, kid }: KeySelector) =>
    keys.filter((k) => (kid === undefined || k.kid === kid) && keyFits(k, alg));
  return {
    freshCandidates: (selector) => {
      const found = select(selector);
      return found.length > 0 ? found : undefined;
    },
    candidates: async (selector) => {
      const found = select(selector);
      if (found.length === 0)
        throw new SigningKeyUnknown("the token's signing key is unknown to its provider");
      return found;
    },
  };
}

function integrationConfig(overrides: Partial<IntegrationConfig> = {}): IntegrationConfig {
  const config = defineConfig({
    token: { issuer: "https://sso.example.com" },
    integrations: [{ name: "corp", issuer: ISSUER, audiences: ["ocient", "other-ours"] }],
    databases: { system: { integration: "corp" } },
  });
  const [integration] = config.integrations;
  if (integration === undefined) throw new Error("no integration");
  return { ...integration, ...overrides };
}

type Signer = (header: Record<string, unknown>, claims: JWTPayload) => Promise<string>;
let rs256: Signer;
let es256: Signer;
let unpublished: Signer;
let keys: VerificationKey[];

beforeAll(async () => {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  const stray = await generateKeyPair("RS256", { extractable: true });
  keys = [
    importPublicJwk({ ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256" }),
    importPublicJwk({ ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256" }),
  ];
  const signer =
    (key: Parameters<SignJWT["sign"]>[0], alg: string, kid: string): Signer =>
    (header, claims) =>
      new SignJWT(claims).setProtectedHeader({ alg, kid, ...header }).sign(key);
  rs256 = signer(rsa.privateKey, "RS256", "rsa-1");
  es256 = signer(ec.privateKey, "ES256", "ec-1");
  unpublished = signer(stray.privateKey, "RS256", "rsa-1");
});

const VALID: JWTPayload = { iss: ISSUER, sub: "alice", aud: "ocient", iat: NOW - 10, exp: NOW + 300 };
const ID_TOKEN: JwtProfile = {
  kind: "id_token",
  forbiddenTyp: "at+jwt",
  requiredClaims: ["sub", "exp", "iat"],
};
// The profiles verify-id-token.ts and verify-access-token.ts pass.
const ACCESS_TOKEN: JwtProfile = { kind: "access_token", typ: "at+jwt", requiredClaims: ["sub", "exp"] };

interface Row {
  sign?: () => Signer;
  header?: Record<string, unknown>;
  claims?: JWTPayload;
  profile?: JwtProfile;
  config?: Partial<IntegrationConfig>;
  /** The code of the rule broken; undefined: the token verifies. */
  code: SsoErrorCode | undefined;
}

const rows: [string, Row][] = [
  ["a valid RS256 id_token", { code: undefined }],
  ["a valid ES256 id_token", { sign: () => es256, code: undefined }],
  [
    "several audiences with an azp of ours",
    { claims: { aud: ["ocient", "x"], azp: "ocient" }, code: undefined },
  ],
  ["exp within the leeway", { claims: { exp: NOW - SKEW + 1 }, code: undefined }],
  ["a valid at+jwt access_token", { header: { typ: "at+jwt" }, profile: ACCESS_TOKEN, code: undefined }],
  [
    "an access_token whose azp is the client that called (Keycloak, Entra ID)",
    { header: { typ: "at+jwt" }, claims: { azp: "dashboard" }, profile: ACCESS_TOKEN, code: undefined },
  ],
  [
    "an access_token for several audiences, one ours, without azp",
    {
      header: { typ: "at+jwt" },
      claims: { aud: ["ocient", "account"] },
      profile: ACCESS_TOKEN,
      code: undefined,
    },
  ],
  [
    "an access_token for another audience, whatever its azp",
    {
      header: { typ: "at+jwt" },
      claims: { aud: "someone-else", azp: "ocient" },
      profile: ACCESS_TOKEN,
      code: "ERR_INVALID_AUDIENCE",
    },
  ],
  [
    "an algorithm outside the allow-list",
    { config: { algorithms: ["ES256"] }, code: "ERR_INVALID_SIGNATURE" },
  ],
  [
    "a signature by a key the provider does not publish",
    { sign: () => unpublished, code: "ERR_INVALID_SIGNATURE" },
  ],
  ["an unknown kid", { header: { kid: "nobody" }, code: "ERR_SIGNING_KEY_UNKNOWN" }],
  [
    "an invalid claim is not judged before the signature",
    { sign: () => unpublished, claims: { exp: NOW - 3600 }, code: "ERR_INVALID_SIGNATURE" },
  ],
  ["an id_token typed at+jwt", { header: { typ: "at+jwt" }, code: "ERR_INVALID_CLAIM" }],
  ["an access_token without typ at+jwt", { profile: ACCESS_TOKEN, code: "ERR_INVALID_CLAIM" }],
  ["no sub", { claims: { sub: undefined }, code: "ERR_INVALID_CLAIM" }],
  ["an empty sub", { claims: { sub: "" }, code: "ERR_INVALID_CLAIM" }],
  ["another issuer", { claims: { iss: "https://other.example.com" }, code: "ERR_INVALID_CLAIM" }],
  ["no iat in an id_token", { claims: { iat: undefined }, code: "ERR_INVALID_CLAIM" }],
  ["an audience that is not ours", { claims: { aud: "someone-else" }, code: "ERR_INVALID_AUDIENCE" }],
  ["several audiences and no azp", { claims: { aud: ["ocient", "x"] }, code: "ERR_INVALID_AUDIENCE" }],
  ["an azp that is not ours", { claims: { azp: "someone-else" }, code: "ERR_INVALID_AUDIENCE" }],
  [
    "an id_token whose azp is the service account that asked, with check_azp false (Google)",
    {
      claims: { azp: "112233445566778899001" },
      config: { id_tokens: { check_azp: false } },
      code: undefined,
    },
  ],
  [
    "with check_azp false, still one audience of ours",
    {
      claims: { aud: "someone-else", azp: "ocient" },
      config: { id_tokens: { check_azp: false } },
      code: "ERR_INVALID_AUDIENCE",
    },
  ],
  [
    "with check_azp false, still an azp for several audiences",
    {
      claims: { aud: ["ocient", "x"] },
      config: { id_tokens: { check_azp: false } },
      code: "ERR_INVALID_AUDIENCE",
    },
  ],
  [
    "with check_azp false, an azp that is no string",
    { claims: { azp: 42 }, config: { id_tokens: { check_azp: false } }, code: "ERR_INVALID_AUDIENCE" },
  ],
  ["expired beyond the leeway", { claims: { exp: NOW - SKEW }, code: "ERR_TOKEN_EXPIRED" }],
  ["nbf beyond the leeway", { claims: { nbf: NOW + SKEW + 1 }, code: "ERR_INVALID_CLAIM" }],
  ["iat in the future beyond the leeway", { claims: { iat: NOW + SKEW + 1 }, code: "ERR_INVALID_CLAIM" }],
  ["a non-numeric exp", { claims: { exp: "tomorrow" as unknown as number }, code: "ERR_INVALID_CLAIM" }],
  [
    "older than max_token_age_seconds",
    { claims: { iat: NOW - 700 }, config: { max_token_age_seconds: 600 }, code: "ERR_INVALID_CLAIM" },
  ],
];

describe("verifySignedJwt against a local key set", () => {
  it.each(rows)("%s", async (_, row) => {
    const claims = { ...VALID, ...row.claims };
    const token = await (row.sign?.() ?? rs256)(row.header ?? {}, claims);
    const profile = row.profile ?? ID_TOKEN;
    const integration: VerifyingIntegration = {
      config: integrationConfig(row.config),
      keys: localKeySet(keys),
    };
    const outcome = await verifySignedJwt(
      token,
      inspectJwt(token, profile.kind),
      integration,
      profile,
      NOW * 1000,
    ).then(
      (verified) => ({ verified: verified.sub }),
      (err: unknown) => ({ code: err instanceof SsoError ? err.code : String(err) }),
    );
    expect(outcome).toEqual(row.code === undefined ? { verified: claims.sub } : { code: row.code });
  });
});
