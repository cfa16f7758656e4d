import { createHash } from "node:crypto";

/**
 * SHA-256 of `value`, base64url: the key a token, a secret or a user claim is stored or counted under,
 * so a store, a log or a dump never holds the value itself, and the key has a fixed length.
 */
export function digest(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}
