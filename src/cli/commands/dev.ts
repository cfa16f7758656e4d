/**
 * `ocient-sso dev` (`npm start`): development mode, see src/dev/start-dev.ts, shaped by flags or a small
 * file (src/config/dev-shape.ts). `ocient-sso dev token --user NAME` prints a fresh id_token of the
 * running development provider. Printing subject tokens of the throwaway provider is the point of this
 * command; no other command prints one.
 */
import { readFile } from "node:fs/promises";
import { loadDevShape } from "../../config/dev-shape.js";
import { createLogger } from "../../server/logger.js";
import { CliError, type Command, helpOption, parse, required, wholeNumber } from "../command.js";
import { type Io, logSink, untilStopped } from "../io.js";

const ENVIRONMENT_FILE = "./data/dev-environment.json";

const usage = `Usage: ocient-sso dev [--port 8080] [--provider-port 0] [--browser-port 0]
                      [--user NAME[:GROUP,...]]... [--database NAME[:GROUP,...]]... [--file FILE]
       ocient-sso dev token --user NAME

DEVELOPMENT ONLY. Starts an embedded OpenID provider with demo accounts and the service trusting it,
all on 127.0.0.1, then prints a demo token, export lines and ready-to-run commands. Nothing to
configure. "dev token" prints a fresh id_token of an account of the running development mode.

Options:
  -p, --port PORT         port of the service (default 8080; 0 picks a free one)
      --provider-port P   port of the embedded provider (default 0: a free one)
      --browser-port P    port of the browser sign-in URL and of "dev token" (default 0: a free one)
                          (fix all three and the printed URLs stay valid across restarts)
      --user NAME:GROUPS  an account and its groups, e.g. --user bob:engineers,ops (repeatable;
                          replaces the demo accounts alice, bob, carol)
      --database DB:GROUPS a database and the groups granted it, e.g. --database sales:engineers
                          (repeatable; replaces the demo database retail_analytics)
      --file FILE         users and databases from YAML:
                            users: { bob: [engineers] }
                            databases: { sales: { groups: [engineers] }, hr: { users: [bob] } }
      --user NAME         (with "dev token") the account to sign in
  -h, --help              show this help
`;

const options = {
  port: { type: "string", short: "p" },
  "provider-port": { type: "string" },
  "browser-port": { type: "string" },
  user: { type: "string", multiple: true },
  database: { type: "string", multiple: true },
  file: { type: "string" },
} as const;

function port(value: string | undefined, flag: string): number | undefined {
  const n = wholeNumber(value, flag);
  if (n !== undefined && n > 65535) throw new CliError(`${flag} must be at most 65535`);
  return n;
}

/** `dev token --user NAME`: asks the running development mode's launcher for a fresh id_token. */
async function devToken(user: string, io: Io): Promise<number> {
  const text = await readFile(ENVIRONMENT_FILE, "utf8").catch(() => {
    throw new CliError(
      `development mode is not running here (no ${ENVIRONMENT_FILE}): start it with "npm start" in this directory`,
    );
  });
  const launcher = (JSON.parse(text) as { launcher?: unknown }).launcher;
  if (typeof launcher !== "string" || !launcher.startsWith("http://127.0.0.1:")) {
    throw new CliError(`${ENVIRONMENT_FILE} is not development mode's: remove it and run "npm start"`);
  }
  const response = await fetch(`${launcher}/token?${new URLSearchParams({ user })}`).catch(() => {
    throw new CliError(`development mode does not answer at ${launcher}: is "npm start" still running?`);
  });
  const body = (await response.json()) as { id_token?: string; accounts?: string[] };
  if (response.status !== 200 || body.id_token === undefined) {
    throw new CliError(
      `no account "${user}" in development mode; accounts: ${(body.accounts ?? []).join(", ")}`,
    );
  }
  io.stdout(`${body.id_token}\n`);
  return 0;
}

async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse({
    args,
    options: { ...options, ...helpOption },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  if (positionals[0] === "token") return devToken(required(values.user?.[0], "--user"), io);
  if (positionals.length > 0) throw new CliError(`unknown dev command "${positionals[0]}"`);
  const servicePort = port(values.port, "--port");
  const providerPort = port(values["provider-port"], "--provider-port");
  const browserPort = port(values["browser-port"], "--browser-port");
  const shape = await loadDevShape(values.file, {
    users: values.user ?? [],
    databases: values.database ?? [],
  });
  // Loaded only here: the embedded provider needs the devDependencies (oidc-provider).
  const [{ startDev, DevPortInUse }, { devBanner }] = await Promise.all([
    import("../../dev/start-dev.js"),
    import("../../dev/dev-banner.js"),
  ]).catch((err) => {
    throw new CliError(
      `development mode needs the devDependencies (run "npm install" in the repository): ${(err as Error).message}`,
    );
  });
  const logger = createLogger("info", logSink(io));
  const env = await startDev({ port: servicePort, providerPort, browserPort, shape, logger }).catch(
    (err: unknown) => {
      throw err instanceof DevPortInUse ? new CliError(err.message) : err;
    },
  );
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
