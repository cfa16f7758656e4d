export type { components, paths } from "../../generated/types.js";
export {
  createSsoClient,
  type ExchangeInput,
  type ExchangeResult,
  type InfoResult,
  type RefreshInput,
  type RefreshResult,
  type SsoClient,
  type SsoClientOptions,
} from "./create-client.js";
export { SsoExchangeError, type SsoExchangeErrorInit } from "./exchange-error.js";
export { type FreshToken, type FreshTokenOptions, keepFresh } from "./keep-fresh.js";
