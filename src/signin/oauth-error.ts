/**
 * What an identity provider said when it refused a sign-in request: its OAuth error code (RFC 6749
 * §4.1.2.1 and §5.2, RFC 8628 §3.5) and description, kept as the `cause` of the error the user gets, for
 * the request's log line and the metrics only (never in an answer). The provider's text is not ours: the
 * code must be a well-formed one, the description loses control and format characters and is cut short,
 * and any value this service sent in the request (a code, a device code, a verifier, the client secret)
 * that the provider echoes back is hidden.
 */
import { REDACTED } from "../config/redact-url.js";

/** The codes the metric names; any other is counted as `other_error`, so a provider cannot grow the label set. */
const KNOWN_CODES = new Set([
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "unsupported_response_type",
  "invalid_scope",
  "access_denied",
  "server_error",
  "temporarily_unavailable",
  "authorization_pending",
  "slow_down",
  "expired_token",
]);

/** RFC 6749 §5.2: `error` is 1*( %x20-21 / %x23-5B / %x5D-7E ); longer than this is not a code. */
const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
const MAX_DESCRIPTION = 200;
/** Control, format (bidi overrides), line and paragraph separators, and lone surrogates. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]+/gu;
/** A sent value shorter than this could be an ordinary word of the description. */
const MIN_HIDDEN = 8;

export class ProviderOAuthError extends Error {
  override readonly name = "ProviderOAuthError";

  constructor(
    readonly error: string,
    readonly description: string | undefined,
  ) {
    super(`the identity provider answered ${error}`);
  }

  /** The metric's `result`: the code when it is a registered one, else `other_error`. */
  get result(): string {
    return KNOWN_CODES.has(this.error) ? this.error : "other_error";
  }
}

/**
 * The OAuth error in a provider's answer (`{ error, error_description }`), or undefined when there is no
 * well-formed one. `sent`: the values of the request that must never be repeated in a log.
 */
export function oauthErrorOf(answer: unknown, sent: readonly string[] = []): ProviderOAuthError | undefined {
  if (typeof answer !== "object" || answer === null) return undefined;
  const { error, error_description: text } = answer as Record<string, unknown>;
  if (typeof error !== "string" || !ERROR_CODE.test(error)) return undefined;
  return new ProviderOAuthError(error, typeof text === "string" ? cleaned(text, sent) : undefined);
}

function cleaned(text: string, sent: readonly string[]): string | undefined {
  // The whole answer is already bounded (provider-http's readJson), so replacing before cutting is cheap
  // and leaves no part of a hidden value at the cut.
  let out = text;
  for (const value of sent) if (value.length >= MIN_HIDDEN) out = out.replaceAll(value, REDACTED);
  out = out.replace(UNPRINTABLE, " ").trim();
  const chars = Array.from(out);
  out = chars.length > MAX_DESCRIPTION ? `${chars.slice(0, MAX_DESCRIPTION).join("")}…` : out;
  return out === "" ? undefined : out;
}
