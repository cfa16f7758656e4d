/**
 * Redis Sentinel on loopback, as the service meets it in production: a master, a replica and three
 * sentinels (Debian's redis-server and redis-sentinel), short down-after and failover timeouts. The servers
 * require a password (the default user, which replication and the sentinels use) and know the service's
 * own ACL user with the minimal rights docs/redis-sentinel.md lists; the sentinels require a password too.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { rememberSecret } from "./log-collector.js";
import { freePort } from "./ports.js";
import { type Program, runProgram, stopProgram, waitUntil } from "./programs.js";
import { type RedisServer, startRedis } from "./redis.js";

export const MASTER_NAME = "ocient-sso";
const ADMIN_PASSWORD = "admin-8d1f0c2e9b7a4d61";
export const SERVICE_PASSWORD = "service-5e3a9c7b1f2d4068";
const SENTINEL_PASSWORD = "sentinel-2b6f8e1a0c9d4735";

/** The service's ACL user: its own keys, the commands it sends, nothing else (docs/redis-sentinel.md). */
export const SERVICE_ACL = [
  "ocient-sso",
  "on",
  `>${SERVICE_PASSWORD}`,
  "~ocient-sso:*",
  "resetchannels",
  "-@all",
  "+hello",
  "+auth",
  "+client|setname",
  "+info",
  "+ping",
  "+role",
  "+wait",
  "+get",
  "+set",
  "+getdel",
  "+incr",
  "+incrby",
  "+pexpire",
  "+pttl",
  "+expire",
  "+multi",
  "+exec",
  "+evalsha",
  "+eval",
  "+quit",
];

export interface SentinelSetup {
  /** [0] the first master, [1] its replica. */
  servers: RedisServer[];
  sentinelPorts: number[];
  /** `state.redis` for the service: sentinels, master name, ACL user, passwords as `${NAME}`. */
  settings: Record<string, unknown>;
  /** What the placeholders read. */
  env: Record<string, string>;
  /** The port of the master a sentinel names now. */
  masterPort(): Promise<number | undefined>;
  /** `master` or `slave`, as the server says (ROLE); undefined when it does not answer. */
  roleOf(server: RedisServer): Promise<string | undefined>;
  /** The names of the clients connected to `server` (CLIENT LIST). */
  clientNames(server: RedisServer): Promise<string[]>;
  /** SIGSTOP / SIGCONT sentinel `i`: it accepts connections and never answers, like an unreachable host. */
  pauseSentinel(i: number): void;
  resumeSentinel(i: number): void;
  close(): Promise<void>;
}

const serverArgs = (extra: string[]) => [
  // A replica copies the data set at once instead of waiting 5 s for others to join the transfer.
  "--repl-diskless-sync-delay",
  "0",
  "--requirepass",
  ADMIN_PASSWORD,
  "--masterauth",
  ADMIN_PASSWORD,
  "--user",
  ...SERVICE_ACL,
  ...extra,
];

async function admin<T>(port: number, password: string, use: (r: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ port, host: "127.0.0.1", password, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on("error", () => {});
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

export async function startSentinels(): Promise<SentinelSetup> {
  rememberSecret(ADMIN_PASSWORD);
  rememberSecret(SERVICE_PASSWORD);
  rememberSecret(SENTINEL_PASSWORD);
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-sentinel-"));
  const servers: RedisServer[] = [];
  const sentinels: Program[] = [];
  const sentinelPorts: number[] = [];
  try {
    servers.push(await startRedis({ args: serverArgs([]), password: ADMIN_PASSWORD }));
    const master = servers[0] as RedisServer;
    servers.push(
      await startRedis({
        args: serverArgs(["--replicaof", "127.0.0.1", String(master.port)]),
        password: ADMIN_PASSWORD,
      }),
    );
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = join(dir, `sentinel-${i}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          "daemonize no",
          `dir ${dir}`,
          'logfile ""',
          "loglevel warning",
          `requirepass ${SENTINEL_PASSWORD}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
          `sentinel auth-pass ${MASTER_NAME} ${ADMIN_PASSWORD}`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 4000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          "",
        ].join("\n"),
      );
      const program = runProgram("redis-sentinel", [file], dir);
      sentinels.push(program);
      sentinelPorts.push(port);
    }
    // The replica is online once it holds the master's data set: until then a failover to it would lose
    // everything (it could be promoted nonetheless), and the master does not wait for it (replica-acks.ts).
    for (let online = false, tries = 0; !online; tries++) {
      if (tries > 600) throw new Error("the replica did not copy the master's data set within 30 s");
      online = await admin(master.port, ADMIN_PASSWORD, async (r) => {
        const role = (await r.role()) as [string, number, unknown[]];
        return role[2].length === 1;
      });
      if (!online) await new Promise((r) => setTimeout(r, 50));
    }
    // Ready once every sentinel knows the replica and the two other sentinels: only then can they fail over.
    for (const [i, port] of sentinelPorts.entries()) {
      await waitUntil(
        sentinels[i] as Program,
        `redis-sentinel on port ${port}`,
        () =>
          admin(port, SENTINEL_PASSWORD, async (r) => {
            const fields = (await r.call("SENTINEL", "MASTER", MASTER_NAME)) as string[];
            const info = Object.fromEntries(
              fields.flatMap((v, j) => (j % 2 === 0 ? [[v, fields[j + 1]]] : [])),
            ) as Record<string, string>;
            return info["num-slaves"] === "1" && info["num-other-sentinels"] === "2";
          }),
        30_000,
      );
    }
  } catch (err) {
    await Promise.all([...sentinels.map((s) => stopProgram(s)), ...servers.map((s) => s.close())]);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const sentinel = sentinelPorts[0] as number;
  const signal = (i: number, name: NodeJS.Signals) => {
    const program = sentinels[i];
    if (program && program.child.exitCode === null && program.child.signalCode === null)
      process.kill(program.pid, name);
  };
  return {
    servers,
    sentinelPorts,
    settings: {
      sentinels: sentinelPorts.map((port) => ({ host: "127.0.0.1", port })),
      master_name: MASTER_NAME,
      username: "ocient-sso",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file's placeholder
      password: "${REDIS_PASSWORD}",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file's placeholder
      sentinel_password: "${SENTINEL_PASSWORD}",
    },
    env: { REDIS_PASSWORD: SERVICE_PASSWORD, SENTINEL_PASSWORD },
    masterPort: () =>
      admin(sentinel, SENTINEL_PASSWORD, async (r) => {
        const addr = (await r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)) as string[] | null;
        return addr ? Number(addr[1]) : undefined;
      }),
    roleOf: (server) =>
      admin(server.port, ADMIN_PASSWORD, async (r) => String(((await r.role()) as unknown[])[0])).catch(
        () => undefined,
      ),
    clientNames: (server) =>
      admin(server.port, ADMIN_PASSWORD, async (r) =>
        String(await r.client("LIST"))
          .split("\n")
          .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "")
          .filter(Boolean),
      ),
    pauseSentinel: (i) => signal(i, "SIGSTOP"),
    resumeSentinel: (i) => signal(i, "SIGCONT"),
    async close() {
      // A paused sentinel would never see SIGTERM.
      for (const i of sentinels.keys()) signal(i, "SIGCONT");
      await Promise.all(sentinels.map((s) => stopProgram(s)));
      await Promise.all(servers.map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
