/**
 * Where the browser flow may send a person back (`return_to`): only a URL of `server.return_urls`,
 * compared as exact strings, so the service is never an open redirect (no prefix, host or pattern match
 * for an attacker to stretch).
 */
import { InvalidRequest } from "../errors.js";

/** The allow-listed URL a request names, undefined when it names none, or 400 -1254. */
export function allowedReturnUrl(requested: unknown, allowList: readonly string[]): string | undefined {
  if (requested === undefined) return undefined;
  if (typeof requested !== "string" || !allowList.includes(requested)) {
    throw new InvalidRequest("return_to is not one of the service's return URLs (server.return_urls)");
  }
  return requested;
}
