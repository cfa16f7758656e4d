import type { TokenKind } from "./inspect-token.js";
import type { Integration } from "./integration.js";

/** A subject token that passed every check of its kind. */
export interface VerifiedSubject {
  kind: TokenKind;
  integration: Integration;
  claims: Record<string, unknown>;
  /** Expiry of the subject token (seconds since the epoch), when known. */
  exp: number | undefined;
  clientId: string | undefined;
}
