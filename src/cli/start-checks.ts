/**
 * check-config's checks of what serve needs at start beyond a valid configuration: the key file (or its
 * directory), the TLS files and Redis, each through the code serve itself uses, so check-config never
 * passes what serve then fails on. One row per check; the errors make check-config exit 1.
 */
import type { Config } from "../config/schema.js";
import { missingKeyFileProblem, readKeyFile } from "../keys/key-file.js";
import { KeyStore, missingKeyFileAtStart } from "../keys/key-store.js";
import { loadTlsFiles, TlsFilesError } from "../server/tls-files.js";
import { probeRedis } from "../state/redis-probe.js";

export interface StartChecks {
  /** [setting, result] */
  rows: string[][];
  /** Why serve would not start, each naming its setting. */
  errors: string[];
}

async function keyFileCheck(config: Config, errors: string[]): Promise<string> {
  const { keys_file: file, algorithm } = config.token;
  try {
    const content = await readKeyFile(file);
    if (content) {
      const store = KeyStore.from(content, algorithm);
      return `ok (${content.keys.length} key${content.keys.length === 1 ? "" : "s"}, ${algorithm} signing key ${store.signer.kid})`;
    }
    const problem = await missingKeyFileProblem(file, missingKeyFileAtStart(config));
    if (!problem)
      return `warning: ${file} does not exist yet: serve creates it with a new key on first start`;
    errors.push(problem);
  } catch (err) {
    errors.push(`token.keys_file: ${(err as Error).message}`);
  }
  return `error: ${errors.at(-1)}`;
}

async function tlsCheck(tls: NonNullable<Config["server"]["tls"]>, errors: string[]): Promise<string> {
  try {
    await loadTlsFiles(tls);
    return "ok (certificate and key load)";
  } catch (err) {
    if (!(err instanceof TlsFilesError)) throw err;
    errors.push(...err.problems);
    return `error: ${err.problems.join("; ")}`;
  }
}

async function redisCheck(redis: NonNullable<Config["state"]["redis"]>, errors: string[]): Promise<string> {
  const probe = await probeRedis(redis);
  if (probe.result === "ok") return "ok (connected, PING answered)";
  if (probe.result === "unreachable")
    return `unreachable: ${probe.reason} (not fatal: serve starts, and answers 503 for replay checks and sign-in until Redis answers)`;
  const problem = `state.redis${redis.sentinels ? "" : ".url"}: Redis refused the connection: ${probe.reason}`;
  errors.push(problem);
  return `error: ${problem}`;
}

export async function startChecks(config: Config): Promise<StartChecks> {
  const errors: string[] = [];
  const { tls } = config.server;
  const { redis } = config.state;
  const [keys, tlsResult, redisResult] = await Promise.all([
    keyFileCheck(config, errors),
    tls && tlsCheck(tls, errors),
    redis && redisCheck(redis, errors),
  ]);
  const rows = [["token.keys_file", keys]];
  if (tlsResult) rows.push(["server.tls", tlsResult]);
  if (redisResult) rows.push(["state.redis", redisResult]);
  return { rows, errors };
}
