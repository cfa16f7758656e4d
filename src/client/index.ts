export type { components, paths } from "../../generated/types.js";
export type { BrowserSignInInput, BrowserSignInResult } from "./browser-sign-in.js";
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
export type { DevicePrompt, DeviceSignInInput, SignInResult } from "./device-sign-in.js";
export { SsoExchangeError, type SsoExchangeErrorInit, type SsoOperation } from "./exchange-error.js";
export { type FreshToken, type FreshTokenOptions, keepFresh } from "./keep-fresh.js";
