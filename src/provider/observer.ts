/** What the exchange core reports about its outside calls; metrics subscribe, the core stays free of them. */
export type ProviderCall = "discovery" | "jwks" | "introspection" | "userinfo";
export type ProviderCallResult = "ok" | "unavailable" | "invalid" | "rejected";

export interface ExchangeObserver {
  providerCall?(call: ProviderCall, integration: string, result: ProviderCallResult): void;
  cacheHit?(cache: "introspection" | "userinfo", integration: string): void;
}
