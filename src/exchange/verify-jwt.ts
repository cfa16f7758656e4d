/** The checks every signed subject token goes through, whatever its kind. */
import { type JWTPayload, jwtVerify } from "jose";
import { InvalidAudience, InvalidClaim, InvalidSignature } from "../errors.js";
import type { InspectedJwt, TokenKind } from "./inspect-token.js";
import type { Integration } from "./integration.js";
import { translateJoseError } from "./translate-jose-error.js";

export interface JwtProfile {
  kind: TokenKind;
  /** Required `typ` header (RFC 9068 `at+jwt`), compared as jose does. */
  typ?: string;
  requiredClaims: string[];
}

export async function verifySignedJwt(
  token: string,
  inspected: InspectedJwt,
  integration: Integration,
  profile: JwtProfile,
  nowMs: number,
): Promise<JWTPayload> {
  const cfg = integration.config;
  // Checked before any key lookup, so a refused algorithm never costs a key-set fetch.
  if (!(cfg.algorithms as readonly string[]).includes(inspected.header.alg)) {
    throw new InvalidSignature(`the ${profile.kind} signature algorithm is not allowed`);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, integration.keys.getKey, {
      issuer: cfg.issuer,
      audience: cfg.audiences,
      algorithms: cfg.algorithms,
      clockTolerance: cfg.clock_skew_seconds,
      maxTokenAge: cfg.max_token_age_seconds,
      requiredClaims: profile.requiredClaims,
      typ: profile.typ,
      currentDate: new Date(nowMs),
    }));
  } catch (err) {
    throw translateJoseError(err, profile.kind);
  }
  // jose checks `iat` only with maxTokenAge; a token issued in the future is refused either way.
  if (typeof payload.iat === "number" && payload.iat > nowMs / 1000 + cfg.clock_skew_seconds) {
    throw new InvalidClaim(`the ${profile.kind} was issued in the future`);
  }
  checkAuthorizedParty(payload, cfg.audiences, profile.kind);
  return payload;
}

/** OpenID Connect Core §3.1.3.7 (4, 5): several audiences need an `azp` that is one of ours. */
function checkAuthorizedParty(payload: JWTPayload, audiences: string[], kind: TokenKind): void {
  const azp = payload.azp;
  const several = Array.isArray(payload.aud) && payload.aud.length > 1;
  if (azp === undefined) {
    if (several) throw new InvalidAudience(`the ${kind} has several audiences and no authorized party`);
    return;
  }
  if (typeof azp !== "string" || !audiences.includes(azp)) {
    throw new InvalidAudience(`the ${kind} authorized party is not this service`);
  }
}

/** The client a minted token is for: `azp`, else the first audience that is one of ours. */
export function clientOf(payload: JWTPayload, audiences: string[]): string | undefined {
  if (typeof payload.client_id === "string") return payload.client_id;
  if (typeof payload.azp === "string") return payload.azp;
  const aud = typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);
  return aud.find((a) => audiences.includes(a));
}
