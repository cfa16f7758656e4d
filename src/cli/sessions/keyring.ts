/**
 * A profile's token kept in the operating system's keyring instead of its cache file (`ocient-sso login
 * --token-storage keyring`), as the Databricks CLI keeps its tokens by default and kubelogin offers: the
 * Secret Service over D-Bus on Linux (GNOME Keyring, KWallet, KeePassXC), the Keychain on macOS, the
 * Credential Manager on Windows, through @napi-rs/keyring (keyring-rs). On Linux the entry is pinned to
 * the Secret Service: without one the package would fall back, silently, to the kernel's keyring, which
 * forgets everything at reboot; here a missing Secret Service is an error that says what to do instead.
 *
 * That package is a native addon, so it is loaded only when a profile uses the keyring, and an
 * installation without it (the Debian package, a platform it has no build for) says so and points to the
 * file storage. Each call waits at most 10 s: a Secret Service that D-Bus is still trying to start must not
 * hang `ocient-sso token` in a script. What the keyring answers never carries the token into a message.
 */
import { CliError } from "../command.js";

/** The keyring's service name; the account is the profile's cache file, unique per profile and directory. */
export const KEYRING_SERVICE = "ocient-sso";
const TIMEOUT_MS = 10_000;

type KeyringModule = typeof import("@napi-rs/keyring");
let loaded: Promise<KeyringModule> | undefined;

function load(): Promise<KeyringModule> {
  loaded ??= import("@napi-rs/keyring").catch((err: unknown) => {
    loaded = undefined;
    throw new CliError(
      `the keyring is not available in this installation (@napi-rs/keyring: ${(err as Error).message.split("\n")[0]}); sign in with --token-storage file`,
    );
  });
  return loaded;
}

/** Runs one keyring call on `account`, bounded in time, its failures as a CliError naming the keyring. */
async function call<T>(
  account: string,
  what: string,
  secret: string | undefined,
  run: (entry: InstanceType<KeyringModule["AsyncEntry"]>, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { AsyncEntry } = await load();
  try {
    const entry = new AsyncEntry(KEYRING_SERVICE, account, { linux: { store: "secret-service" } });
    return await run(entry, AbortSignal.timeout(TIMEOUT_MS));
  } catch (err) {
    const name = (err as Error).name;
    const reason =
      name === "TimeoutError" || name === "AbortError"
        ? `no answer in ${TIMEOUT_MS / 1000} s`
        : String((err as Error).message ?? err);
    // Never echo the secret, should a backend ever put it in its message.
    const said = secret ? reason.replaceAll(secret, "[token]") : reason;
    throw new CliError(
      `cannot ${what} the keyring (${said}); on a machine without one (an SSH session, a container), sign in with --token-storage file`,
    );
  }
}

/** The token kept for `account`, or undefined when the keyring holds none. */
export async function keyringGet(account: string): Promise<string | undefined> {
  const value = await call(account, "read from", undefined, (entry, signal) => entry.getPassword(signal));
  return value ?? undefined;
}

export async function keyringSet(account: string, token: string): Promise<void> {
  await call(account, "write to", token, (entry, signal) => entry.setPassword(token, signal));
}

/** Removes the token kept for `account`; true when there was one. */
export function keyringDelete(account: string): Promise<boolean> {
  return call(account, "remove a token from", undefined, (entry, signal) => entry.deletePassword(signal));
}
