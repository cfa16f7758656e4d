/** The fake OpenID provider of bench/lib, with its introspection credentials remembered for the log scan. */
import {
  type FakeProvider,
  type FakeProviderOptions,
  startFakeProvider as startProvider,
} from "../../bench/lib/fake-provider.js";
import { rememberSecret } from "./log-collector.js";

export {
  FAKE_AUDIENCE,
  type FakeMode,
  type FakeProvider,
  type FakeProviderOptions,
} from "../../bench/lib/fake-provider.js";

export async function startFakeProvider(options?: FakeProviderOptions): Promise<FakeProvider> {
  const provider = await startProvider(options);
  const { clientId, clientSecret } = provider.introspection;
  rememberSecret(clientSecret);
  rememberSecret(Buffer.from(`${clientId}:${clientSecret}`).toString("base64"));
  return provider;
}
