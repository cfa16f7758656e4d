import type { Integration } from "../provider/integration.js";
import type { TokenKind } from "./inspect-token.js";

/** A subject token that passed every check of its kind. */
export interface VerifiedSubject {
  kind: TokenKind;
  integration: Integration;
  claims: Record<string, unknown>;
  /** Expiry of the subject token (seconds since the epoch), when known. */
  exp: number | undefined;
  clientId: string | undefined;
}
