/**
 * `signInWithDevice()`: a person signs in with the device grant (RFC 8628) through the service. The grant
 * starts (`sso_device_grant`), the caller shows the prompt, then `sso_device_grant_verify` is called as
 * published: each call waits at the service up to `timeout` seconds, a pending answer (-1238) is called
 * again after `interval` seconds, and a rate-limited one (429) slows down by 5 seconds as RFC 8628 §3.5
 * asks of `slow_down`, never sooner than its `Retry-After`.
 */
import type { Client } from "openapi-fetch";
import type { paths } from "../../generated/types.js";
import { call, sessionToken } from "./call.js";
import type { RefreshResult } from "./create-client.js";
import { badResponse, SsoExchangeError } from "./exchange-error.js";

/** What the person needs to sign in: open a URL and confirm (or type) the code. */
export interface DevicePrompt {
  verification_uri: string;
  /** The URL with the code in it, for a link or a QR code. */
  verification_uri_complete: string;
  user_code: string;
  /** Seconds until the code expires. */
  expires_in: number;
}

export interface DeviceSignInInput {
  /** The database of the token (default `system`, as published). */
  database?: string;
  /** Shows the prompt to the person; waited for before polling starts. */
  onPrompt(prompt: DevicePrompt): void | Promise<void>;
  /** Cancels the sign-in: pending calls and waits stop, and the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Seconds each verify call waits at the service for the person (1-600, default 30). */
  timeout?: number;
}

/** The token the sign-in produced: as `refresh()` answers. */
export type SignInResult = RefreshResult;

/** RFC 8628 §3.2: the interval when the service names none; §3.5: what slow_down adds. */
const DEFAULT_INTERVAL_S = 5;
const SLOW_DOWN_S = 5;

function checkInput(input: DeviceSignInInput): void {
  if (typeof input?.onPrompt !== "function") throw new TypeError("input.onPrompt must be a function");
  const { timeout } = input;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1 && timeout <= 600)) {
    throw new TypeError("input.timeout must be a whole number of seconds from 1 to 600");
  }
}

/** Resolves after `seconds`, or rejects with the signal's reason as soon as it aborts. */
function wait(seconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, seconds * 1000);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function start(raw: Client<paths>, input: DeviceSignInInput) {
  const { data, response } = await call("signInWithDevice", (watch) =>
    raw.POST("/v1/sso_device_grant", {
      body: input.database === undefined ? {} : { database: input.database },
      middleware: [watch],
      signal: input.signal,
    }),
  );
  if (
    !data ||
    typeof data.user_code !== "string" ||
    typeof data.verification_uri !== "string" ||
    typeof data.verification_uri_complete !== "string" ||
    typeof data.expires_in !== "number"
  ) {
    throw badResponse("signInWithDevice", response, "the service answered 2xx without a device grant");
  }
  const prompt: DevicePrompt = {
    verification_uri: data.verification_uri,
    verification_uri_complete: data.verification_uri_complete,
    user_code: data.user_code,
    expires_in: data.expires_in,
  };
  const interval =
    typeof data.interval === "number" && data.interval > 0 ? data.interval : DEFAULT_INTERVAL_S;
  return { prompt, interval };
}

async function verify(raw: Client<paths>, input: DeviceSignInInput, userCode: string): Promise<SignInResult> {
  const body = {
    user_code: userCode,
    ...(input.database === undefined ? {} : { database: input.database }),
    ...(input.timeout === undefined ? {} : { timeout: input.timeout }),
  };
  const { data, response } = await call("signInWithDevice", (watch) =>
    raw.POST("/v1/sso_device_grant_verify", { body, middleware: [watch], signal: input.signal }),
  );
  return sessionToken("signInWithDevice", data, response, "a minted token");
}

export async function signInWithDevice(raw: Client<paths>, input: DeviceSignInInput): Promise<SignInResult> {
  checkInput(input);
  const { signal } = input;
  signal?.throwIfAborted();
  const started = await start(raw, input).catch((err: unknown) => {
    throw signal?.aborted ? signal.reason : err;
  });
  let interval = started.interval;
  await input.onPrompt(started.prompt);
  for (;;) {
    signal?.throwIfAborted();
    try {
      return await verify(raw, input, started.prompt.user_code);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!(err instanceof SsoExchangeError)) throw err;
      if (err.code === "ERR_SIGN_IN_PENDING") {
        await wait(interval, signal);
      } else if (err.code === "ERR_RATE_LIMITED") {
        interval += SLOW_DOWN_S;
        await wait(Math.max(interval, err.retryAfter ?? 0), signal);
      } else {
        throw err;
      }
    }
  }
}
