/**
 * The Ocient access token: a compact JWS with `typ: at+jwt`, scoped to one database. The header is
 * the signer's, encoded once; signing runs on node:crypto's thread pool (see jws.ts).
 */
import { randomUUID } from "node:crypto";
import type { Config } from "../config/schema.js";
import { TokenExpired } from "../errors.js";
import type { Identity } from "./access-policy.js";
import { signCompact } from "./jws.js";
import type { KeyStore } from "./signing-keys.js";
import type { VerifiedSubject } from "./verified-subject.js";

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

export class TokenMinter {
  constructor(
    private readonly cfg: Config["token"],
    private readonly keys: KeyStore,
  ) {}

  async mint(
    subject: VerifiedSubject,
    identity: Identity,
    database: string,
    nowMs: number,
  ): Promise<MintedToken> {
    const iat = Math.floor(nowMs / 1000);
    let exp = iat + this.cfg.ttl_seconds;
    if (this.cfg.bind_to_subject_expiry)
      exp = Math.min(
        exp,
        subject.exp !== undefined ? Math.floor(subject.exp) : iat + unknownExpiryBound(subject),
      );
    // Within the clock leeway a subject token can be valid yet past its exp: mint nothing then.
    if (exp <= iat) throw new TokenExpired(`the ${subject.kind} has expired`);
    const jti = randomUUID();
    const { signer } = this.keys;
    const claims = {
      iss: this.cfg.issuer,
      sub: identity.user,
      aud: this.cfg.audience ?? this.cfg.issuer,
      database,
      idp: subject.integration.name,
      ...(identity.groups.length > 0 && { groups: identity.groups }),
      ...(subject.clientId !== undefined && { client_id: subject.clientId }),
      iat,
      exp,
      jti,
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const token = await signCompact(signer.alg, `${signer.encodedHeader}.${payload}`, signer.key);
    return { token, jti, expiresIn: exp - iat };
  }
}
