/** id_token validation, OpenID Connect Core §3.1.3.7, without `nonce` (an exchange never saw the login). */
import { InvalidClaim } from "../errors.js";
import { inspectJwt } from "./inspect-token.js";
import type { Integration } from "./integration.js";
import type { VerifiedSubject } from "./verified-subject.js";
import { clientOf, verifySignedJwt } from "./verify-jwt.js";

/** `at+jwt` and its media-type form; RFC 8725 §3.12: an access token never passes as an id_token. */
export function isAccessTokenTyp(typ: unknown): boolean {
  return typeof typ === "string" && /^(application\/)?at\+jwt$/i.test(typ);
}

export async function verifyIdToken(
  token: string,
  integrationFor: (iss: string) => Integration,
  nowMs: number,
): Promise<VerifiedSubject> {
  const inspected = inspectJwt(token, "id_token");
  const integration = integrationFor(inspected.payload.iss);
  if (isAccessTokenTyp(inspected.header.typ))
    throw new InvalidClaim("an access token was presented as id_token");
  const payload = await verifySignedJwt(
    token,
    inspected,
    integration,
    { kind: "id_token", requiredClaims: ["sub", "exp", "iat"] },
    nowMs,
  );
  return {
    kind: "id_token",
    integration,
    claims: payload,
    exp: payload.exp,
    clientId: clientOf(payload, integration.config.audiences),
  };
}
