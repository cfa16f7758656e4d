/**
 * The running service's signing keys, loaded from the key file (key-file.ts): the signer at a moment of
 * the service's clock, the keys it publishes, and the public keys that check its own tokens (token_refresh).
 */
import type { KeyObject } from "node:crypto";
import type { JWK } from "jose";
import type { Clock } from "../clock.js";
import { importPrivateJwk, importPublicJwk, signCompact, type VerificationKey } from "./jws.js";
import {
  generateStoredKey,
  type KeyFile,
  type MissingKeyFile,
  missingKeyFileProblem,
  publicJwk,
  readKeyFile,
  secondsOf,
  signingKeyAt,
  signsFrom,
  writeKeyFile,
} from "./key-file.js";

export interface Signer {
  kid: string;
  alg: string;
  key: KeyObject;
  /** The base64url protected header of every token this key signs: `{alg, typ: "at+jwt", kid}`. */
  encodedHeader: string;
  /** Unix seconds since which it signs (its `signs_from`, else when it was created). */
  from: number;
}

interface KeyStoreState {
  /** Every key that signs now or will, newest start first. */
  signers: ReadonlyArray<Signer>;
  published: ReadonlyArray<{ jwk: JWK; retireAt: number | undefined }>;
  /** The published keys by kid, imported once, to check this service's own tokens (token_refresh). */
  verifiers: ReadonlyMap<string, { key: VerificationKey; retireAt: number | undefined }>;
}

export interface KeyStoreOptions {
  /** The service's clock: it decides which key signs and which are published (default `Date.now`). */
  now?: Clock;
  /**
   * The key that signed until this load (on a reload): it stays published until `until` even when the
   * file retired it earlier, so no token it signed outlives its key in the JWKS. See `carryOver`.
   */
  previous?: PublishedKey;
}

export class KeyStore {
  #state: KeyStoreState;
  readonly #now: Clock;

  private constructor(state: KeyStoreState, now: Clock) {
    this.#state = state;
    this.#now = now;
  }

  /**
   * Loads the key file; when missing, creates it with one key if `missing` allows (`created` tells the
   * caller to warn), else throws naming the setting and what to do (key-file.ts).
   */
  static async open(
    file: string,
    alg: string,
    missing: MissingKeyFile,
    options: KeyStoreOptions = {},
  ): Promise<{ store: KeyStore; created: boolean }> {
    let content = await readKeyFile(file);
    const created = content === undefined;
    if (!content) {
      const problem = await missingKeyFileProblem(file, missing);
      if (problem) throw new Error(problem);
      content = { keys: [await generateStoredKey(alg, options.now)] };
      await writeKeyFile(file, content);
    }
    return { store: KeyStore.from(content, alg, options), created };
  }

  static from(
    content: KeyFile,
    alg: string,
    { now: clock = Date.now, previous }: KeyStoreOptions = {},
  ): KeyStore {
    const now = secondsOf(clock);
    const live = content.keys.filter((k) => k.retire_at === undefined || k.retire_at > now);
    if (!live.some((k) => k.retire_at === undefined && k.alg === alg))
      throw new Error(`no active ${alg} signing key in the key file; run "ocient-sso keys rotate"`);
    const current = signingKeyAt(live, alg, now);
    // Keys that sign now or later; older ones are superseded for good.
    const signing = live
      .filter((k) => k.alg === alg && (k === current || signsFrom(k) > now))
      .sort((a, b) => signsFrom(b) - signsFrom(a));
    const signers = signing.map((k) => {
      const { created_at: _c, retire_at: _r, signs_from: _s, ...jwk } = k;
      const header = { alg: k.alg, typ: "at+jwt", kid: k.kid };
      return {
        kid: k.kid,
        alg: k.alg,
        key: importPrivateJwk(jwk as Record<string, unknown>),
        encodedHeader: Buffer.from(JSON.stringify(header)).toString("base64url"),
        from: signsFrom(k),
      };
    });
    const published = live.map((k) => ({ jwk: publicJwk(k), retireAt: k.retire_at }));
    const active = signers.at(-1) as Signer;
    if (previous && previous.jwk.kid !== active.kid) {
      const entry = published.find((p) => p.jwk.kid === previous.jwk.kid);
      if (!entry) published.push({ jwk: previous.jwk, retireAt: previous.until });
      else if (entry.retireAt !== undefined) entry.retireAt = Math.max(entry.retireAt, previous.until);
    }
    const verifiers = new Map(
      published.map((p) => [
        p.jwk.kid as string,
        { key: importPublicJwk(p.jwk as Record<string, unknown>), retireAt: p.retireAt },
      ]),
    );
    return new KeyStore({ signers, published, verifiers }, clock);
  }

