export {
  type DemoAccount,
  demoAccounts,
  type EmbeddedProvider,
  type EmbeddedProviderOptions,
  type IssuedTokens,
  type IssueTokensOptions,
  startEmbeddedProvider,
} from "../../src/dev/embedded-provider.js";
