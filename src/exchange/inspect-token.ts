/**
 * Looks at a subject token before anything trusts it (its size is token-size.ts's): shape, header and the unverified `iss`
 * used to pick an integration. Refuses what no integration may accept (RFC 8725): JWE, `alg: none`,
 * HMAC, unknown `crit`. Nothing here fetches anything; `jku`, `x5u`, `jwk` and `x5c` are ignored.
 */
import type { JWTPayload, ProtectedHeaderParameters } from "jose";
import { InvalidAccessToken, InvalidIdToken, InvalidSignature, UnknownIssuer } from "../errors.js";
import { decodeJws } from "../keys/jws.js";
import { isRecord } from "../lib/is-record.js";

export type TokenKind = "id_token" | "access_token";

export interface InspectedJwt {
  header: ProtectedHeaderParameters & { alg: string };
  payload: JWTPayload & { iss: string };
}

function otherwiseInvalid(kind: TokenKind, reason: string): InvalidIdToken | InvalidAccessToken {
  return kind === "id_token"
    ? new InvalidIdToken(`invalid id_token: ${reason}`)
    : new InvalidAccessToken(`invalid access_token: ${reason}`);
}

/** True when an access token is shaped as a JWS; anything else is handled as an opaque token. */
export function looksLikeJwt(token: string): boolean {
  const jws = decodeJws(token);
  if (jws === "encrypted") return true; // JWE: refused by inspectJwt, never sent to introspection
  // The signature may be empty (`alg: none`): such a token is a JWT to refuse, not an opaque one.
  return jws !== "not-jws" && jws.header !== undefined;
}

export function inspectJwt(token: string, kind: TokenKind): InspectedJwt {
  const jws = decodeJws(token);
  if (jws === "encrypted") throw otherwiseInvalid(kind, "encrypted tokens (JWE) are not accepted");
  if (jws === "not-jws") throw otherwiseInvalid(kind, "not a signed JWT");
  const { header, payload } = jws;
  if (header === undefined) throw otherwiseInvalid(kind, "malformed header");
  // The algorithm is judged first: an unsigned token (empty signature) is refused as unsigned.
  const alg = header.alg;
  if (alg.toLowerCase() === "none") throw new InvalidSignature("unsigned tokens are not accepted");
  if (/^HS/i.test(alg)) throw new InvalidSignature("symmetric signature algorithms are not accepted");
  if (!jws.encoded) throw otherwiseInvalid(kind, "not base64url");
  if (header.crit !== undefined) throw otherwiseInvalid(kind, "unsupported critical header parameters");
  if (header.b64 !== undefined) throw otherwiseInvalid(kind, "unencoded payloads are not accepted");
  if (!isRecord(payload)) throw otherwiseInvalid(kind, "malformed payload");
  if (typeof payload.iss !== "string" || payload.iss === "")
    throw new UnknownIssuer("the token has no issuer");
  return { header: header as InspectedJwt["header"], payload: payload as InspectedJwt["payload"] };
}
