/** jose's errors, translated at the boundary by `code`, keeping the original as `cause`. */
import { errors } from "jose";
import {
  InvalidAudience,
  InvalidClaim,
  InvalidSignature,
  SigningKeyUnknown,
  SsoError,
  TokenExpired,
  UnknownIssuer,
} from "../errors.js";
import { otherwiseInvalid, type TokenKind } from "./inspect-token.js";

export function translateJoseError(err: unknown, kind: TokenKind): unknown {
  if (err instanceof SsoError || !(err instanceof errors.JOSEError)) return err;
  const options = { cause: err };
  switch (err.code) {
    case "ERR_JWT_EXPIRED":
      // jose reports a token older than maxTokenAge as expired on "iat"; the contract calls it a claim.
      if ((err as errors.JWTExpired).claim === "iat")
        return new InvalidClaim(`the ${kind} is too old`, options);
      return new TokenExpired(`the ${kind} has expired`, options);
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      const { claim, reason } = err as errors.JWTClaimValidationFailed;
      if (claim === "aud") return new InvalidAudience(`the ${kind} is not meant for this service`, options);
      if (claim === "iss") return new UnknownIssuer(`the ${kind} issuer is not trusted`, options);
      const what = reason === "missing" ? `has no "${claim}" claim` : `has an invalid "${claim}" claim`;
      return new InvalidClaim(`the ${kind} ${what}`, options);
    }
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return new InvalidSignature(`the ${kind} signature does not verify`, options);
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return new InvalidSignature(`the ${kind} signature algorithm is not allowed`, options);
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return new SigningKeyUnknown(`the ${kind} signing key is unknown to its provider`, options);
    default:
      return Object.assign(otherwiseInvalid(kind, "malformed token"), { cause: err });
  }
}
