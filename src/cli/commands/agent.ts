/**
 * `ocient-sso agent`: keeps a file holding a fresh Ocient token, for workloads that read their token
 * from a file (a sidecar beside an application, a systemd service, a batch job's wrapper), as Vault Agent
 * and the SPIFFE helper keep theirs. At each turn it reads the platform's own token from --token-file (a
 * Kubernetes projected service-account token, a file a CI runner or cloud agent writes: read again each
 * time, since the platform replaces it), or from what --token-command prints (a platform whose token
 * comes from its metadata service or its own tool: `gcloud auth print-identity-token`, `buildkite-agent
 * oidc request-token`), exchanges it at the service, and writes the minted token to
 * --out atomically (a private temporary file renamed over the old one, so a reader never sees half a
 * token). The next turn comes once half the token's life has passed, Ocient's published advice.
 *
 * Each turn exchanges the platform's token again, never calling token_refresh: the workload's access
 * ends when its platform stops vouching for it or an operator changes its binding, within half a
 * token's life, and no session outlives the platform's token.
 *
 * A failed turn is tried again after 1, 2, 4 ... up to 60 seconds, and never later than the token in
 * --out expires; the file is removed once that token has expired and no new one came, so a reader finds
 * a live token or none. Its lines (on stdout) say what was written and what failed, with the service's
 * vendor_code, never a token. SIGTERM or SIGINT stops it (exit 0); `--once` exchanges once and exits.
 */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { decodeJwt } from "jose";
import { SsoExchangeError } from "../../client/index.js";
import { readCapped } from "../../lib/read-capped.js";
import { replaceFile } from "../../lib/replace-file.js";
import { CliError, type Command, helpOption, parse, UsageError, wholeNumber } from "../command.js";
import type { Io } from "../io.js";
import { serviceClient, serviceOptions, serviceTarget } from "../service-flags.js";

const usage = `Usage: ocient-sso agent --url URL --database DB (--token-file FILE | --token-command CMD)
                        --kind id|access --out FILE [--mode 0600|0640|0644] [--once]

Keeps --out holding a fresh Ocient token for programs that read their token from a file. Reads the
platform's token from --token-file, or from what --token-command prints (again at each turn: the
platform replaces it), exchanges it for a token scoped to DB, and writes that token to --out
atomically, again once half its life has passed. Failures are tried again after 1 s, doubling up to 60 s; once the token in --out has expired
with no new one, --out is removed. Lines on stdout say what happened, never a token.

Options:
  -u, --url URL          base URL of the service, e.g. https://sso.example.com
  -d, --database DB      the database the token is for
      --token-file FILE  the platform's token, e.g. /var/run/secrets/tokens/ocient-sso
      --token-command CMD  a command (run by /bin/sh) that prints the platform's token on stdout, e.g.
                         "gcloud auth print-identity-token --audiences=https://sso.example.com";
                         its stderr is passed through; it has --timeout seconds
      --kind id|access   what that token is (a Kubernetes or CI token: id)
      --out FILE         where the Ocient token is kept; its directory must exist
      --mode MODE        --out's mode: 0600 (default), 0640 or 0644
      --timeout SECONDS  how long an exchange may wait for the service's answer, and the token
                         command may run (1-600, default 30)
      --once             exchange once, write --out and exit
  -h, --help             show this help

Exit status: 0 stopped by SIGTERM or SIGINT (or, with --once, written), 1 failed (with --once),
2 wrong usage.
`;

const options = {
  ...serviceOptions,
  "token-file": { type: "string" },
  "token-command": { type: "string" },
  kind: { type: "string" },
  out: { type: "string" },
  mode: { type: "string" },
  timeout: { type: "string" },
  once: { type: "boolean" },
} as const;

/** The most a platform's token may be, in its file or as its command prints it; a service refuses far less. */
const MAX_TOKEN_BYTES = 65_536;
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 60_000;
/** The shortest wait between two turns that succeeded, whatever a token's life. */
const MIN_TURN_MS = 1_000;
const MODES = new Map([
  ["0600", 0o600],
  ["0640", 0o640],
  ["0644", 0o644],
]);

function fileMode(value: string | undefined): number {
  if (value === undefined) return 0o600;
  const mode = MODES.get(value.padStart(4, "0"));
  if (mode === undefined) throw new UsageError(`--mode must be 0600, 0640 or 0644, not "${value}"`);
  return mode;
}

/** The platform's token: `bytes` as text, trimmed; nothing, or more than the cap, is a CliError. */
function tokenOf(bytes: Buffer | undefined, source: string): string {
  if (bytes === undefined) throw new CliError(`${source} more than ${MAX_TOKEN_BYTES} bytes`);
  const token = bytes.toString("utf8").trim();
  if (token === "") throw new CliError(`${source} nothing`);
  return token;
}

async function readPlatformToken(file: string): Promise<string> {
  const stream = createReadStream(file);
  try {
    return tokenOf(await readCapped(stream, MAX_TOKEN_BYTES, `${file} ended early`), `${file} holds`);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  } finally {
    stream.destroy();
  }
}

/**
 * What `command` (run by /bin/sh) prints on stdout: the platform's token. Its stderr goes to ours. It runs
 * in a process group of its own, killed whole when it takes longer than `timeoutMs` or prints too much,
 * so a program it started cannot hold the turn by keeping stdout open.
 */
