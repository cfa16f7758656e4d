/**
 * Compact JWS signatures on node:crypto with a callback, so the RSA, ECDSA and EdDSA work runs on
 * libuv's thread pool and can use another core. The exchange's hot path signs and verifies here;
 * measured on this project's benchmark, it costs the event loop about half of what the same
 * operations cost through WebCrypto. Keys are KeyObjects imported once from JWKs.
 */

import { constants, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import type { AsymmetricAlgorithm } from "../config/schema.js";
import { isRecord } from "../lib/is-record.js";

interface AlgorithmProfile {
  /** Digest for node:crypto; undefined for EdDSA. */
  digest: string | undefined;
  kty: "RSA" | "EC" | "OKP";
  /** The curves an EC or OKP key may be on. */
  crv?: readonly string[];
  padding?: number;
  saltLength?: number;
  dsaEncoding?: "ieee-p1363";
}

const pss = (digest: string, saltLength: number): AlgorithmProfile => ({
  digest,
  kty: "RSA",
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength,
});
const ecdsa = (digest: string, crv: string): AlgorithmProfile => ({
  digest,
  kty: "EC",
  crv: [crv],
  dsaEncoding: "ieee-p1363",
});

/**
 * The asymmetric JWS algorithms (RFC 7518 §3, RFC 8037); `none` and HMAC are deliberately absent. Keyed by
 * the configuration's list, so the algorithms an integration may allow and those verified here are one list.
 */
const PROFILES: Record<AsymmetricAlgorithm, AlgorithmProfile> = {
  RS256: { digest: "sha256", kty: "RSA" },
  RS384: { digest: "sha384", kty: "RSA" },
  RS512: { digest: "sha512", kty: "RSA" },
  PS256: pss("sha256", 32),
  PS384: pss("sha384", 48),
  PS512: pss("sha512", 64),
  ES256: ecdsa("sha256", "P-256"),
  ES384: ecdsa("sha384", "P-384"),
  ES512: ecdsa("sha512", "P-521"),
  EdDSA: { digest: undefined, kty: "OKP", crv: ["Ed25519", "Ed448"] },
  Ed25519: { digest: undefined, kty: "OKP", crv: ["Ed25519"] },
};

export function algorithmProfile(alg: string): AlgorithmProfile | undefined {
  return Object.hasOwn(PROFILES, alg) ? PROFILES[alg as AsymmetricAlgorithm] : undefined;
}

/** A public key from a provider's key set, with what the JWK says about its use. */
export interface VerificationKey {
  kid: string | undefined;
  kty: string;
  crv: string | undefined;
  alg: string | undefined;
  key: KeyObject;
}

/** Whether `key` may check a signature made with `alg` (the checks jose applies when it selects keys). */
export function keyFits(key: VerificationKey, alg: string): boolean {
  const profile = algorithmProfile(alg);
  if (!profile || key.kty !== profile.kty) return false;
  if (key.alg !== undefined && key.alg !== alg) return false;
  if (profile.crv !== undefined && (key.crv === undefined || !profile.crv.includes(key.crv))) return false;
  if (profile.kty === "RSA") return (key.key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  return true;
}

export function importPublicJwk(jwk: Record<string, unknown>): VerificationKey {
  const key = createPublicKey({ key: jwk as never, format: "jwk" });
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { kid: str(jwk.kid), kty: String(jwk.kty), crv: str(jwk.crv), alg: str(jwk.alg), key };
}

export function importPrivateJwk(jwk: Record<string, unknown>): KeyObject {
  return createPrivateKey({ key: jwk as never, format: "jwk" });
}

function options(profile: AlgorithmProfile, key: KeyObject) {
  return { key, padding: profile.padding, saltLength: profile.saltLength, dsaEncoding: profile.dsaEncoding };
}

/** One segment of a compact JWS: base64url without padding. */
export const SEGMENT = /^[A-Za-z0-9_-]+$/;

export function decodeSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/** A compact JWS taken apart, nothing trusted yet; each caller judges it in the order its contract says. */
export interface DecodedJws {
  /** The protected header, when its segment is base64url JSON: an object with a string `alg`. */
  header: (Record<string, unknown> & { alg: string }) | undefined;
  /** Whether all three segments are base64url. */
  encoded: boolean;
  /** The payload, decoded when every segment is base64url (a JSON value, or undefined). */
  payload: unknown;
}

/** The parts of `token`, or why it is no compact JWS: five parts (a JWE) or another count. */
export function decodeJws(token: string): DecodedJws | "encrypted" | "not-jws" {
  const parts = token.split(".");
  if (parts.length === 5) return "encrypted";
  if (parts.length !== 3) return "not-jws";
  const [h, p, s] = parts as [string, string, string];
  const header = SEGMENT.test(h) ? decodeSegment(h) : undefined;
  const encoded = SEGMENT.test(h) && SEGMENT.test(p) && SEGMENT.test(s);
  return {
    header: isRecord(header) && typeof header.alg === "string" ? (header as DecodedJws["header"]) : undefined,
    encoded,
    payload: encoded ? decodeSegment(p) : undefined,
  };
}

/**
 * The signing input and the signature of a compact JWS. base64url ignores the unused low bits of its
 * last character; only the canonical spelling is accepted (undefined otherwise), so one signature has
 * one token string.
 */
function splitSignature(token: string): { signingInput: Buffer; signature: Buffer } | undefined {
  const dot = token.lastIndexOf(".");
  const encoded = token.slice(dot + 1);
  const signature = Buffer.from(encoded, "base64url");
  if (signature.toString("base64url") !== encoded) return undefined;
  return { signingInput: Buffer.from(token.slice(0, dot)), signature };
}

/**
 * Whether one of `keys` that may check `alg` (keyFits) made the signature of `token`: the one signature
 * check of the exchange (a provider's keys) and of the refresh (this service's own).
 */
export async function verifiesWith(
  token: string,
  alg: string,
  keys: readonly VerificationKey[],
): Promise<boolean> {
  const split = splitSignature(token);
  if (!split) return false;
  for (const key of keys) {
    if (keyFits(key, alg) && (await verifySignature(alg, split.signingInput, split.signature, key)))
      return true;
  }
  return false;
}

export function verifySignature(
  alg: string,
  signingInput: Buffer,
  signature: Buffer,
  key: VerificationKey,
): Promise<boolean> {
  const profile = algorithmProfile(alg);
  if (!profile) return Promise.resolve(false);
  return new Promise((resolve) => {
    verify(profile.digest, signingInput, options(profile, key.key), signature, (err, ok) =>
      resolve(!err && ok),
    );
  });
}

/** Signs `header.payload` (already base64url) and returns the compact JWS. */
export function signCompact(alg: string, signingInput: string, key: KeyObject): Promise<string> {
  const profile = algorithmProfile(alg);
  if (!profile) return Promise.reject(new TypeError(`unsupported signing algorithm ${alg}`));
  return new Promise((resolve, reject) => {
    sign(profile.digest, Buffer.from(signingInput), options(profile, key), (err, signature) =>
      err ? reject(err) : resolve(`${signingInput}.${signature.toString("base64url")}`),
    );
  });
}
