/**
 * What a running service holds: the validated configuration, the signing keys and the exchange built
 * from them. A reload builds a whole new Runtime and swaps it in one assignment, so a request sees
 * either the old one or the new one, never a mix.
 */
import type { Config } from "../config/schema.js";
import { ExchangeService } from "../exchange/exchange.js";
import type { ExchangeObserver } from "../exchange/observer.js";
import { KeyStore } from "../exchange/signing-keys.js";

export interface Runtime {
  config: Config;
  keys: KeyStore;
  exchange: ExchangeService;
  /** True when the key file was created by this load (the caller warns). */
  createdKeys: boolean;
}

export interface RuntimeOptions {
  now?: () => number;
  observer?: ExchangeObserver;
}

export async function buildRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const { store, created } = await KeyStore.open(config.token.keys_file, config.token.algorithm);
  const exchange = new ExchangeService(config, () => store, options);
  return { config, keys: store, exchange, createdKeys: created };
}

/** The current runtime and the service's lifecycle flags, shared by handlers and signal handlers. */
export class ServiceState {
  shuttingDown = false;
  constructor(public current: Runtime) {}
}
