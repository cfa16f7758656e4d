/**
 * The key file: the keys this service signs with, kept as a private JWK Set in one file (mode 0600), and
 * what it says of each key over time. The newest active key signs from its `signs_from`; keys retired by a
 * rotation stay published until `retire_at`, so tokens they signed still verify; private members are never
 * published. The running service's view of it is key-store.ts.
 */
import { randomUUID } from "node:crypto";
import { chmod, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { JWK } from "jose";
import type { Clock } from "../clock.js";
import { jsonErrorOffset, lineAndColumn } from "./json-position.js";

export interface StoredKey extends JWK {
  kid: string;
  alg: string;
  /** Seconds since the epoch. */
  created_at: number;
  /** After this (seconds since the epoch) the key is no longer published; unset while it signs. */
  retire_at?: number;
  /**
   * From this moment (seconds since the epoch) the key signs; published before. Set by a rotation with a
   * lead, so every instance and every verifier caching the key set knows the key before any token uses it.
   * Unset: signs from `created_at`.
   */
  signs_from?: number;
}

export interface KeyFile {
  keys: StoredKey[];
}

/** How often a running service checks its key file for a change (seconds). */
export const KEY_FILE_POLL_SECONDS = 2;
/**
 * Added to a rotation's lead: every instance has published the staged key (two polls) before the lead
 * starts, so a verifier that refreshed its cache within `lead` seconds before the switch has the key.
 */
export const PICKUP_SECONDS = 2 * KEY_FILE_POLL_SECONDS;

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
/** The clock's time in whole seconds, as the key file and token claims write it. */
export const secondsOf = (now: Clock): number => Math.floor(now() / 1000);

/** A new key of `alg`, created at `now` (default: the wall clock; the CLI's and the service's composition roots pass theirs). */
export async function generateStoredKey(alg: string, now: Clock = Date.now): Promise<StoredKey> {
  // Loaded here only: a service whose key file exists never needs jose to start.
  const { exportJWK, generateKeyPair } = await import("jose");
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomUUID(), alg, use: "sig", created_at: secondsOf(now) };
}

export function publicJwk(key: StoredKey): JWK {
  const { created_at: _c, retire_at: _r, signs_from: _s, ...jwk } = key;
  for (const m of PRIVATE_MEMBERS) delete jwk[m];
  return jwk;
}

export async function readKeyFile(file: string): Promise<KeyFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let parsed: KeyFile;
  try {
    parsed = JSON.parse(text) as KeyFile;
  } catch {
    // Never the parser's message: it quotes the text around the error, which is key material.
    const offset = jsonErrorOffset(text);
    throw new Error(
      `${file}: not valid JSON${offset === undefined ? "" : ` at ${lineAndColumn(text, offset)}`}`,
    );
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    !Array.isArray(parsed.keys) ||
    parsed.keys.some((k) => typeof k?.kid !== "string" || typeof k.alg !== "string")
  ) {
    throw new Error(`${file}: not a signing key file (expected {"keys": [JWK with kid and alg]})`);
  }
  return parsed;
}

/**
 * Written to a temporary file and renamed, so a crash never leaves half a key file. The directory must
 * exist: a missing one may be a volume not mounted, where a new key would be one instance's own.
 */
export async function writeKeyFile(file: string, content: KeyFile): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/**
 * Adds a key that is published at once and signs after `leadSeconds` (default 0: from now on), counted
 * from when every running instance has picked the file up (PICKUP_SECONDS). Keys that
 * signed before go on signing until then, and stay published for `retireAfterSeconds` after it (the
 * longest a token they signed may live); keys already past their retirement, and a staged key that has
 * not started signing, are dropped. `clock` is the time the rotation counts from.
 */
