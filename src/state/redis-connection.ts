/**
 * The one Redis connection of a process (ioredis), to a single server (`url`) or to whichever server the
 * sentinels name as master (`sentinels`, `master_name`), over TLS when asked, as an ACL user when given.
 * Every call is bounded: connecting and each command by `timeout_ms`; a command is never queued while
 * disconnected and never resent after a reconnection (either could apply a write twice or late).
 */
import { readFile } from "node:fs/promises";
import type { ConnectionOptions } from "node:tls";
import type { Redis, RedisOptions } from "ioredis";
import type { RedisConfig } from "../config/schema.js";

/** The file a setting names; a file that cannot be read is a start-up error naming the setting. */
async function read(setting: string, file: string | undefined): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file);
  } catch (err) {
    throw new Error(`${setting}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

async function tlsOptions(tls: NonNullable<RedisConfig["tls"]>): Promise<ConnectionOptions> {
  const [ca, cert, key] = await Promise.all([
    read("state.redis.tls.ca_file", tls.ca_file),
    read("state.redis.tls.cert_file", tls.cert_file),
    read("state.redis.tls.key_file", tls.key_file),
  ]);
  return {
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
    ...(tls.server_name && { servername: tls.server_name }),
  };
}

/** Only the settings present: ioredis would let an explicit undefined override what the URL says. */
function defined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function connectRedis(config: RedisConfig): Promise<Redis> {
  // Loaded only when configured: a service without Redis never pays for the client at start.
  const { Redis } = await import("ioredis");
  const tls = config.tls && (await tlsOptions(config.tls));
  const common: RedisOptions = {
    connectTimeout: config.timeout_ms,
    commandTimeout: config.timeout_ms,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // Reconnect for ever, at most once a second: an instance never needs a restart after Redis returns
    // (with sentinels, each reconnection asks them for the current master).
    retryStrategy: (times) => Math.min(100 * times, 1000),
    connectionName: "ocient-sso",
    // Redis Enterprise's connection handoffs: not what a self-run server or Sentinel does, and one more
    // command at each connection (CLIENT MAINT_NOTIFICATIONS) that the minimal ACL does not allow.
    maintNotifications: "disabled",
    // Nor CLIENT SETINFO (the library's name and version, two more commands at each connection): outside
    // the minimal ACL too, an ACL LOG entry per connection from Redis 7.2 and an unknown one before.
    disableClientInfo: true,
    // No auto-pipelining: an exchange's rate-limit commands come one at a time (the client address's,
    // then, after the signature check, the subject's), and the pipeline ioredis builds for each tick's
    // commands cost more CPU (and garbage) than the writes it saved. Measured (bench --ha, 3 alternated
    // rounds): 2 instances behind nginx at 190, 203 and 182 µs of CPU per exchange without it, 314, 241
    // and 199 with it.
    enableAutoPipelining: false,
    ...defined({ username: config.username, password: config.password }),
  };
  if (config.sentinels) {
    return new Redis({
      ...common,
      sentinels: config.sentinels,
      name: config.master_name,
      role: "master",
      ...defined({
        sentinelUsername: config.sentinel_username,
        sentinelPassword: config.sentinel_password,
        tls,
        sentinelTLS: tls,
      }),
      enableTLSForSentinelMode: tls !== undefined,
      sentinelCommandTimeout: config.timeout_ms,
      sentinelRetryStrategy: (times) => Math.min(100 * times, 1000),
      // Subscribed to the sentinels' +switch-master: a master demoted while still reachable is left at once.
      failoverDetector: true,
    });
  }
  return new Redis(config.url ?? "", { ...common, ...defined({ tls }) });
}
