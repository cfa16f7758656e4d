/**
 * Random values of sign-in (state, nonce, PKCE verifier, cookie binding) and the digests they are
 * stored under: a store, a log or a dump of it never holds a value a caller could present.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { digest } from "../lib/digest.js";

/** 256 random bits, base64url. */
export function randomSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether `value` digests to `expected`, compared in constant time. */
export function digestMatches(value: string, expected: string): boolean {
  const a = Buffer.from(digest(value));
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
