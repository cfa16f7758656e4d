/**
 * Every call to a provider goes through here: bounded by a timeout, never following redirects
 * (a redirect could lead anywhere), with failures turned into the contract's errors.
 *
 * On node:http(s) (their global agents keep connections alive), not the global fetch: the device verify's
 * profile (bench --device --profile) spent about 40% of the service's CPU in fetch's Request, Response,
 * web streams and abort signals around one small form post; the answer here is only what callers read.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Clock } from "../clock.js";
import { ProviderUnavailable, type SsoError } from "../errors.js";

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
  body: AsyncIterable<Uint8Array> & { cancel(): Promise<void> };
}

function send(url: URL, req: ProviderRequest, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { accept: "application/json", ...req.headers };
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      url,
      { method: req.method ?? "GET", headers, signal },
      resolve,
    );
    request.once("error", reject);
    request.end(req.body);
  });
}

/**
 * AbortSignal.timeout's deadline, but called off once the answer is over: AbortSignal.timeout's timer
 * cannot be cleared, and firing after every call (building a DOMException with its stack) was about 2%
 * of the device verify's CPU in bench --device --profile.
 */
function deadline(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
    ms,
  );
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function answerOf(message: IncomingMessage, signal: AbortSignal, clear: () => void): ProviderAnswer {
  // The deadline covers the body too: a body that stalls fails its reading with the timeout.
  const expire = () => message.destroy(signal.reason);
  signal.addEventListener("abort", expire, { once: true });
  message.once("close", () => {
    clear();
    signal.removeEventListener("abort", expire);
  });
  return {
    status: message.statusCode ?? 0,
    headers: {
      get(name) {
        const value = message.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    },
    body: Object.assign(message, {
      async cancel() {
        message.destroy();
      },
    }),
  };
}

export async function providerFetch(url: string, req: ProviderRequest): Promise<ProviderAnswer> {
  const { signal, clear } = deadline(req.timeoutMs);
  try {
    return answerOf(await send(new URL(url), req, signal), signal, clear);
  } catch (cause) {
    clear();
    throw new ProviderUnavailable(
      signal.aborted
        ? "the identity provider did not answer in time"
        : "the identity provider is unreachable",
      { cause },
    );
  }
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
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > MAX_ANSWER_BYTES) {
        await response.body.cancel();
        return undefined;
      }
      chunks.push(chunk);
    }
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (cause) {
    if ((cause as Error).name === "TimeoutError" || (cause as Error).name === "AbortError") {
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
