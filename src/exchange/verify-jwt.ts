/**
 * The checks every signed subject token goes through, whatever its kind: the algorithm allow-list,
 * the signature by a key of the issuer's own key set, then the registered claims (RFC 7519 §4.1)
 * with the integration's leeway. The order is that of jose's jwtVerify: nothing about the claims is
 * said before the signature verifies.
 */

import type { IntegrationConfig } from "../config/schema.js";
import { InvalidAudience, InvalidClaim, InvalidSignature, TokenExpired } from "../errors.js";
import { type VerificationKey, verifiesWith } from "../keys/jws.js";
import type { KeySelector } from "../provider/remote-key-set.js";
import type { InspectedJwt, TokenKind } from "./inspect-token.js";

export interface JwtProfile {
  kind: TokenKind;
  /** Required `typ` header (RFC 9068 `at+jwt`), compared case-insensitively, `application/` optional. */
  typ?: string;
  /** A `typ` header this kind must not carry, compared the same way. */
  forbiddenTyp?: string;
  requiredClaims: string[];
}

export type JwtClaims = InspectedJwt["payload"];

/**
 * What a token is verified against: an integration's configuration and its key set (a provider's
 * `RemoteKeySet` in the service; any set that selects keys by header, such as a local one, in tests).
 */
export interface VerifyingIntegration {
  readonly config: IntegrationConfig;
  readonly keys: {
    freshCandidates(selector: KeySelector): VerificationKey[] | undefined;
    candidates(selector: KeySelector): Promise<VerificationKey[]>;
  };
}

function normalizeTyp(typ: unknown): string | undefined {
  return typeof typ === "string" ? typ.toLowerCase().replace(/^application\//, "") : undefined;
}

async function checkSignature(
  token: string,
  inspected: InspectedJwt,
  integration: VerifyingIntegration,
  kind: TokenKind,
) {
  const { alg, kid } = inspected.header;
  // A fresh key set answers without a promise; a fetch or refetch goes through candidates().
  const selector = { alg, kid };
  const candidates =
    integration.keys.freshCandidates(selector) ?? (await integration.keys.candidates(selector));
  if (!(await verifiesWith(token, alg, candidates))) {
    throw new InvalidSignature(`the ${kind} signature does not verify`);
  }
}

function numericDate(claims: JwtClaims, claim: string, kind: TokenKind): number | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidClaim(`the ${kind} has an invalid "${claim}" claim`, claim);
  }
  return value;
}

export async function verifySignedJwt(
  token: string,
  inspected: InspectedJwt,
  integration: VerifyingIntegration,
  profile: JwtProfile,
  nowMs: number,
): Promise<JwtClaims> {
  const cfg = integration.config;
  const { kind } = profile;
  // Checked before any key lookup, so a refused algorithm never costs a key-set fetch.
  if (!(cfg.algorithms as readonly string[]).includes(inspected.header.alg)) {
    throw new InvalidSignature(`the ${kind} signature algorithm is not allowed`);
  }
  await checkSignature(token, inspected, integration, kind);

  const claims = inspected.payload;
  const typ = normalizeTyp(inspected.header.typ);
  if (profile.typ !== undefined && typ !== normalizeTyp(profile.typ)) {
    throw new InvalidClaim(`the ${kind} has an invalid "typ" header`, "typ");
  }
  if (profile.forbiddenTyp !== undefined && typ === normalizeTyp(profile.forbiddenTyp)) {
    throw new InvalidClaim(`a token of another kind was presented as ${kind}`, "typ");
  }
  for (const claim of profile.requiredClaims) {
    if (claims[claim] === undefined) throw new InvalidClaim(`the ${kind} has no "${claim}" claim`, claim);
  }
  // The integration was picked by this exact `iss`; checked again so the rule stands on its own.
  if (claims.iss !== cfg.issuer) throw new InvalidClaim(`the ${kind} has an invalid "iss" claim`, "iss");
  if (typeof claims.sub !== "string" || claims.sub === "") {
    throw new InvalidClaim(`the ${kind} has an invalid "sub" claim`, "sub");
  }
  const aud = typeof claims.aud === "string" ? [claims.aud] : claims.aud;
  if (!Array.isArray(aud) || !aud.some((a) => typeof a === "string" && cfg.audiences.includes(a))) {
    throw new InvalidAudience(`the ${kind} is not meant for this service`);
  }

  const now = Math.floor(nowMs / 1000);
  const skew = cfg.clock_skew_seconds;
  const exp = numericDate(claims, "exp", kind);
  const nbf = numericDate(claims, "nbf", kind);
  const iat = numericDate(claims, "iat", kind);
  if (nbf !== undefined && nbf > now + skew) throw new InvalidClaim(`the ${kind} is not valid yet`, "nbf");
  if (exp !== undefined && exp <= now - skew) throw new TokenExpired(`the ${kind} has expired`);
  if (iat !== undefined && iat > now + skew)
    throw new InvalidClaim(`the ${kind} was issued in the future`, "iat");
  if (cfg.max_token_age_seconds !== undefined) {
    if (iat === undefined) throw new InvalidClaim(`the ${kind} has no "iat" claim`, "iat");
    if (now - iat - skew > cfg.max_token_age_seconds) throw new InvalidClaim(`the ${kind} is too old`, "iat");
  }
  // OpenID Connect's `azp` rule is the ID token's. In an access token (Keycloak, Entra ID) `azp` names the
  // client that asked for it to call this service, which is another client than ours by design; an
  // integration that must hold it to some clients says so in its conditions or bindings. So does one whose
  // id_tokens are asked for by workloads (Google: `azp` is the service account), with check_azp: false.
  if (kind === "id_token")
    checkAuthorizedParty(claims, cfg.audiences, kind, cfg.id_tokens?.check_azp ?? true);
  return claims;
}

/** The cause of an InvalidAudience for an id_token's `azp` that is not ours (`explain` says what to do if that is by design). */
export const FOREIGN_AZP = Symbol("an id_token's azp is not one of the integration's audiences");

/**
 * OpenID Connect Core §3.1.3.7 (4, 5): an id_token with several audiences needs an `azp`, and an `azp` is
 * one of ours unless the integration says it names the workload that asked (`ours` false).
 */
function checkAuthorizedParty(claims: JwtClaims, audiences: string[], kind: TokenKind, ours: boolean): void {
  const azp = claims.azp;
  const several = Array.isArray(claims.aud) && claims.aud.length > 1;
  if (azp === undefined) {
    if (several) throw new InvalidAudience(`the ${kind} has several audiences and no authorized party`);
    return;
  }
  if (typeof azp !== "string") throw new InvalidAudience(`the ${kind} has an invalid authorized party`);
  if (ours && !audiences.includes(azp)) {
    throw new InvalidAudience(`the ${kind} authorized party is not this service`, { cause: FOREIGN_AZP });
  }
}

/** OpenID Connect's authorized party: `azp`, else the first audience that is one of ours. */
export function authorizedParty(claims: JwtClaims, audiences: string[]): string | undefined {
  if (typeof claims.azp === "string") return claims.azp;
  const aud = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  return aud.find((a): a is string => typeof a === "string" && audiences.includes(a));
}