  /**
   * The key file's content loaded as the successor of this store: the same clock, and this store's
   * signer carried over (`carryOver`) for `ttlSeconds`, the longest a token it signed lives.
   */
  successor(content: KeyFile, alg: string, ttlSeconds: number): KeyStore {
    return KeyStore.from(content, alg, { now: this.#now, previous: this.carryOver(ttlSeconds) });
  }

  /** This store's signer, published for `ttlSeconds` from now whatever the next load of the key file says. */
  carryOver(ttlSeconds: number): PublishedKey {
    return { jwk: this.#signerJwk(), until: secondsOf(this.#now) + ttlSeconds };
  }

  /** The key that signs now: picked by time, so a staged key takes over at its `signs_from` everywhere at once. */
  get signer(): Signer {
    return this.signerAt(secondsOf(this.#now));
  }

  /** The key in force at `nowSec` (seconds since the epoch): a minted token is signed by the key of its `iat`. */
  signerAt(nowSec: number): Signer {
    const { signers } = this.#state;
    return signers.find((s) => s.from <= nowSec) ?? (signers.at(-1) as Signer);
  }

  /** Every key that signs now or will (staged), to be probed before the service says it is ready. */
  signers(): readonly Signer[] {
    return this.#state.signers;
  }

  /** Proves the signing keys (current and staged) sign, before the service says it is ready or adopts them. */
  async probe(): Promise<void> {
    for (const signer of this.#state.signers)
      await signCompact(signer.alg, `${signer.encodedHeader}.e30`, signer.key);
  }

  /**
   * Takes over the keys of `next` (a fresh load of the key file) in one assignment, so whoever holds this
   * store (the minter, the JWKS route) sees the new keys without being rebuilt.
   */
  adopt(next: KeyStore): void {
    this.#state = next.#state;
  }

  /** The signer's public key, to be carried over by the next load for as long as its tokens live. */
  #signerJwk(): JWK {
    const kid = this.signer.kid;
    return this.#state.published.find((p) => p.jwk.kid === kid)?.jwk as JWK;
  }

  /** The public key published as `kid` (a signer's, or a previous key not yet past `retire_at`), for token_refresh. */
  verificationKey(kid: string, nowSec = secondsOf(this.#now)): VerificationKey | undefined {
    const entry = this.#state.verifiers.get(kid);
    return entry && (entry.retireAt === undefined || entry.retireAt > nowSec) ? entry.key : undefined;
  }

  /** Public keys of the signers (current and staged) and of previous keys not yet past `retire_at`. */
  jwks(nowSec = secondsOf(this.#now)): { keys: JWK[] } {
    return {
      keys: this.#state.published
        .filter((k) => k.retireAt === undefined || k.retireAt > nowSec)
        .map((k) => k.jwk),
    };
  }
}

/** Instances sharing `state.redis` never create the key file (see MissingKeyFile). */
export function missingKeyFileAtStart(config: { state: { redis?: unknown } }): MissingKeyFile {
  return config.state.redis ? "shared" : "create";
}

/** A public key published until `until` (seconds since the epoch). */
export interface PublishedKey {
  jwk: JWK;
  until: number;
}
