/**
 * `ocient-sso dev` (`npm start`): development mode, see src/dev/start-dev.ts. Printing the demo token
 * of the throwaway provider is the point of this command; no other command prints a subject token.
 */
import { createLogger } from "../../server/logger.js";
import { CliError, type Command, helpOption, parse, wholeNumber } from "../command.js";
import { type Io, logSink, untilStopped } from "../io.js";

const usage = `Usage: ocient-sso dev [--port 8080] [--provider-port 0]

DEVELOPMENT ONLY. Starts an embedded OpenID provider with demo accounts and the service trusting it,
both on 127.0.0.1, then prints a demo token and ready-to-run exchanges. Nothing to configure.

Options:
  -p, --port PORT        port of the service (default 8080; 0 picks a free one)
      --provider-port P  port of the embedded provider (default 0: a free one)
  -h, --help             show this help
`;

const options = {
  port: { type: "string", short: "p" },
  "provider-port": { type: "string" },
} as const;

function port(value: string | undefined, flag: string): number | undefined {
  const n = wholeNumber(value, flag);
  if (n !== undefined && n > 65535) throw new CliError(`${flag} must be at most 65535`);
  return n;
}

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse({ args, options: { ...options, ...helpOption } });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const servicePort = port(values.port, "--port");
  const providerPort = port(values["provider-port"], "--provider-port");
  // Loaded only here: the embedded provider needs the devDependencies (oidc-provider).
  const { startDev, devBanner, DevPortInUse } = await import("../../dev/start-dev.js").catch((err) => {
    throw new CliError(
      `development mode needs the devDependencies (run "npm install" in the repository): ${(err as Error).message}`,
    );
  });
  const logger = createLogger("info", logSink(io));
  const env = await startDev({ port: servicePort, providerPort, logger }).catch((err: unknown) => {
    throw err instanceof DevPortInUse ? new CliError(err.message) : err;
  });
  io.stdout(devBanner(env));
  const signal = await untilStopped(io.signals);
  logger.info({ signal }, "development mode: shutting down");
  await env.close();
  return 0;
}

export const dev: Command = {
  name: "dev",
  usage,
  run,
};