export async function rotateKeys(
  file: string,
  alg: string,
  retireAfterSeconds: number,
  leadSeconds = 0,
  clock: Clock = Date.now,
): Promise<StoredKey> {
  const current = (await readKeyFile(file)) ?? { keys: [] };
  const now = secondsOf(clock);
  const switchAt = leadSeconds > 0 ? now + PICKUP_SECONDS + leadSeconds : now;
  const kept = current.keys
    // A staged key that has not signed yet has signed nothing: the new key replaces it outright.
    .filter(
      (k) =>
        (k.retire_at === undefined || k.retire_at > now) &&
        !(k.signs_from !== undefined && k.signs_from > now),
    )
    .map((k) => (k.retire_at === undefined ? { ...k, retire_at: switchAt + retireAfterSeconds } : k));
  const next = await generateStoredKey(alg, clock);
  if (leadSeconds > 0) next.signs_from = switchAt;
  await writeKeyFile(file, { keys: [next, ...kept] });
  return next;
}

/**
 * What a start may do when the key file is missing: `create` it (one instance: a first start needs no
 * setup); not when instances share `state.redis` (`shared`): each would create a key of its own and
 * the key set served would depend on which instance answers, so `keys generate` creates it, once;
 * never on a `reload` (a file that vanished is not a first start).
 */
export type MissingKeyFile = "create" | "shared" | "reload";

/**
 * Why a missing key file cannot be created now (naming `token.keys_file`), or undefined when it may be.
 * A missing directory is never created: it may be a shared volume that is not mounted.
 */
export async function missingKeyFileProblem(
  file: string,
  missing: MissingKeyFile,
): Promise<string | undefined> {
  const dir = dirname(file);
  const isDirectory = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDirectory)
    return `token.keys_file: the directory ${dir} does not exist (a volume not mounted?); serve never creates it: create it, or correct the path`;
  if (missing === "shared")
    return `token.keys_file: ${file} does not exist; with state.redis set (several instances) serve never creates it, so no instance signs with a key of its own: run "ocient-sso keys generate --config FILE" once, where every instance reads it`;
  if (missing === "reload")
    return `token.keys_file: ${file} does not exist; a reload never creates one: run "ocient-sso keys generate"`;
  return undefined;
}

/** When a key starts signing (seconds since the epoch). */
export function signsFrom(key: StoredKey): number {
  return key.signs_from ?? key.created_at;
}

/**
 * The key that signs at `nowSec`: of the live keys of `alg`, the one that started signing last. A staged
 * key (signs_from ahead) is published but signs only from then; the key it replaces signs until then.
 */
export function signingKeyAt(keys: readonly StoredKey[], alg: string, nowSec: number): StoredKey | undefined {
  let best: StoredKey | undefined;
  for (const k of keys) {
    if (k.alg !== alg || (k.retire_at !== undefined && k.retire_at <= nowSec) || signsFrom(k) > nowSec)
      continue;
    if (!best || signsFrom(k) > signsFrom(best)) best = k;
  }
  return best;
}

export interface KeySchedule {
  key: StoredKey;
  signsFrom: number;
  /** When it stopped or stops signing: the start of the key that replaced it, or its retirement. */
  signsUntil: number | undefined;
  retireAt: number | undefined;
  state: "staged" | "signing" | "published" | "retired";
}

/** Each key's time line at `nowSec`, as the running service reads the file (signingKeyAt). */
export function keySchedule(keys: readonly StoredKey[], nowSec: number): KeySchedule[] {
  return keys.map((key, index) => {
    const from = signsFrom(key);
    // Of two keys that start together, signingKeyAt picks the one listed first.
    const successor = keys
      .filter((k, i) => k.alg === key.alg && (signsFrom(k) > from || (signsFrom(k) === from && i < index)))
      .reduce<number | undefined>((first, k) => Math.min(first ?? signsFrom(k), signsFrom(k)), undefined);
    const ends = [successor, key.retire_at].filter((t): t is number => t !== undefined);
    const signsUntil = ends.length > 0 ? Math.min(...ends) : undefined;
    const state =
      key.retire_at !== undefined && key.retire_at <= nowSec
        ? "retired"
        : key === signingKeyAt(keys, key.alg, nowSec)
          ? "signing"
          : from > nowSec
            ? "staged"
            : "published";
    return { key, signsFrom: from, signsUntil, retireAt: key.retire_at, state };
  });
}
