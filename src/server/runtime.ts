/**
 * What a running service holds: the validated configuration, the signing keys and the exchange built
 * from them. A reload builds a whole new Runtime and swaps it in one assignment, so a request sees
 * either the old one or the new one, never a mix.
 */
import type { Config } from "../config/schema.js";
import { ExchangeService } from "../exchange/exchange.js";
import type { ExchangeObserver } from "../exchange/observer.js";
import { KeyStore } from "../exchange/signing-keys.js";
import type { SharedState } from "../state/shared-state.js";
import { RateLimiter } from "./rate-limiter.js";

export interface Runtime {
  config: Config;
  keys: KeyStore;
  exchange: ExchangeService;
  /** The exchange's limit per client address and per subject, when `server.rate_limit` is set. */
  limiter: RateLimiter | undefined;
  /** Where shared state lives (memory or Redis); one per process, kept across reloads. */
  state: SharedState | undefined;
  /** True when the key file was created by this load (the caller warns). */
  createdKeys: boolean;
}

export interface RuntimeOptions {
  now?: () => number;
  observer?: ExchangeObserver;
  /** The process's shared state (serve.ts builds it from `state.redis`); process memory when absent. */
  state?: SharedState;
}

/** `previous` is the runtime being replaced by a reload: its signing key stays published while its tokens live. */
export async function buildRuntime(
  config: Config,
  options: RuntimeOptions = {},
  previous?: Runtime,
): Promise<Runtime> {
  const carried = previous && {
    jwk: previous.keys.signerJwk(),
    until: Math.floor(Date.now() / 1000) + previous.config.token.ttl_seconds,
  };
  const { store, created } = await KeyStore.open(config.token.keys_file, config.token.algorithm, carried);
  const limits = config.server.rate_limit;
  const limiter = limits && new RateLimiter(limits, { redis: options.state?.redis });
  const state = options.state;
  const exchange = new ExchangeService(config, store, {
    ...options,
    // Without Redis each opaque-token checker keeps its own bounded map, as before.
    state: state && { agreement: state.agreement, cache: state.redis ? state.cache : undefined },
    limitSubject: limiter && ((key) => limiter.take(key)),
  });
  return { config, keys: store, exchange, limiter, state: options.state, createdKeys: created };
}

/** The current runtime and the service's lifecycle flags, shared by handlers and signal handlers. */
export class ServiceState {
  shuttingDown = false;
  constructor(public current: Runtime) {}
}
