/**
 * What a running service holds: the validated configuration, the signing keys and the exchange built
 * from them. A reload builds a whole new Runtime and swaps it in one assignment, so a request sees
 * either the old one or the new one, never a mix.
 */
import type { Config } from "../config/schema.js";
import type { Clock } from "../exchange/clock.js";
import { ExchangeService } from "../exchange/exchange.js";
import type { ExchangeObserver } from "../exchange/observer.js";
import { KeyStore } from "../exchange/signing-keys.js";
import { RateLimiter } from "./rate-limiter.js";

export interface Runtime {
  config: Config;
  keys: KeyStore;
  exchange: ExchangeService;
  /** The exchange route's per-client limit, when `server.rate_limit` is set. */
  limiter: RateLimiter | undefined;
  /** True when the key file was created by this load (the caller warns). */
  createdKeys: boolean;
}

export interface RuntimeOptions {
  now: Clock;
  observer?: ExchangeObserver;
}

/** `previous` is the runtime being replaced by a reload: its signing key stays published while its tokens live. */
export async function buildRuntime(
  config: Config,
  options: RuntimeOptions,
  previous?: Runtime,
): Promise<Runtime> {
  const carried = previous && {
    jwk: previous.keys.signerJwk(),
    until: Math.floor(Date.now() / 1000) + previous.config.token.ttl_seconds,
  };
  const { store, created } = await KeyStore.open(config.token.keys_file, config.token.algorithm, carried);
  const exchange = new ExchangeService(config, store, options);
  const limits = config.server.rate_limit;
  const limiter = limits && new RateLimiter(limits.requests_per_second, limits.burst);
  return { config, keys: store, exchange, limiter, createdKeys: created };
}

/** The current runtime and the service's lifecycle flags, shared by handlers and signal handlers. */
export class ServiceState {
  shuttingDown = false;
  constructor(public current: Runtime) {}
}
