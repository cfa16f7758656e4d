/**
 * A trusted provider as the exchange sees it: its configuration, its discovery document and its key
 * set, each fetched lazily. Keys are bound to their issuer: a token is only ever checked against the
 * key set of the integration its `iss` names.
 */
import { BindingSet } from "../bindings/binding-set.js";
import type { Clock } from "../clock.js";
import type { IntegrationConfig } from "../config/schema.js";
import type { StateStore } from "../state/store.js";
import type { ExchangeObserver } from "./observer.js";
import { OpaqueTokenChecker } from "./opaque-token-checker.js";
import { ProviderMetadataSource } from "./provider-metadata.js";
import { RemoteKeySet } from "./remote-key-set.js";
import { StaticKeySet, type StaticKeySource } from "./static-key-set.js";

/** How often a `jwks_file` is looked at for changes (ms). */
const JWKS_FILE_RECHECK_MS = 2000;

export interface IntegrationOptions {
  /** The clock of every cache, cooldown and backoff of this integration. */
  now: Clock;
  observer?: ExchangeObserver;
  /** Where opaque-token checks are cached across instances (state.redis); per checker when absent. */
  cache?: StateStore;
}

export class Integration {
  readonly metadata: ProviderMetadataSource;
  readonly keys: RemoteKeySet | StaticKeySet;
  readonly opaque: OpaqueTokenChecker | undefined;
  /** The integration's conditions and bindings, compiled as the configuration loads. */
  readonly bindings: BindingSet;
  /** Where this integration's calls are reported, sign-in's included (sign-in-client.ts). */
  readonly observer: ExchangeObserver;

  constructor(
    readonly config: IntegrationConfig,
    { now, observer = {}, cache }: IntegrationOptions,
  ) {
    this.observer = observer;
    this.metadata = new ProviderMetadataSource(
      config.name,
      config.issuer,
      config.http_timeout_ms,
      now,
      observer,
    );
    const configured = config.jwks_uri;
    const source: StaticKeySource | undefined =
      config.jwks !== undefined
        ? { jwks: config.jwks }
        : config.jwks_file !== undefined
          ? { file: config.jwks_file }
          : undefined;
    this.keys = source
      ? new StaticKeySet({ integration: config.name, source, recheckMs: JWKS_FILE_RECHECK_MS, now, observer })
      : new RemoteKeySet({
          integration: config.name,
          url: configured ? async () => configured : async () => (await this.metadata.get()).jwks_uri,
          timeoutMs: config.http_timeout_ms,
          cooldownMs: config.jwks_cooldown_seconds * 1000,
          maxAgeMs: config.jwks_max_age_seconds * 1000,
          maxStaleMs: config.jwks_max_stale_seconds * 1000,
          now,
          observer,
        });
    this.bindings = new BindingSet(config);
    const access = config.access_tokens;
    this.opaque =
      access && (access.introspection || access.userinfo)
        ? new OpaqueTokenChecker(config, access, this.metadata, observer, now, cache)
        : undefined;
  }

  get name(): string {
    return this.config.name;
  }
}

/** Integrations by exact issuer string; an unknown issuer never causes a network call. */
export class IntegrationRegistry {
  readonly #byIssuer = new Map<string, Integration>();
  readonly #byName = new Map<string, Integration>();

  constructor(configs: IntegrationConfig[], options: IntegrationOptions) {
    for (const config of configs) {
      const integration = new Integration(config, options);
      this.#byIssuer.set(config.issuer, integration);
      this.#byName.set(config.name, integration);
    }
  }

  /** Every integration, in configuration order. */
  all(): Integration[] {
    return [...this.#byName.values()];
  }

  byIssuer(iss: string): Integration | undefined {
    return this.#byIssuer.get(iss);
  }

  byName(name: string): Integration | undefined {
    return this.#byName.get(name);
  }
}
