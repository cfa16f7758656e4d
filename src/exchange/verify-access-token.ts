/**
 * access_token validation: a JWT is checked as RFC 9068 against the integration its `iss` names;
 * an opaque token goes to the integration the access policy picks for the requested database, by
 * introspection or userinfo.
 */
import { InvalidAccessToken } from "../errors.js";
import type { Integration } from "../provider/integration.js";
import type { OpaqueCheck } from "./access-policy.js";
import { inspectJwt, looksLikeJwt } from "./inspect-token.js";
import type { VerifiedSubject } from "./verified-subject.js";
import { authorizedParty, verifySignedJwt } from "./verify-jwt.js";

export async function verifyAccessToken(
  token: string,
  integrationFor: (iss: string) => Integration,
  /** Who checks an opaque token, asked only for one; it throws the refusal when nobody may. */
  opaqueCheck: () => OpaqueCheck,
  nowMs: number,
): Promise<VerifiedSubject> {
  if (!looksLikeJwt(token)) return verifyOpaque(token, opaqueCheck, nowMs);
  const inspected = inspectJwt(token, "access_token");
  const integration = integrationFor(inspected.payload.iss);
  const relaxed = integration.config.access_tokens?.require_at_jwt_typ === false;
  const payload = await verifySignedJwt(
    token,
    inspected,
    integration,
    { kind: "access_token", typ: relaxed ? undefined : "at+jwt", requiredClaims: ["sub", "exp"] },
    nowMs,
  );
  return {
    kind: "access_token",
    integration,
    claims: payload,
    exp: payload.exp,
    // RFC 9068 §2.2: the client is the access token's `client_id`.
    clientId:
      typeof payload.client_id === "string"
        ? payload.client_id
        : authorizedParty(payload, integration.config.audiences),
  };
}

async function verifyOpaque(
  token: string,
  opaqueCheck: () => OpaqueCheck,
  nowMs: number,
): Promise<VerifiedSubject> {
  // RFC 6750 b64token characters; anything else never reaches a provider.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token))
    throw new InvalidAccessToken("invalid access_token: not a token");
  const { integration, checker } = opaqueCheck();
  const info = await checker.check(token, nowMs);
  return { kind: "access_token", integration, claims: info.claims, exp: info.exp, clientId: info.clientId };
}
