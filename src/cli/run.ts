/** Dispatches `ocient-sso COMMAND ...` and turns failures into exit codes and stderr messages. */
import { ConfigError } from "../config/load.js";
import { type Command, UsageError } from "./command.js";
import { checkConfig } from "./commands/check-config.js";
import { dev } from "./commands/dev.js";
import { exchange } from "./commands/exchange.js";
import { keys } from "./commands/keys.js";
import { serve } from "./commands/serve.js";
import type { Io } from "./io.js";

export const commands: readonly Command[] = [serve, checkConfig, keys, exchange, dev];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: ocient-sso COMMAND [options]

Exchanges OpenID Connect tokens for Ocient access tokens (POST /v1/sso_token).

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run "ocient-sso COMMAND --help" for a command's options.
`;
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`ocient-sso: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
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
    return 1;
  }
}
