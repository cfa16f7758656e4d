/**
 * `ocient-sso login`: a person signs in from a terminal with the device grant (RFC 8628), as PostgreSQL
 * 18's libpq and `az login --use-device-code` do: the URL and code are printed (the browser is opened
 * too when this machine has a display and this is not an SSH session), and the token is kept in a
 * profile for `ocient-sso token`.
 */
import { createSsoClient, type DevicePrompt, SsoExchangeError } from "../../client/index.js";
import { CliError, type Command, helpOption, parse, UsageError, wholeNumber } from "../command.js";
import type { Io } from "../io.js";
import { serviceOptions, serviceTarget } from "../service-flags.js";
import { canOpenBrowser, openBrowser } from "../sessions/browser-opener.js";
import { keyringGet } from "../sessions/keyring.js";
import {
  checkProfileName,
  SessionStore,
  TOKEN_STORAGES,
  type TokenStorage,
} from "../sessions/session-store.js";

const usage = `Usage: ocient-sso login --url URL --database DB [--profile NAME] [--token-storage file|keyring]
                        [--no-browser]

Signs you in with the device grant: prints a URL and a code to confirm on any device that has a
browser (this machine's browser is opened for you when it has a display and this is not an SSH
session). The token is kept in profile NAME under your cache directory, for "ocient-sso token":
in the profile's file (0600), or with --token-storage keyring in your operating system's keyring
(the Secret Service on Linux, the Keychain on macOS, the Credential Manager on Windows), the file
then holding no token.

Options:
  -u, --url URL          base URL of the service, e.g. http://127.0.0.1:8080
  -d, --database DB      the database the token is for
  -p, --profile NAME     the profile to keep the token in (default "default")
      --token-storage S  file or keyring (default: $OCIENT_SSO_TOKEN_STORAGE, else file)
      --no-browser       never open a browser, only print the URL and code
      --timeout SECONDS  how long each wait at the service lasts (1-600, default 30)
  -h, --help             show this help

Exit status: 0 signed in, 1 refused, failed or cancelled, 2 wrong usage.
`;

const options = {
  ...serviceOptions,
  profile: { type: "string", short: "p", default: "default" },
  "no-browser": { type: "boolean" },
  timeout: { type: "string" },
  "token-storage": { type: "string" },
} as const;

function tokenStorage(value: string | undefined, env: Io["env"]): TokenStorage {
  const [chosen, from] =
    value !== undefined
      ? [value, "--token-storage"]
      : [env.OCIENT_SSO_TOKEN_STORAGE, "OCIENT_SSO_TOKEN_STORAGE"];
  if (chosen === undefined || chosen === "") return "file";
  if (!(TOKEN_STORAGES as readonly string[]).includes(chosen))
    throw new UsageError(`${from} must be ${TOKEN_STORAGES.join(" or ")}, not "${chosen}"`);
  return chosen as TokenStorage;
}

function prompt(prompt: DevicePrompt): string {
  const minutes = Math.max(1, Math.floor(prompt.expires_in / 60));
  return `To sign in, open this URL on any device and confirm the code ${prompt.user_code}:
  ${prompt.verification_uri_complete}
(or open ${prompt.verification_uri} and type the code). The code expires in ${minutes} minutes.
Waiting for you to sign in... (Ctrl-C to cancel)
`;
}

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse({ args, options: { ...options, ...helpOption } });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const { url, database } = serviceTarget(values);
  const profile = checkProfileName(values.profile);
  const timeout = wholeNumber(values.timeout, "--timeout");
  const storage = tokenStorage(values["token-storage"], io.env);
  const store = new SessionStore();
  await store.ensureDir();
  // Before anyone signs in: a keyring that can't be reached is said now, not after the sign-in.
  if (storage === "keyring") await keyringGet(store.keyringAccount(profile));
  let client: ReturnType<typeof createSsoClient>;
  try {
    client = createSsoClient({ baseUrl: url });
  } catch (err) {
    throw new CliError(`--url: ${(err as Error).message.replace("options.baseUrl ", "")}`);
  }
  const cancel = new AbortController();
  const onInterrupt = () => cancel.abort(new CliError("cancelled: not signed in"));
  io.signals.on("SIGINT", onInterrupt);
  io.signals.on("SIGTERM", onInterrupt);
  try {
    const result = await client.signInWithDevice({
      database,
      timeout,
      signal: cancel.signal,
      onPrompt: (p) => {
        io.stdout(prompt(p));
        if (!values["no-browser"] && canOpenBrowser(io.env)) void openBrowser(p.verification_uri_complete);
      },
    });
    const at = Date.now();
    await store.write(profile, {
      url: url.replace(/\/+$/, ""),
      database: result.database,
      user: result.username,
      token: result.token,
      obtained_at: at,
      expires_at: at + result.expiresIn * 1000,
      storage,
    });
    const where = storage === "keyring" ? ", its token in your keyring" : "";
    io.stdout(
      `Signed in as ${result.username} to ${url} (database ${result.database}); profile "${profile}" kept in ${store.pathOf(profile)}${where}.\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof SsoExchangeError) throw new CliError(err.message);
    throw err;
  } finally {
    io.signals.off("SIGINT", onInterrupt);
    io.signals.off("SIGTERM", onInterrupt);
  }
}

export const login: Command = { name: "login", usage, run };
