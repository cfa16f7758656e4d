/**
 * The key set of an issuer this service cannot reach (a private cluster, an air-gapped provider): given
 * inline (`jwks`) or in a file (`jwks_file`, e.g. the output of `kubectl get --raw /openid/v1/jwks`).
 * No discovery and no network. The file is read on first use and again when it changes: its size,
 * modification time or inode is looked at, at most once per `recheckMs`, and at once for an unknown
 * `kid` (at most once per recheck too). A file that becomes unusable leaves the keys read before in
 * use, and says so in the metrics; SIGHUP builds a new set that reads the file afresh.
 */
import { readFile, stat } from "node:fs/promises";
import type { Clock } from "../clock.js";
import { InvalidProviderKeySet, ProviderUnavailable, SigningKeyUnknown, SsoError } from "../errors.js";
import type { VerificationKey } from "../keys/jws.js";
import type { ExchangeObserver } from "./observer.js";
import { type KeySelector, select, toVerificationKeys } from "./remote-key-set.js";

export type StaticKeySource = { jwks: unknown; file?: undefined } | { file: string; jwks?: undefined };

export interface StaticKeySetOptions {
  integration: string;
  source: StaticKeySource;
  /** Least time between two looks at the file (ms). */
  recheckMs: number;
  now: Clock;
  observer?: ExchangeObserver;
}

/** What identifies one version of the file. */
const versionOf = (s: { size: number; mtimeMs: number; ino: number }) => `${s.size}:${s.mtimeMs}:${s.ino}`;

export class StaticKeySet {
  #keys: readonly VerificationKey[] | undefined;
  #version: string | undefined;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | undefined;

  constructor(private readonly opts: StaticKeySetOptions) {}

  freshCandidates(header: KeySelector): VerificationKey[] | undefined {
    if (!this.#keys || this.#due()) return undefined;
    const found = select(this.#keys, header);
    return found.length > 0 ? found : undefined;
  }

  async candidates(header: KeySelector): Promise<VerificationKey[]> {
    const fresh = this.freshCandidates(header);
    if (fresh) return fresh;
    if (this.#due() || !this.#keys) await this.#recheck();
    const found = select(this.#keys ?? [], header);
    if (found.length === 0) throw new SigningKeyUnknown("the token's signing key is unknown to its provider");
    return found;
  }

  /** Reads the key set now; resolves with how many usable keys it has (check-config reports it). */
  async load(): Promise<number> {
    this.#version = undefined;
    await this.#recheck();
    return this.#keys?.length ?? 0;
  }

  #due(): boolean {
    return this.opts.source.file !== undefined && this.opts.now() - this.#checkedAt >= this.opts.recheckMs;
  }

  #recheck(): Promise<void> {
    this.#pending ??= this.#read().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #read(): Promise<void> {
    const { file, jwks } = this.opts.source;
    if (file === undefined) {
      this.#keys = toVerificationKeys(jwks);
      return;
    }
    this.#checkedAt = this.opts.now();
    const { integration, observer } = this.opts;
    try {
      const version = versionOf(await stat(file));
      if (version === this.#version && this.#keys) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, "utf8"));
      } catch (err) {
        if (err instanceof SyntaxError) throw new InvalidProviderKeySet("the jwks_file is not a JWK Set");
        throw err;
      }
      this.#keys = toVerificationKeys(parsed);
      this.#version = version;
      observer?.providerCall?.("jwks", integration, "ok");
    } catch (err) {
      const failure =
        err instanceof SsoError
          ? err
          : new ProviderUnavailable("the jwks_file cannot be read", { cause: err });
      observer?.providerCall?.(
        "jwks",
        integration,
        failure instanceof ProviderUnavailable ? "unavailable" : "invalid",
      );
      // Keys read before keep working; only a set that never loaded fails the token.
      if (!this.#keys) throw failure;
    }
  }
}
