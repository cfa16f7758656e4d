/** Prometheus metrics on a registry of their own, so several apps in one process (tests) never collide. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ExchangeObserver } from "../provider/observer.js";
import { VERSION } from "../version.js";

export interface Metrics {
  registry: Registry;
  exchanges: Counter<"event" | "outcome" | "vendor_code" | "integration">;
  exchangeSeconds: Histogram<"outcome">;
  providerCalls: Counter<"call" | "integration" | "result">;
  signInCalls: Counter<"call" | "integration" | "result">;
  cacheHits: Counter<"cache" | "integration">;
  /** 1 while the shared state (Redis) does not answer. */
  stateUnavailable: Gauge;
  stateFallbacks: Counter<"use">;
  observer: ExchangeObserver;
  /** Names where the signing key metric reads when the current key began signing (unix seconds). */
  watchSigningKey(since: () => number): void;
  /** In a cluster worker: the metrics of every worker, gathered by the primary (cluster.ts). */
  clusterText?: () => Promise<string>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "ocient_sso_" });
  const exchanges = new Counter({
    name: "ocient_sso_exchanges_total",
    help: "Tokens minted or refused, by event (exchange, refresh, sign_in), outcome (minted, rejected, failed), Ocient vendor_code and integration",
    labelNames: ["event", "outcome", "vendor_code", "integration"] as const,
    registers: [registry],
  });
  const exchangeSeconds = new Histogram({
    name: "ocient_sso_exchange_duration_seconds",
    help: "Time to answer a token exchange, seconds",
    labelNames: ["outcome"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const providerCalls = new Counter({
    name: "ocient_sso_provider_requests_total",
    help: "Calls to identity providers (discovery, jwks, introspection, userinfo) by result",
    labelNames: ["call", "integration", "result"] as const,
    registers: [registry],
  });
  const signInCalls = new Counter({
    name: "ocient_sso_sign_in_provider_requests_total",
    help: "Sign-in calls to identity providers (token, device_authorization) by result: ok, the provider's OAuth error code (other_error when unregistered), unavailable or invalid",
    labelNames: ["call", "integration", "result"] as const,
    registers: [registry],
  });
  const cacheHits = new Counter({
    name: "ocient_sso_cache_hits_total",
    help: "Opaque-token checks answered from the cache",
    labelNames: ["cache", "integration"] as const,
    registers: [registry],
  });
  const stateUnavailable = new Gauge({
    name: "ocient_sso_state_unavailable",
    help: "1 while the shared state (state.redis) does not answer: caches and rate limits use process memory, agreement answers 503",
    registers: [registry],
    // Across cluster workers: 1 when any worker sees Redis down.
    aggregator: "max",
  });
  const stateFallbacks = new Counter({
    name: "ocient_sso_state_fallback_total",
    help: "Cache and rate-limit operations served from process memory because the shared state did not answer",
    labelNames: ["use"] as const,
    registers: [registry],
  });
  // Always 1: the labels say which release and runtime answer, for dashboards and upgrade checks.
  new Gauge({
    name: "ocient_sso_build_info",
    help: "The running release (version) and Node.js runtime (node_version); always 1",
    labelNames: ["version", "node_version"] as const,
    registers: [registry],
    // Every cluster worker runs the same build: report it once, not summed.
    aggregator: "first",
  }).set({ version: VERSION, node_version: process.version }, 1);
  let signingSince: (() => number) | undefined;
  new Gauge({
    name: "ocient_sso_signing_key_since_seconds",
    help: "Unix time since which the current signing key signs: alert when it is older than the rotation period",
    registers: [registry],
    aggregator: "max",
    collect() {
      if (signingSince) this.set(signingSince());
    },
  });
  const observer: ExchangeObserver = {
    providerCall: (call, integration, result) => providerCalls.inc({ call, integration, result }),
    signInCall: (call, integration, result) => signInCalls.inc({ call, integration, result }),
    cacheHit: (cache, integration) => cacheHits.inc({ cache, integration }),
  };
  return {
    registry,
    exchanges,
    exchangeSeconds,
    providerCalls,
    signInCalls,
    cacheHits,
    stateUnavailable,
    stateFallbacks,
    observer,
    watchSigningKey(since) {
      signingSince = since;
    },
  };
}
