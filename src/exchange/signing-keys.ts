/**
 * The keys this service signs with, kept as a private JWK Set in one file (mode 0600). The newest
 * active key signs; keys retired by a rotation stay published until `retire_at`, so tokens they
 * signed still verify; private members are never published.
 */

import type { KeyObject } from "node:crypto";
import { randomUUID } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { JWK } from "jose";
import { jsonErrorOffset, lineAndColumn } from "./json-position.js";
import { importPrivateJwk, importPublicJwk, type VerificationKey } from "./jws.js";

export interface StoredKey extends JWK {
  kid: string;
  alg: string;
  /** Seconds since the epoch. */
  created_at: number;
  /** After this (seconds since the epoch) the key is no longer published; unset while it signs. */
  retire_at?: number;
}

export interface KeyFile {
  keys: StoredKey[];
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function generateStoredKey(alg: string): Promise<StoredKey> {
  // Loaded here only: a service whose key file exists never needs jose to start.
  const { exportJWK, generateKeyPair } = await import("jose");
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomUUID(), alg, use: "sig", created_at: nowSeconds() };
}

export function publicJwk(key: StoredKey): JWK {
  const { created_at: _c, retire_at: _r, ...jwk } = key;
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

/** Written to a temporary file and renamed, so a crash never leaves half a key file. */
export async function writeKeyFile(file: string, content: KeyFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/**
 * Adds a key that signs from now on. Keys that signed before stay published for `retireAfterSeconds`
 * (the longest a token they signed may live); keys already past their retirement are dropped.
 */
export async function rotateKeys(file: string, alg: string, retireAfterSeconds: number): Promise<StoredKey> {
  const current = (await readKeyFile(file)) ?? { keys: [] };
  const now = nowSeconds();
  const kept = current.keys
    .filter((k) => k.retire_at === undefined || k.retire_at > now)
    .map((k) => (k.retire_at === undefined ? { ...k, retire_at: now + retireAfterSeconds } : k));
  const next = await generateStoredKey(alg);
  await writeKeyFile(file, { keys: [next, ...kept] });
  return next;
}

export interface Signer {
  kid: string;
  alg: string;
  key: KeyObject;
  /** The base64url protected header of every token this key signs: `{alg, typ: "at+jwt", kid}`. */
  encodedHeader: string;
}

export class KeyStore {
  /** The published keys by kid, imported once, to check this service's own tokens (token_refresh). */
  readonly #verifiers: Map<string, { key: VerificationKey; retireAt: number | undefined }>;

  private constructor(
    readonly signer: Signer,
    private readonly published: ReadonlyArray<{ jwk: JWK; retireAt: number | undefined }>,
  ) {
    this.#verifiers = new Map(
      published.map((p) => [
        p.jwk.kid as string,
        { key: importPublicJwk(p.jwk as Record<string, unknown>), retireAt: p.retireAt },
      ]),
    );
  }

  /**
   * Loads the key file, creating it with one key when missing (`created` tells the caller to warn).
   * `previous` is the key that signed until this load (on a reload): it stays published until `until`
   * even when the file retired it earlier, so no token it signed outlives its key in the JWKS.
   */
  static async open(
    file: string,
    alg: string,
    previous?: PublishedKey,
  ): Promise<{ store: KeyStore; created: boolean }> {
    let content = await readKeyFile(file);
    const created = content === undefined;
    if (!content) {
      content = { keys: [await generateStoredKey(alg)] };
      await writeKeyFile(file, content);
    }
    return { store: KeyStore.from(content, alg, previous), created };
  }

  static from(content: KeyFile, alg: string, previous?: PublishedKey): KeyStore {
    const now = nowSeconds();
    const live = content.keys.filter((k) => k.retire_at === undefined || k.retire_at > now);
    const active = live.find((k) => k.retire_at === undefined && k.alg === alg);
    if (!active)
      throw new Error(`no active ${alg} signing key in the key file; run "ocient-sso keys rotate"`);
    const { created_at: _c, retire_at: _r, ...jwk } = active;
    const key = importPrivateJwk(jwk as Record<string, unknown>);
    const published = live.map((k) => ({ jwk: publicJwk(k), retireAt: k.retire_at }));
    if (previous && previous.jwk.kid !== active.kid) {
      const entry = published.find((p) => p.jwk.kid === previous.jwk.kid);
      if (!entry) published.push({ jwk: previous.jwk, retireAt: previous.until });
      else if (entry.retireAt !== undefined) entry.retireAt = Math.max(entry.retireAt, previous.until);
    }
    const header = { alg: active.alg, typ: "at+jwt", kid: active.kid };
    const encodedHeader = Buffer.from(JSON.stringify(header)).toString("base64url");
    return new KeyStore({ kid: active.kid, alg: active.alg, key, encodedHeader }, published);
  }

  /** The signer's public key, to be carried over by the next load for as long as its tokens live. */
  signerJwk(): JWK {
    return this.published.find((p) => p.jwk.kid === this.signer.kid)?.jwk as JWK;
  }

  /** The public key published as `kid` (the signer's, or a previous key not yet past `retire_at`). */
  verificationKey(kid: string, nowSec = nowSeconds()): VerificationKey | undefined {
    const entry = this.#verifiers.get(kid);
    return entry && (entry.retireAt === undefined || entry.retireAt > nowSec) ? entry.key : undefined;
  }

  /** Public keys of the signer and of previous keys not yet past `retire_at`. */
  jwks(nowSec = nowSeconds()): { keys: JWK[] } {
    return {
      keys: this.published.filter((k) => k.retireAt === undefined || k.retireAt > nowSec).map((k) => k.jwk),
    };
  }
}

/** A public key published until `until` (seconds since the epoch). */
export interface PublishedKey {
  jwk: JWK;
  until: number;
}