async function runTokenCommand(command: string, timeoutMs: number): Promise<string> {
  const child = spawn("/bin/sh", ["-c", command], { stdio: ["ignore", "pipe", "inherit"], detached: true });
  const killAll = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killAll();
  }, timeoutMs);
  const exited = new Promise<string | undefined>((resolve) => {
    child.once("error", (err: NodeJS.ErrnoException) => resolve(`could not start (${err.code ?? "error"})`));
    child.once("exit", (code, signal) =>
      resolve(code === 0 ? undefined : `failed (${signal ?? `exit ${code}`})`),
    );
  });
  try {
    const printed = await readCapped(
      child.stdout,
      MAX_TOKEN_BYTES,
      "the token command's output ended early",
    ).catch(() => Buffer.alloc(0));
    if (printed === undefined) killAll();
    const failed = await exited;
    if (timedOut) throw new CliError(`the token command printed no token within ${timeoutMs / 1000} s`);
    if (failed !== undefined && printed !== undefined) throw new CliError(`the token command ${failed}`);
    return tokenOf(printed, "the token command printed");
  } finally {
    clearTimeout(timer);
    child.stdout.destroy();
  }
}

/** Writes `token` to `file` atomically (lib/replace-file.ts). */
async function writeTokenFile(file: string, token: string, mode: number): Promise<void> {
  await replaceFile(file, token, mode).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`cannot write ${file} (${err.code ?? "error"})`);
  });
}

/** What went wrong in a turn, in one line without any token. */
function failure(err: unknown): string {
  if (err instanceof SsoExchangeError) {
    if (err.httpStatus === 0)
      return `the exchange failed: ${err.reason} (no response, vendor_code ${err.vendorCode})`;
    return `the exchange was refused: ${err.reason} (HTTP ${err.httpStatus}, vendor_code ${err.vendorCode})`;
  }
  if (err instanceof CliError) return err.message;
  throw err;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse({ args, options: { ...options, ...helpOption } });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const { url, database } = serviceTarget(values);
  const tokenFile = values["token-file"];
  const tokenCommand = values["token-command"];
  const out = values.out;
  if ((tokenFile === undefined) === (tokenCommand === undefined))
    throw new UsageError("give one of --token-file and --token-command");
  if (out === undefined) throw new UsageError("--out is required");
  const kind = values.kind;
  if (kind !== "id" && kind !== "access") throw new UsageError("--kind must be id or access");
  const mode = fileMode(values.mode);
  const timeout = wholeNumber(values.timeout, "--timeout") ?? 30;
  if (timeout < 1 || timeout > 600) throw new UsageError("--timeout must be from 1 to 600 seconds");
  // A service that never answers must not hold a turn forever: the agent would never try again.
  const client = serviceClient(url, {
    fetch: (request) => fetch(request, { signal: AbortSignal.timeout(timeout * 1000) }),
  });
  const say = (text: string) => io.stdout(`${new Date().toISOString()} ocient-sso agent: ${text}\n`);

  /** One turn: read, exchange, write; answers the new token's life in ms. */
  async function turn(): Promise<number> {
    const token =
      tokenCommand !== undefined
        ? await runTokenCommand(tokenCommand, timeout * 1000)
        : await readPlatformToken(tokenFile as string);
    const result = await client.exchange(
      kind === "id" ? { database, idToken: token } : { database, accessToken: token },
    );
    await writeTokenFile(out as string, result.token, mode);
    const user = decodeJwt(result.token).sub;
    say(`wrote ${out}: a token for ${user} on ${result.database}, expiring in ${result.expiresIn} s`);
    return result.expiresIn * 1000;
  }

  if (values.once) {
    try {
      await turn();
      return 0;
    } catch (err) {
      throw new CliError(failure(err));
    }
  }

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  io.signals.on("SIGTERM", onSignal);
  io.signals.on("SIGINT", onSignal);
  let expiresAt: number | undefined;
  let failures = 0;
  try {
    while (!stop.signal.aborted) {
      let wait: number;
      try {
        const life = await turn();
        expiresAt = Date.now() + life;
        failures = 0;
        wait = Math.max(MIN_TURN_MS, life / 2);
      } catch (err) {
        const reason = failure(err);
        failures++;
        wait = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
        let kept = `no token in ${out}`;
        if (expiresAt !== undefined && Date.now() >= expiresAt) {
          await rm(out, { force: true });
          expiresAt = undefined;
          kept = `removed ${out}: its token has expired`;
        } else if (expiresAt !== undefined) {
          wait = Math.max(0, Math.min(wait, expiresAt - Date.now()));
          kept = `the token in ${out} lives ${seconds(expiresAt - Date.now())} more`;
        }
        say(`${reason}; ${kept}; trying again in ${seconds(wait)}`);
      }
      // Node's own timer, cut short (rejecting) by SIGTERM or SIGINT; the loop then ends.
      await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
    }
    say("stopped");
    return 0;
  } finally {
    io.signals.off("SIGTERM", onSignal);
    io.signals.off("SIGINT", onSignal);
  }
}

export const agent: Command = { name: "agent", usage, run };
