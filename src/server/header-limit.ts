/**
 * Node gives a request only its first `maxHeadersCount` header lines and drops the others silently. An
 * answer built from a cut list could use what the client wrote instead of what a proxy appended after
 * it (X-Forwarded-For), so a request that reaches the limit is refused instead. `rawHeaders` is compared,
 * not `headers`: Node 20 keeps every line there, and if a later Node cut it too, a cut request would still
 * reach the limit exactly.
 */
import type { Context } from "koa";
import { RequestHeaderFieldsTooLarge } from "../errors.js";

/** The server's `maxHeadersCount`; a request with this many header lines or more is refused. */
export const MAX_HEADER_LINES = 100;

/** Throws (431) for a request with `maxLines` header lines or more. */
export function refuseManyHeaderLines(ctx: Context, maxLines = MAX_HEADER_LINES): void {
  if (ctx.req.rawHeaders.length / 2 >= maxLines) {
    throw new RequestHeaderFieldsTooLarge(`the request has ${maxLines} or more header lines`);
  }
}
