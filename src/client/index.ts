export type { components, paths } from "../../generated/types.js";
export {
  createSsoClient,
  type ExchangeInput,
  type ExchangeResult,
  type SsoClient,
  type SsoClientOptions,
} from "./create-client.js";
export { SsoExchangeError, type SsoExchangeErrorInit } from "./exchange-error.js";
