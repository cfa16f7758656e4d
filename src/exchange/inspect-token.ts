/**
 * Looks at a subject token before anything trusts it (its size is token-size.ts's): shape, header and the unverified `iss`
 * used to pick an integration. Refuses what no integration may accept (RFC 8725): JWE, `alg: none`,
 * HMAC, unknown `crit`. Nothing here fetches anything; `jku`, `x5u`, `jwk` and `x5c` are ignored.
 */
import type { JWTPayload, ProtectedHeaderParameters } from "jose";
import { InvalidAccessToken, InvalidIdToken, InvalidSignature, UnknownIssuer } from "../errors.js";

export type TokenKind = "id_token" | "access_token";

export interface InspectedJwt {
  header: ProtectedHeaderParameters & { alg: string };
  payload: JWTPayload & { iss: string };
}

export const SEGMENT = /^[A-Za-z0-9_-]+$/;

function otherwiseInvalid(kind: TokenKind, reason: string): InvalidIdToken | InvalidAccessToken {
  return kind === "id_token"
    ? new InvalidIdToken(`invalid id_token: ${reason}`)
    : new InvalidAccessToken(`invalid access_token: ${reason}`);
}

export function decodeSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when an access token is shaped as a JWS; anything else is handled as an opaque token. */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split(".");
  if (parts.length === 5) return true; // JWE: refused by inspectJwt, never sent to introspection
  // The signature may be empty (`alg: none`): such a token is a JWT to refuse, not an opaque one.
  if (parts.length !== 3 || !SEGMENT.test(parts[0] as string)) return false;
  const header = decodeSegment(parts[0] as string);
  return isRecord(header) && typeof header.alg === "string";
}

export function inspectJwt(token: string, kind: TokenKind): InspectedJwt {
  const parts = token.split(".");
  if (parts.length === 5) throw otherwiseInvalid(kind, "encrypted tokens (JWE) are not accepted");
  if (parts.length !== 3) throw otherwiseInvalid(kind, "not a signed JWT");
  const [h, p, s] = parts as [string, string, string];
  const header = SEGMENT.test(h) ? decodeSegment(h) : undefined;
  if (!isRecord(header) || typeof header.alg !== "string") throw otherwiseInvalid(kind, "malformed header");
  // The algorithm is judged first: an unsigned token (empty signature) is refused as unsigned.
  const alg = header.alg;
  if (alg.toLowerCase() === "none") throw new InvalidSignature("unsigned tokens are not accepted");
  if (/^HS/i.test(alg)) throw new InvalidSignature("symmetric signature algorithms are not accepted");
  if (!SEGMENT.test(p) || !SEGMENT.test(s)) throw otherwiseInvalid(kind, "not base64url");
  if (header.crit !== undefined) throw otherwiseInvalid(kind, "unsupported critical header parameters");
  if (header.b64 !== undefined) throw otherwiseInvalid(kind, "unencoded payloads are not accepted");
  const payload = decodeSegment(p);
  if (!isRecord(payload)) throw otherwiseInvalid(kind, "malformed payload");
  if (typeof payload.iss !== "string" || payload.iss === "")
    throw new UnknownIssuer("the token has no issuer");
  return { header: header as InspectedJwt["header"], payload: payload as InspectedJwt["payload"] };
}
