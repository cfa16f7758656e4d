/**
 * The Ocient access token: a compact JWS with `typ: at+jwt`, scoped to one database. The header is
 * the signer's, encoded once; signing runs on node:crypto's thread pool (see jws.ts).
 */
import { randomUUID } from "node:crypto";
import type { BindingGrant } from "../bindings/binding-set.js";
import type { Config } from "../config/schema.js";
import { TokenExpired } from "../errors.js";
import type { Identity } from "../exchange/access-policy.js";
import type { VerifiedSubject } from "../exchange/verified-subject.js";
import { signCompact } from "./jws.js";
import type { KeyStore } from "./key-store.js";

export interface MintedToken {
  token: string;
  jti: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/**
 * An opaque token whose expiry its provider does not tell (userinfo, or introspection without `exp`)
 * is vouched for no longer than its check is reused: the minted token lives at most that long.
 */
function unknownExpiryBound(subject: VerifiedSubject): number {
  return Math.max(1, subject.integration.config.access_tokens?.cache_ttl_seconds ?? 0);
}

/** What a minted token says about its holder; the exchange and the refresh both fill it in. */
export interface TokenGrant {
  user: string;
  groups: string[];
  /** The integration's name (`idp`). */
  integration: string;
  clientId: string | undefined;
  database: string;
  /** When the session began, at sign-in (seconds since the epoch): `auth_time`. */
  authTime: number;
  /** The workload binding the subject token matched (`binding`). */
  binding?: string;
}

/**
 * The session begins when the user signed in at the provider: the subject token's `auth_time` (OpenID
 * Connect Core §2) when it is a positive number, never later than now (a provider's clock ahead of ours
 * must not lengthen the session); without one, the session begins with this exchange. Some providers
 * send `"auth_time": 0` for "unknown": read as absent, not as a session that ended in 1970.
 */
function authTimeOf(subject: VerifiedSubject, iat: number): number {
  const authTime = subject.claims.auth_time;
  if (typeof authTime !== "number" || !Number.isFinite(authTime) || authTime <= 0) return iat;
  return Math.min(Math.floor(authTime), iat);
}

export class TokenMinter {
  readonly #aud: string;
  readonly #azp: string;

  constructor(
    private readonly cfg: Config["token"],
    private readonly keys: KeyStore,
  ) {
    this.#aud = cfg.audience ?? cfg.issuer;
    this.#azp = cfg.authorized_party ?? this.#aud;
  }

  /** Not async: it hands on issue()'s promise; a refusal throws before anything is signed. */
  mint(
    subject: VerifiedSubject,
    identity: Identity,
    database: string,
    nowMs: number,
    binding?: Pick<BindingGrant, "name" | "maxTtlSeconds">,
  ): Promise<MintedToken> {
    const iat = Math.floor(nowMs / 1000);
    let exp = iat + Math.min(this.cfg.ttl_seconds, binding?.maxTtlSeconds ?? Number.POSITIVE_INFINITY);
    if (this.cfg.bind_to_subject_expiry)
      exp = Math.min(
        exp,
        subject.exp !== undefined ? Math.floor(subject.exp) : iat + unknownExpiryBound(subject),
      );
    // Within the clock leeway a subject token can be valid yet past its exp: mint nothing then.
    if (exp <= iat) throw new TokenExpired(`the ${subject.kind} has expired`);
    const grant: TokenGrant = {
      user: identity.user,
      groups: identity.groups,
      integration: subject.integration.name,
      clientId: subject.clientId,
      database,
      authTime: authTimeOf(subject, iat),
      ...(binding && { binding: binding.name }),
    };
    return this.issue(grant, iat, exp);
  }

  /** Signs a token for `grant`, valid from `iat` until `exp` (seconds since the epoch, `exp` > `iat`). */
  async issue(grant: TokenGrant, iat: number, exp: number): Promise<MintedToken> {
    const jti = randomUUID();
    // The key in force at the token's `iat`: the minter's clock and the key store's are the same one.
    const signer = this.keys.signerAt(iat);
    const claims = {
      iss: this.cfg.issuer,
      sub: grant.user,
      aud: this.#aud,
      azp: this.#azp,
      database: grant.database,
      idp: grant.integration,
      ...(grant.binding !== undefined && { binding: grant.binding }),
      ...(grant.groups.length > 0 && { groups: grant.groups }),
      ...(grant.clientId !== undefined && { client_id: grant.clientId }),
      iat,
      exp,
      auth_time: grant.authTime,
      jti,
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const token = await signCompact(signer.alg, `${signer.encodedHeader}.${payload}`, signer.key);
    return { token, jti, expiresIn: exp - iat };
  }
}
