/**
 * `replay: once` (of the integration, or of the binding the token matched): a subject token is exchanged
 * at most once. What is remembered is the SHA-256 of the
 * token (never the token), until the token's `exp` plus the integration's leeway, since until then it
 * would still be accepted. The record is written before minting, with set-if-absent, so of two
 * instances given the same token at the same moment exactly one mints. A token without a known expiry
 * (an opaque token checked at userinfo) is remembered for a day.
 *
 * The store is the shared one when `state.redis` is set: while Redis is down this throws
 * StateUnavailable (503), never a guess. A token whose exchange answered 503 while Redis was failing may
 * count as used (the write may have reached Redis): the application gets a fresh one from its provider.
 */

import { InvalidAccessToken, InvalidIdToken } from "../errors.js";
import { digest } from "../lib/digest.js";
import type { StateStore } from "../state/store.js";
import type { VerifiedSubject } from "./verified-subject.js";

const UNKNOWN_EXPIRY_MS = 86_400_000;

export async function claimOnce(
  store: StateStore,
  subject: VerifiedSubject,
  token: string,
  nowMs: number,
): Promise<void> {
  const { integration } = subject;
  const hash = digest(token);
  const ttlMs =
    subject.exp === undefined
      ? UNKNOWN_EXPIRY_MS
      : subject.exp * 1000 + integration.config.clock_skew_seconds * 1000 - nowMs;
  // Past its expiry the token was refused before here; keep a floor so the record always expires later.
  const first = await store.putIfAbsent(`replay:${integration.name}:${hash}`, "1", Math.max(ttlMs, 1000));
  if (first) return;
  if (subject.kind === "id_token") throw new InvalidIdToken("the id_token was already exchanged");
  throw new InvalidAccessToken("the access_token was already exchanged");
}
