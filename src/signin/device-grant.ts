/**
 * The device grant (RFC 8628) at the database's provider. `start` asks the provider for a device and a
 * user code; the device code never leaves the service: it is kept in the state store under a digest of
 * the user code, bound to the client that started the grant. `verify` polls the provider's token
 * endpoint as §3.4-3.5 say (`interval`, `slow_down` adding 5 s, `authorization_pending`, `expired_token`,
 * `access_denied`) within the caller's timeout; the poll schedule is kept with the grant, so a client
 * calling again does not poll faster than the provider allows. The id_token it gets is verified and
 * minted from as `/v1/sso_token` would (ExchangeService.fromSignIn).
 *
 * The user code is the only secret a client sends, and it is shown on a screen: verify attempts are
 * counted per client, a code works once, and an unknown, expired, used or someone else's code get the
 * same answer (400 -1203).
 */

import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "../clock.js";
import {
  AccessDenied,
  GrantRefused,
  ProviderUnavailable,
  RateLimited,
  SignInNotConfigured,
  SignInPending,
  SignInStateUnknown,
} from "../errors.js";
import type { ExchangeFacts, ExchangeResult, ExchangeService } from "../exchange/exchange.js";
import { digest } from "../lib/digest.js";
import { isRecord } from "../lib/is-record.js";
import type { StateTables } from "../state/memory-bounds.js";
import { parseEntry } from "../state/store.js";
import type { SignInClient, SignInClients } from "./sign-in-client.js";

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** RFC 8628 §3.2: without `interval`, clients wait 5 s between polls; §3.5: slow_down adds 5 s. */
const DEFAULT_INTERVAL_S = 5;
const SLOW_DOWN_S = 5;
const MAX_INTERVAL_S = 300;
/** A grant is kept no longer than this, whatever the provider says (seconds). */
const MAX_GRANT_S = 1800;
const MAX_USER_CODE_LENGTH = 64;
const MAX_URI_LENGTH = 2048;

export interface DeviceGrantOptions {
  /** Milliseconds since the epoch (default Date.now): real time, as the poll sleeps in it. */
  now?: Clock;
  /** Verify attempts a client may make per window (default 10). */
  verifyAttempts?: number;
  /** The window of that count (ms, default 60000). */
  verifyWindowMs?: number;
}

export interface DeviceStart {
  verification_uri: string;
  verification_uri_complete: string;
  user_code: string;
  /** Seconds the user code stays valid. */
  expires_in: number;
  /** Seconds between two polls of the provider. */
  interval: number;
}

export interface VerifyRequest {
  userCode: string;
  /** Default: the database named when the grant started. */
  database?: string;
  /** Seconds, 1-600 (timeoutSeconds). */
  timeoutSeconds: number;
  /** Who asks (the rate limit's key); only the client that started the grant may verify it. */
  client: string;
  /**
   * Aborted when the caller went away: the poll stops. Asked for only when the poll must wait, so the
   * verify of a user who has already finished, which never waits, makes no AbortController.
   */
  callerGone?: () => AbortSignal;
}

/** What is kept per grant, under the digest of its user code. */
interface GrantState {
  device_code: string;
  integration: string;
  database: string;
  client: string;
  interval_s: number;
  /** When the provider may be polled next (ms since the epoch). */
  next_poll_at: number;
  expires_at: number;
}

const UNKNOWN = "the user code is unknown, expired or already used";

/**
 * `timeout` in seconds, default 30 as published. Its range (1-600, a string of digits or a number) is a
 * rule of the served document, checked by the router before the handler runs.
 */
export function timeoutSeconds(value: string | number | undefined): number {
  return value === undefined ? 30 : Number(value);
}

/** Letters and digits only, upper case: "wdjb-mjht" and "WDJBMJHT" are one code. */
function normalizeUserCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

function grantKey(userCode: string): string {
  return `device:${digest(normalizeUserCode(userCode))}`;
}

function uriOf(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > MAX_URI_LENGTH || !URL.canParse(value)) return undefined;
  const { protocol } = new URL(value);
  return protocol === "https:" || protocol === "http:" ? value : undefined;
}

export class DeviceGrant {
  readonly #now: Clock;
  readonly #attempts: number;
  readonly #windowMs: number;

  constructor(
    private readonly exchange: ExchangeService,
    private readonly clients: SignInClients,
    private readonly tables: Pick<StateTables, "signIn" | "locks" | "counters">,
    options: DeviceGrantOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#attempts = options.verifyAttempts ?? 10;
    this.#windowMs = options.verifyWindowMs ?? 60_000;
  }

