/**
 * Every call to a provider goes through here: bounded by a timeout, never following redirects
 * (a redirect could lead anywhere), with failures turned into the contract's errors.
 */
import { ProviderUnavailable } from "../errors.js";

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

/** Reads a JSON body within the same deadline; `undefined` when it is not JSON. */
export async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch (cause) {
    if ((cause as Error).name === "TimeoutError" || (cause as Error).name === "AbortError") {
      throw new ProviderUnavailable("the identity provider did not answer in time", { cause });
    }
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
