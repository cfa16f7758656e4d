/** Dispatches `ocient-sso COMMAND ...` and turns failures into exit codes and stderr messages. */
import { ConfigError } from "../config/load.js";
import { VERSION } from "../version.js";
import { CliError, type Command, UsageError } from "./command.js";
import type { Io } from "./io.js";

/** Each command is loaded when run, so `serve` starts without loading what only the others use. */
interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: "serve",
    summary: "run the token service (production)",
    load: async () => (await import("./commands/serve.js")).serve,
  },
  {
    name: "check-config",
    summary: "validate a configuration file, resolve discovery, print the effective configuration",
    load: async () => (await import("./commands/check-config.js")).checkConfig,
  },
  {
    name: "explain",
    summary: "show what the service would decide for a token (integration, bindings, grant), minting nothing",
    load: async () => (await import("./commands/explain.js")).explain,
  },
  {
    name: "keys",
    summary: "generate, rotate or list signing keys",
    load: async () => (await import("./commands/keys.js")).keys,
  },
  {
    name: "exchange",
    summary: "exchange an id_token or access_token with the typed client",
    load: async () => (await import("./commands/exchange.js")).exchange,
  },
  {
    name: "agent",
    summary: "keep a file holding a fresh token, exchanged from the platform's token file (a sidecar)",
    load: async () => (await import("./commands/agent.js")).agent,
  },
  {
    name: "login",
    summary: "sign in with the device grant and keep the token in a profile",
    load: async () => (await import("./commands/login.js")).login,
  },
  {
    name: "token",
    summary: "print a valid token of a profile, refreshed when past half its life",
    load: async () => (await import("./commands/token.js")).token,
  },
  {
    name: "logout",
    summary: "forget the token of a profile (or of all)",
    load: async () => (await import("./commands/logout.js")).logout,
  },
  {
    name: "profiles",
    summary: "list the signed-in profiles",
    load: async () => (await import("./commands/profiles.js")).profiles,
  },
  {
    name: "dev",
    summary: "development mode: embedded provider, demo database and a demo token (npm start)",
    load: async () => (await import("./commands/dev.js")).dev,
  },
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: ocient-sso COMMAND [options]

Exchanges OpenID Connect tokens for Ocient access tokens (POST /v1/sso_token).

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run "ocient-sso COMMAND --help" for a command's options; "ocient-sso --version" prints the version.
`;
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    io.stdout(`ocient-sso ${VERSION} (node ${process.version})\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`ocient-sso: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`ocient-sso ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr(
        `ocient-sso ${name}: invalid configuration ${err.source}:\n${err.problems.map((p) => `  - ${p}\n`).join("")}`,
      );
      return 1;
    }
    io.stderr(`ocient-sso ${name}: ${(err as Error)?.message ?? String(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
