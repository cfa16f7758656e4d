/**
 * One log line per request, with a request id (an incoming `X-Request-Id` is kept when sane). The line of
 * an operation that mints is also its audit record (audit-record.ts); never a token.
 */
import { randomUUID } from "node:crypto";
import type { Context, Middleware } from "koa";
import { ProviderOAuthError } from "../signin/oauth-error.js";
import { auditRecord } from "./audit-record.js";
import type { RequestState } from "./handlers/types.js";
import { linesWritten } from "./log-batch.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";

/** The peer address, or the hop the trusted proxy appended to X-Forwarded-For (app.maxIpsCount is 1). */
function clientAddress(ctx: Context, trustProxy: boolean): string {
  return (trustProxy ? ctx.request.ips[0] : undefined) ?? ctx.request.socket?.remoteAddress ?? "unknown";
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestLog(logger: Logger, metrics: Metrics, trustProxy: boolean): Middleware<RequestState> {
  // With lines written once per turn (log-batch.ts), the answer waits for its line, so an audit record
  // is always written before the token it records leaves.
  const written = linesWritten(logger);
  return async function requestLog(ctx, next) {
    const started = process.hrtime.bigint();
    const incoming = ctx.get("x-request-id");
    const requestId = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    // Read now: a request whose body was refused mid-stream has no socket by the time it is logged.
    const client = clientAddress(ctx, trustProxy);
    ctx.state.client = client;
    ctx.set("x-request-id", requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const { error, unexpected } = ctx.state;
      const line: Record<string, unknown> = {
        request_id: requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round(seconds * 1e5) / 100,
      };
      if (ctx.state.audit && ctx.state.auditEvent) {
        auditRecord(line, ctx.state.auditEvent, ctx.state.audit, client, error, seconds, metrics);
      }
      if (error) line.reason = error.message;
      // The provider's own words on a refused sign-in (cleaned and bounded in oauth-error.ts).
      if (error?.cause instanceof ProviderOAuthError) {
        line.provider_error = error.cause.error;
        line.provider_error_description = error.cause.description;
      }
      if (unexpected) logger.error({ ...line, err: describe(unexpected) }, "request failed");
      else logger.info(line, "request");
      const pending = written?.();
      if (pending) await pending;
    }
  };
}

/** An unexpected error for the log: class, code and message, no stack of token-bearing objects. */
function describe(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  return { type: err.name, code: (err as { code?: unknown }).code, message: err.message, stack: err.stack };
}
