/**
 * Every call to a provider goes through here: bounded by a timeout, never following redirects
 * (a redirect could lead anywhere), with failures turned into the contract's errors.
 */

import type { Clock } from "../clock.js";
import { ProviderUnavailable, type SsoError } from "../errors.js";

export interface ProviderRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export async function providerFetch(url: string, req: ProviderRequest): Promise<Response> {
  try {
    return await fetch(url, {
      method: req.method ?? "GET",
      headers: { accept: "application/json", ...req.headers },
      body: req.body,
      redirect: "manual",
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (cause) {
    const timedOut = (cause as Error).name === "TimeoutError";
    throw new ProviderUnavailable(
      timedOut ? "the identity provider did not answer in time" : "the identity provider is unreachable",
      { cause },
    );
  }
}

/** Larger provider answers are refused unread: no discovery document, key set or introspection is this big. */
const MAX_ANSWER_BYTES = 512 * 1024;

/** Reads a JSON body within the same deadline and size cap; `undefined` when it is not JSON or too large. */
export async function readJson(response: Response): Promise<unknown> {
  try {
    const declared = Number(response.headers.get("content-length"));
    if (declared > MAX_ANSWER_BYTES || !response.body) {
      await response.body?.cancel();
      return undefined;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > MAX_ANSWER_BYTES) return undefined;
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
  response: Response,
  what: string,
  otherwise?: () => SsoError,
): Promise<void> {
  const { status } = response;
  const failed = status >= 500 || (status >= 300 && status < 400);
  if (!failed && (status === 200 || otherwise === undefined)) return;
  await response.body?.cancel();
  if (status < 500 && otherwise) throw otherwise();
  throw new ProviderUnavailable(`the identity provider failed to answer ${what}`);
}

/** The JSON body of a 200 answer; any other answer's body is discarded unread and gives `undefined`. */
export async function readJsonWhenOk(response: Response): Promise<unknown> {
  if (response.status === 200) return readJson(response);
  await response.body?.cancel();
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
