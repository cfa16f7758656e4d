/**
 * The one rule for every URL the service calls (issuer discovery, key sets, introspection, userinfo),
 * wherever it came from, the configuration or a provider's discovery document, and for the service's
 * own issuer (`token.issuer`), where Ocient fetches the keys that check minted tokens: keys, claims,
 * tokens and client secrets travel over HTTPS, or over plain HTTP to this machine only (development, tests).
 */

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

export const PROVIDER_URL_RULE = "must be an https URL (plain http only to localhost or 127.0.0.0/8)";

export function isProviderUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname } = new URL(value);
  return protocol === "https:" || (protocol === "http:" && LOOPBACK.test(hostname));
}
