/**
 * id_token validation, OpenID Connect Core §3.1.3.7. An exchange never saw the login, so it cannot
 * check `nonce`; sign-in did, and passes what it expects in `options`.
 */
import { InvalidAudience, InvalidClaim } from "../errors.js";
import type { Integration } from "../provider/integration.js";
import { inspectJwt } from "./inspect-token.js";
import type { VerifiedSubject } from "./verified-subject.js";
import { authorizedParty, verifySignedJwt } from "./verify-jwt.js";

export interface IdTokenExpectations {
  /** The `nonce` sent in the authentication request (§3.1.2.1); the token must carry exactly it. */
  nonce?: string;
  /** The client that received the token (sign-in): `aud` must contain it and `azp`, when present, be it. */
  clientId?: string;
}

export async function verifyIdToken(
  token: string,
  integrationFor: (iss: string) => Integration,
  nowMs: number,
  options: IdTokenExpectations = {},
): Promise<VerifiedSubject> {
  const inspected = inspectJwt(token, "id_token");
  const integration = integrationFor(inspected.payload.iss);
  const payload = await verifySignedJwt(
    token,
    inspected,
    integration,
    // RFC 8725 §3.12: an access token (typ at+jwt) never passes as an id_token.
    { kind: "id_token", forbiddenTyp: "at+jwt", requiredClaims: ["sub", "exp", "iat"] },
    nowMs,
  );
  if (options.nonce !== undefined && payload.nonce !== options.nonce) {
    throw new InvalidClaim('the id_token has no "nonce" claim or not the one of this sign-in', "nonce");
  }
  if (options.clientId !== undefined) {
    const aud = typeof payload.aud === "string" ? [payload.aud] : payload.aud;
    const azp = payload.azp;
    if (
      !Array.isArray(aud) ||
      !aud.includes(options.clientId) ||
      (azp !== undefined && azp !== options.clientId)
    )
      throw new InvalidAudience("the id_token was not issued to this service's sign-in client");
  }
  return {
    kind: "id_token",
    integration,
    claims: payload,
    exp: payload.exp,
    clientId: authorizedParty(payload, integration.config.audiences),
  };
}
