/**
 * Several instances as one service: the exchange through a real nginx to 2 instances of the product
 * (`serve`, bundled) sharing one key file and a real Redis that holds their rate limits, beside the single
 * process measured the same way. Reports throughput and the server CPU each request costs (user + system
 * time of the service processes, and of nginx and Redis, from /proc), which is what several instances
 * add: a proxy hop, Redis round trips for the limit, and a second event loop on the same cores.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startNginx } from "../../test/support/nginx.js";
import { startRedis } from "../../test/support/redis.js";
import type { Memory } from "./child.js";
import { freePort, round, stopTarget, type Target, treeCpuSeconds, treeMemoryOf } from "./child.js";
import { EXCHANGE_PATH } from "./exchange-runs.js";
import { figures, fire, type LoadFigures } from "./load.js";
import {
  BodyCycle,
  checkMinted,
  type MintedSample,
  type SampleCheck,
  sampler,
  startExchange,
  type Timing,
} from "./scenarios.js";
import { DATABASE, type ExchangeSetup, subjectOf } from "./setup.js";

export interface HaResult extends LoadFigures {
  memory?: Memory;
  /** Server CPU per request, microseconds: the service processes alone, and with nginx and Redis. */
  cpu_us_per_request: number;
  cpu_us_per_request_all: number;
  minted_check: SampleCheck;
}

interface Measured {
  load: LoadFigures;
  samples: MintedSample[];
  serviceCpu: number;
  allCpu: number;
}

async function measure(
  url: string,
  bodies: Buffer[],
  timing: Timing,
  service: number[],
  others: number[],
): Promise<Measured> {
  const cycle = new BodyCycle(bodies);
  const samples: MintedSample[] = [];
  await fire({ url, requests: [cycle.request(EXCHANGE_PATH)], durationSeconds: timing.warmupSeconds });
  const cpu = (pids: number[]) => pids.reduce((sum, pid) => sum + treeCpuSeconds(pid), 0);
  const before = { service: cpu(service), others: cpu(others) };
  const load = figures(
    await fire({
      url,
      requests: [cycle.request(EXCHANGE_PATH, sampler(samples))],
      durationSeconds: timing.durationSeconds,
    }),
  );
  const serviceCpu = cpu(service) - before.service;
  return { load, samples, serviceCpu, allCpu: serviceCpu + cpu(others) - before.others };
}

function result(m: Measured, memory: Memory | undefined, minted_check: SampleCheck): HaResult {
  const perRequest = (seconds: number) =>
    m.load.requests > 0 ? round((seconds * 1e6) / m.load.requests, 1) : 0;
  return {
    ...m.load,
    memory,
    cpu_us_per_request: perRequest(m.serviceCpu),
    cpu_us_per_request_all: perRequest(m.allCpu),
    minted_check,
  };
}

/** The single process, measured like the instances below (CPU per request included). */
export async function runSingleWithCpu(
  setup: ExchangeSetup,
  bodies: Buffer[],
  timing: Timing,
): Promise<HaResult> {
  const { target } = await startExchange(setup.configFile, setup.url);
  try {
    const m = await measure(setup.url, bodies, timing, [target.pid], []);
    const check = await checkMinted(setup.url, m.samples, {
      database: DATABASE,
      subjectOf: (i) => subjectOf(i % bodies.length),
    });
    return result(m, treeMemoryOf(target.pid), check);
  } finally {
    await stopTarget(target.process);
  }
}

/**
 * Replay records in Redis (`replay: once`) with a replica: what WAIT costs (docs/redis-sentinel.md) is the
 * difference between `replicas_to_ack` 1 (each claim waits for the replica) and 0.
 */
export interface HaReplay {
  replicasToAck: number;
}

/**
 * nginx round robin to 2 instances, rate limits (per client address and per subject) counted in Redis;
 * with `replay`, also replay records, in a Redis master with a replica.
 */
export async function runHa(
  setup: ExchangeSetup,
  bodies: Buffer[],
  timing: Timing,
  replay?: HaReplay,
): Promise<HaResult> {
  const base = JSON.parse(await readFile(setup.configFile, "utf8"));
  const redis = await startRedis();
  const replica = replay && (await startRedis({ args: ["--replicaof", "127.0.0.1", String(redis.port)] }));
  const ports = [await freePort(), await freePort()];
  const nginx = await startNginx(ports.map((p) => `127.0.0.1:${p}`));
  const targets: Target[] = [];
  try {
    for (const [i, port] of ports.entries()) {
      const file = join(setup.dir, `config-ha-${i}.json`);
      const config = {
        ...base,
        server: {
          ...base.server,
          port,
          trust_proxy: true,
          // On, and high enough never to refuse the bench: every request takes its limits through Redis.
          rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 },
        },
        token: { ...base.token, issuer: nginx.url },
        ...(replay && {
          integrations: base.integrations.map((i: object) => ({ ...i, replay: "once" })),
        }),
        state: { redis: { url: redis.url, replicas_to_ack: replay?.replicasToAck } },
      };
      await writeFile(file, JSON.stringify(config, null, 2));
      targets.push((await startExchange(file, `http://127.0.0.1:${port}`)).target);
    }
    const m = await measure(
      nginx.url,
      bodies,
      timing,
      targets.map((t) => t.pid),
      [nginx.pid, redis.pid, ...(replica ? [replica.pid] : [])],
    );
    const check = await checkMinted(nginx.url, m.samples, {
      database: DATABASE,
      subjectOf: (i) => subjectOf(i % bodies.length),
    });
    const memory = targets
      .map((t) => treeMemoryOf(t.pid))
      .reduce<Memory | undefined>(
        (sum, mem) =>
          mem && sum
            ? {
                rss_mb: round(sum.rss_mb + mem.rss_mb, 1),
                peak_rss_mb: round(sum.peak_rss_mb + mem.peak_rss_mb, 1),
              }
            : (mem ?? sum),
        undefined,
      );
    return result(m, memory, check);
  } finally {
    for (const t of targets) await stopTarget(t.process);
    await nginx.close();
    await replica?.close();
    await redis.close();
  }
}