  async start(database: string, client: string): Promise<DeviceStart> {
    const signIn = this.clients.forDatabase(database);
    const { deviceAuthorization } = await signIn.endpoints();
    if (deviceAuthorization === undefined) {
      throw new SignInNotConfigured("the identity provider offers no device endpoint");
    }
    const form = new URLSearchParams({ scope: signIn.config.scopes.join(" ") });
    const { status, body, error } = await signIn.post("device_authorization", deviceAuthorization, form);
    if (status !== 200)
      throw new GrantRefused("the identity provider refused the device authorization", { cause: error });
    const answer = isRecord(body) ? body : {};
    const { device_code, user_code } = answer;
    const verificationUri = uriOf(answer.verification_uri);
    const expiresIn = answer.expires_in;
    if (
      typeof device_code !== "string" ||
      device_code === "" ||
      device_code.length > MAX_URI_LENGTH ||
      typeof user_code !== "string" ||
      normalizeUserCode(user_code) === "" ||
      user_code.length > MAX_USER_CODE_LENGTH ||
      verificationUri === undefined ||
      typeof expiresIn !== "number" ||
      !(expiresIn > 0)
    ) {
      throw new ProviderUnavailable("the identity provider answered the device authorization with nonsense");
    }
    const interval = intervalOf(answer.interval);
    const ttlS = Math.min(Math.floor(expiresIn), MAX_GRANT_S);
    const now = this.#now();
    const state: GrantState = {
      device_code,
      integration: signIn.integration.name,
      database,
      client,
      interval_s: interval,
      next_poll_at: now,
      expires_at: now + ttlS * 1000,
    };
    // A user code the provider hands out twice while the first is live cannot be told apart: refuse it.
    if (!(await this.tables.signIn.putIfAbsent(grantKey(user_code), JSON.stringify(state), ttlS * 1000))) {
      throw new ProviderUnavailable("the identity provider handed out a user code already in use");
    }
    return {
      verification_uri: verificationUri,
      verification_uri_complete: uriOf(answer.verification_uri_complete) ?? verificationUri,
      user_code,
      expires_in: ttlS,
      interval,
    };
  }

  async verify(request: VerifyRequest, facts: ExchangeFacts = {}): Promise<ExchangeResult> {
    const count = await this.tables.counters.increment(`device-verify:${request.client}`, this.#windowMs);
    if (count > this.#attempts) {
      throw new RateLimited(
        "too many device verifications from this client; retry later",
        Math.ceil(this.#windowMs / 1000),
      );
    }
    if (request.userCode.length > MAX_USER_CODE_LENGTH) throw new SignInStateUnknown(UNKNOWN);
    const key = grantKey(request.userCode);
    const state = parseEntry<GrantState>(await this.tables.signIn.get(key));
    // Someone else's code answers as an unknown one: a guess that hits a pending code learns nothing.
    if (state === undefined || state.client !== request.client || state.expires_at <= this.#now()) {
      throw new SignInStateUnknown(UNKNOWN);
    }
    const integration = this.exchange.integrations.byName(state.integration);
    const config = integration?.config.sign_in;
    if (integration === undefined || config === undefined) throw new SignInStateUnknown(UNKNOWN);
    facts.integration = integration.name;
    const lockKey = `device-poll:${key}`;
    const lockMs = request.timeoutSeconds * 1000 + integration.config.http_timeout_ms + 1000;
    if (!(await this.tables.locks.putIfAbsent(lockKey, "1", lockMs))) {
      throw new SignInPending("this user code is being verified by another request; call again");
    }
    try {
      const idToken = await this.#poll(key, state, this.clients.forIntegration(integration, config), request);
      return await this.exchange.fromSignIn(
        { idToken, integration, clientId: config.client_id },
        request.database ?? state.database,
        facts,
      );
    } finally {
      await this.tables.locks.take(lockKey);
    }
  }

  /** Polls until the provider answers with tokens (the grant is then used up) or the timeout runs out. */
  async #poll(key: string, state: GrantState, signIn: SignInClient, request: VerifyRequest): Promise<string> {
    const deadline = this.#now() + request.timeoutSeconds * 1000;
    for (;;) {
      const wait = state.next_poll_at - this.#now();
      // The next poll the provider allows falls after the timeout: nothing more can be learned in time.
      if (state.next_poll_at > deadline)
        throw new SignInPending("the user has not finished signing in yet; call again");
      if (wait > 0) await sleepUnlessAborted(wait, request.callerGone?.());
      const answer = await signIn.token(
        new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: state.device_code }),
      );
      if (answer.kind === "tokens") {
        if ((await this.tables.signIn.take(key)) === undefined) throw new SignInStateUnknown(UNKNOWN);
        return answer.idToken;
      }
      switch (answer.error) {
        case "authorization_pending":
          break;
        case "slow_down":
          state.interval_s = Math.min(
            Math.max(state.interval_s + SLOW_DOWN_S, intervalOf(answer.interval)),
            MAX_INTERVAL_S,
          );
          break;
        case "access_denied":
        case "expired_token":
          await this.tables.signIn.take(key);
          throw new AccessDenied(
            answer.error === "access_denied"
              ? "the sign-in was refused at the identity provider"
              : "the user code expired before the sign-in finished",
            { cause: answer.cause },
          );
        default:
          await this.tables.signIn.take(key);
          throw new GrantRefused("the identity provider refused the device code", { cause: answer.cause });
      }
      state.next_poll_at = this.#now() + state.interval_s * 1000;
      const ttl = state.expires_at - this.#now();
      if (ttl <= 0) {
        await this.tables.signIn.take(key);
        throw new SignInStateUnknown(UNKNOWN);
      }
      await this.tables.signIn.put(key, JSON.stringify(state), ttl);
    }
  }
}

function intervalOf(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 1) return DEFAULT_INTERVAL_S;
  return Math.min(Math.ceil(value), MAX_INTERVAL_S);
}

async function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw new SignInPending("the verification was interrupted; call again");
  }
}
