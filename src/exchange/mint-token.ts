/** The Ocient access token: a compact JWS with `typ: at+jwt`, scoped to one database. */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Config } from "../config/schema.js";
import { TokenExpired } from "../errors.js";
import type { Identity } from "./access-policy.js";
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
    private readonly keys: () => KeyStore,
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
      exp = Math.min(exp, subject.exp ?? iat + unknownExpiryBound(subject));
    // Within the clock leeway a subject token can be valid yet past its exp: mint nothing then.
    if (exp <= iat) throw new TokenExpired(`the ${subject.kind} has expired`);
    const jti = randomUUID();
    const { signer } = this.keys();
    const claims: Record<string, unknown> = {
      database,
      idp: subject.integration.name,
      ...(identity.groups.length > 0 && { groups: identity.groups }),
      ...(subject.clientId !== undefined && { client_id: subject.clientId }),
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: signer.alg, typ: "at+jwt", kid: signer.kid })
      .setIssuer(this.cfg.issuer)
      .setSubject(identity.user)
      .setAudience(this.cfg.audience ?? this.cfg.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(signer.key);
    return { token, jti, expiresIn: exp - iat };
  }
}
