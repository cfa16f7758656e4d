/** What the exchange core reports about its outside calls; metrics subscribe, the core stays free of them. */
export type ProviderCall = "discovery" | "jwks" | "introspection" | "userinfo";
export type ProviderCallResult = "ok" | "unavailable" | "invalid" | "rejected";

/** Sign-in's calls to a provider; their result is `ok`, an OAuth error code, `unavailable` or `invalid`. */
export type SignInCall = "token" | "device_authorization";

export interface ExchangeObserver {
  providerCall?(call: ProviderCall, integration: string, result: ProviderCallResult): void;
  signInCall?(call: SignInCall, integration: string, result: string): void;
  cacheHit?(cache: "introspection" | "userinfo", integration: string): void;
}
