/**
 * Every call to a provider goes through here: bounded by a timeout, never following redirects
 * (a redirect could lead anywhere), with failures turned into the contract's errors.
 *
 * On node:http(s) (their global agents keep connections alive), not the global fetch: the device verify's
 * profile (bench --device --profile) spent about 40% of the service's CPU in fetch's Request, Response,
 * web streams and abort signals around one small form post; the answer here is only what callers read.
 */
import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Clock } from "../clock.js";
import { ProviderUnavailable, type SsoError } from "../errors.js";
import { readCapped } from "../lib/read-capped.js";

export interface ProviderRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** A provider's answer: its status, its headers, and its body, read at most once or cancelled. */
export interface ProviderAnswer {
  status: number;
  headers: { get(name: string): string | null };
  body: {
    /**
     * The whole body, within the call's deadline; `undefined` once it passes `limit` bytes (the rest is
     * not read). Rejects when the connection fails or the deadline passes (`name` "TimeoutError").
     */
    read(limit: number): Promise<Buffer | undefined>;
    cancel(): Promise<void>;
  };
}

function timeoutError(): Error {
  return new DOMException("The operation was aborted due to timeout", "TimeoutError");
}

/**
 * Reads a message whole (lib/read-capped.ts); past `limit` the connection is closed. `for await` over the
 * message and an AbortSignal wired into the request were about a tenth of the device verify's event loop
 * in bench --device --perf, around one small JSON answer.
 */
async function readWhole(message: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (message.destroyed) throw message.errored ?? new Error("the answer was cancelled");
  // Closed before its end: cut off, or destroyed by the deadline (message.errored says which).
  const body = await readCapped(message, limit, "the identity provider closed the connection mid-answer");
  if (body === undefined) message.destroy();
  return body;
}

function answerOf(message: IncomingMessage): ProviderAnswer {
  return {
    status: message.statusCode ?? 0,
    headers: {
      get(name) {
        const value = message.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    },
    body: {
      read: (limit) => readWhole(message, limit),
      async cancel() {
        message.destroy();
      },
    },
  };
}

/**
 * One call, bounded by `timeoutMs` from its start to the end of its answer's body (a body that stalls
 * fails its reading with the timeout). One timer, cleared once the answer is over; no AbortSignal:
 * AbortSignal.timeout's timer cannot be cleared, and firing after every call (building a DOMException
 * with its stack) was about 2% of the device verify's CPU in bench --device --profile.
 */
export function providerFetch(url: string, req: ProviderRequest): Promise<ProviderAnswer> {
  return new Promise((resolve, reject) => {
    let answered: IncomingMessage | undefined;
    let timedOut = false;
    const fail = (cause: unknown) =>
      reject(
        new ProviderUnavailable(
          timedOut ? "the identity provider did not answer in time" : "the identity provider is unreachable",
          { cause },
        ),
      );
    const headers: Record<string, string | number> = { accept: "application/json", ...req.headers };
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
    let request: ClientRequest;
    try {
      const secure = url.slice(0, 6).toLowerCase() === "https:";
      request = (secure ? httpsRequest : httpRequest)(url, {
        method: req.method ?? "GET",
        headers,
      });
    } catch (cause) {
      fail(cause);
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      (answered ?? request).destroy(timeoutError());
    }, req.timeoutMs);
    timer.unref();
    // After an answer, its failures are the reading's (readWhole); before, the call's.
    request.on("error", (cause) => {
      if (answered !== undefined) return;
      clearTimeout(timer);
      fail(cause);
    });
    request.once("response", (message: IncomingMessage) => {
      answered = message;
      // An error while nobody reads (the deadline passing before the caller reads) is not thrown:
      // readWhole finds it in message.errored.
      message.on("error", () => {});
      message.once("close", () => clearTimeout(timer));
      resolve(answerOf(message));
    });
    request.end(req.body);
  });
}

/** Larger provider answers are refused unread: no discovery document, key set or introspection is this big. */
const MAX_ANSWER_BYTES = 512 * 1024;

/** Reads a JSON body within the same deadline and size cap; `undefined` when it is not JSON or too large. */
export async function readJson(response: ProviderAnswer): Promise<unknown> {
  try {
    const declared = Number(response.headers.get("content-length"));
    if (declared > MAX_ANSWER_BYTES) {
      await response.body.cancel();
      return undefined;
    }
    const body = await response.body.read(MAX_ANSWER_BYTES);
    return body === undefined ? undefined : JSON.parse(body.toString("utf8"));
  } catch (cause) {
    if ((cause as Error).name === "TimeoutError") {
      throw new ProviderUnavailable("the identity provider did not answer in time", { cause });
    }
    return undefined;
  }
}

/**
 * The one reading of a provider's answer status. 5xx says the provider is unavailable (503, retry). A
 * redirect, never followed, and any other status but 200 are `otherwise`'s to say when given (for answers
 * that must be 200: discovery, key sets); without it, a redirect says unavailable too, and other statuses
 * are the caller's to read (an introspection 401, an OAuth error). A refused answer's body is discarded.
 */
export async function checkAnswerStatus(
  response: ProviderAnswer,
  what: string,
  otherwise?: () => SsoError,
): Promise<void> {
  const { status } = response;
  const failed = status >= 500 || (status >= 300 && status < 400);
  if (!failed && (status === 200 || otherwise === undefined)) return;
  await response.body.cancel();
  if (status < 500 && otherwise) throw otherwise();
  throw new ProviderUnavailable(`the identity provider failed to answer ${what}`);
}

/** The JSON body of a 200 answer; any other answer's body is discarded unread and gives `undefined`. */
export async function readJsonWhenOk(response: ProviderAnswer): Promise<unknown> {
  if (response.status === 200) return readJson(response);
  await response.body.cancel();
  return undefined;
}

/**
 * After a provider failed, callers get that same failure for a short while instead of each waiting on
 * a new call: a provider that is down is not hammered, and answers stay fast until it is back.
 */
export class FailureBackoff {
  #failure: Error | undefined;
  #at = 0;

  constructor(
    private readonly now: Clock,
    private readonly windowMs = 1_000,
  ) {}

  /** Throws the recent failure, if any. */
  check(): void {
    if (this.#failure && this.now() - this.#at < this.windowMs) throw this.#failure;
  }

  record(failure: Error): void {
    this.#failure = failure;
    this.#at = this.now();
  }

  clear(): void {
    this.#failure = undefined;
  }
}
