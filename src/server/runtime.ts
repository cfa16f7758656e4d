/**
 * What a running service holds: the validated configuration, the signing keys and the exchange built
 * from them. A reload builds a whole new Runtime and swaps it in one assignment, so a request sees
 * either the old one or the new one, never a mix.
 */

import type { Clock } from "../clock.js";
import { publicUrlOf } from "../config/public-url.js";
import type { Config } from "../config/schema.js";
import { ExchangeService } from "../exchange/exchange.js";
import { RefreshService } from "../exchange/refresh.js";
import { KeyStore, missingKeyFileAtStart } from "../keys/key-store.js";
import type { ExchangeObserver } from "../provider/observer.js";
import { BrowserFlow } from "../signin/browser-flow.js";
import { DeviceGrant } from "../signin/device-grant.js";
import { SignInClients } from "../signin/sign-in-client.js";
import { memoryTables, type StateTables } from "../state/memory-bounds.js";
import type { SharedState } from "../state/shared-state.js";
import { RateLimiter, type RateLimits } from "./rate-limiter.js";

/**
 * Sign-in starts (browser and device) when `server.rate_limit` is not set: anyone may start one and each
 * holds state for minutes, so one client address gets 30 at once, then one a second.
 */
export const SIGN_IN_START_LIMIT: RateLimits = { requests_per_second: 1, burst: 30 };

export interface Runtime {
  config: Config;
  keys: KeyStore;
  exchange: ExchangeService;
  /** token_refresh, beside the exchange: the same integrations, policy and keys. */
  refresh: RefreshService;
  /** The exchange's limit per client address and per subject, when `server.rate_limit` is set. */
  limiter: RateLimiter | undefined;
  /** Sign-in starts' limit per client address: `server.rate_limit`, else SIGN_IN_START_LIMIT. */
  signInLimiter: RateLimiter;
  /** Where shared state lives (memory or Redis); one per process, kept across reloads. */
  state: SharedState | undefined;
  /** True when the key file was created by this load (the caller warns). */
  createdKeys: boolean;
  /** Sign-in state, poll locks, attempt counters and used tokens; kept across reloads. */
  tables: StateTables;
  signIn: { device: DeviceGrant; browser: BrowserFlow };
}

export interface RuntimeOptions {
  now: Clock;
  observer?: ExchangeObserver;
  /** The process's shared state (serve.ts builds it from `state.redis`); process memory when absent. */
  state?: SharedState;
}

/** `previous` is the runtime being replaced by a reload: its signing key stays published while its tokens live. */
export async function buildRuntime(
  config: Config,
  options: RuntimeOptions,
  previous?: Runtime,
): Promise<Runtime> {
  const { store, created } = await KeyStore.open(
    config.token.keys_file,
    config.token.algorithm,
    previous ? "reload" : missingKeyFileAtStart(config),
    { now: options.now, previous: previous?.keys.carryOver(previous.config.token.ttl_seconds) },
  );
  const limits = config.server.rate_limit;
  const redis = options.state?.redis;
  const limiter = limits && new RateLimiter(limits, { redis });
  const signInLimiter =
    limiter ?? new RateLimiter(SIGN_IN_START_LIMIT, { redis, namespace: "ratelimit-sign-in" });
  const state = options.state;
  // The tables every instance agrees on (state.redis), else this process's bounded tables, carried over
  // a reload so that sign-ins in progress and used tokens survive it. Real time: entries expire.
  const tables = state?.tables ?? previous?.tables ?? memoryTables();
  const exchange = new ExchangeService(config, store, {
    ...options,
    state: { replay: tables.replay, cache: state?.cache },
    limitSubject: limiter && ((key) => limiter.take(key)),
  });
  const refresh = new RefreshService(exchange, store, { now: options.now });
  const clients = new SignInClients(exchange.policy);
  const signIn = {
    device: new DeviceGrant(exchange, clients, tables),
    browser: new BrowserFlow(
      exchange,
      clients,
      tables.signIn,
      publicUrlOf(config),
      config.server.return_urls,
    ),
  };
  return {
    config,
    keys: store,
    exchange,
    refresh,
    limiter,
    signInLimiter,
    state,
    createdKeys: created,
    tables,
    signIn,
  };
}

/** The current runtime and the service's lifecycle flags, shared by handlers and signal handlers. */
export class ServiceState {
  shuttingDown = false;
  constructor(public current: Runtime) {}
}
