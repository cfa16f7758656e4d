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
import { KeyStore } from "../keys/key-store.js";
import type { ExchangeObserver } from "../provider/observer.js";
import { BrowserFlow } from "../signin/browser-flow.js";
import { DeviceGrant } from "../signin/device-grant.js";
import { SignInClients } from "../signin/sign-in-client.js";
import { MemoryStore } from "../state/memory-store.js";
import type { SharedState } from "../state/shared-state.js";
import type { StateStore } from "../state/store.js";
import { RateLimiter } from "./rate-limiter.js";

export interface Runtime {
  config: Config;
  keys: KeyStore;
  exchange: ExchangeService;
  /** token_refresh, beside the exchange: the same integrations, policy and keys. */
  refresh: RefreshService;
  /** The exchange's limit per client address and per subject, when `server.rate_limit` is set. */
  limiter: RateLimiter | undefined;
  /** Where shared state lives (memory or Redis); one per process, kept across reloads. */
  state: SharedState | undefined;
  /** True when the key file was created by this load (the caller warns). */
  createdKeys: boolean;
  /** Sign-in state (device codes, browser state, attempt counters); kept across reloads. */
  store: StateStore;
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
  const { store, created } = await KeyStore.open(config.token.keys_file, config.token.algorithm, {
    now: options.now,
    previous: previous?.keys.carryOver(previous.config.token.ttl_seconds),
  });
  const limits = config.server.rate_limit;
  const limiter = limits && new RateLimiter(limits, { redis: options.state?.redis });
  const state = options.state;
  const exchange = new ExchangeService(config, store, {
    ...options,
    // Without Redis each opaque-token checker keeps its own bounded map, as before.
    state: state && { agreement: state.agreement, cache: state.redis ? state.cache : undefined },
    limitSubject: limiter && ((key) => limiter.take(key)),
  });
  const refresh = new RefreshService(exchange, store, { now: options.now });
  // Pending sign-ins live in the store every instance agrees on; in process memory, one is carried
  // over a reload so they survive it. Real time: entries expire and polls are spaced as time passes.
  const signInState = state?.agreement ?? previous?.store ?? new MemoryStore();
  const clients = new SignInClients(exchange.policy);
  const signIn = {
    device: new DeviceGrant(exchange, clients, signInState),
    browser: new BrowserFlow(exchange, clients, signInState, publicUrlOf(config)),
  };
  return {
    config,
    keys: store,
    exchange,
    refresh,
    limiter,
    state,
    createdKeys: created,
    store: signInState,
    signIn,
  };
}

/** The current runtime and the service's lifecycle flags, shared by handlers and signal handlers. */
export class ServiceState {
  shuttingDown = false;
  constructor(public current: Runtime) {}
}
