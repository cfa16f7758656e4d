/** id_token validation, OpenID Connect Core §3.1.3.7, without `nonce` (an exchange never saw the login). */
import { inspectJwt } from "./inspect-token.js";
import type { Integration } from "./integration.js";
import type { VerifiedSubject } from "./verified-subject.js";
import { authorizedParty, verifySignedJwt } from "./verify-jwt.js";

export async function verifyIdToken(
  token: string,
  integrationFor: (iss: string) => Integration,
  nowMs: number,
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
  return {
    kind: "id_token",
    integration,
    claims: payload,
    exp: payload.exp,
    clientId: authorizedParty(payload, integration.config.audiences),
  };
}
