/**
 * Several instances of the service as one: N real servers in-process on their own loopback ports, one
 * key file, one issuer, one real Redis, and a real nginx in front (round robin, X-Forwarded-For).
 * Requests go through nginx, as a client's would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateStoredKey, writeKeyFile } from "../../src/keys/key-file.js";
import {
  type ExchangeResponse,
  type Harness,
  type HarnessOptions,
  type HarnessResponse,
  startHarness,
  toResponse,
} from "./harness.js";
import { rememberToken } from "./log-collector.js";
import { type Nginx, startNginx } from "./nginx.js";
import type { EmbeddedProvider } from "./provider.js";
import type { RedisServer } from "./redis.js";

export const CLUSTER_ISSUER = "https://sso.cluster.test";

export interface Cluster {
  instances: Harness[];
  nginx: Nginx;
  keysFile: string;
  /** `POST /v1/sso_token` through nginx. */
  post(body: Record<string, unknown>): Promise<ExchangeResponse>;
  get(path: string): Promise<HarnessResponse>;
  close(): Promise<void>;
}

export interface ClusterOptions extends Omit<HarnessOptions, "provider" | "state" | "token"> {
  provider: EmbeddedProvider;
  /** One redis-server, or the `state.redis` settings of another setup (Sentinel: redis-sentinel.ts). */
  redis: RedisServer | { settings: NonNullable<NonNullable<HarnessOptions["state"]>["redis"]> };
  size?: number;
  token?: HarnessOptions["token"];
  /** Prefix of this cluster's keys in Redis (default: one of its own). */
  prefix?: string;
}

let clusters = 0;

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { provider, redis, size = 3, prefix = `cluster-${process.pid}-${++clusters}:`, ...rest } = options;
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-cluster-"));
  const keysFile = join(dir, "signing-keys.json");
  // Written once before any instance starts, as an operator (or serve's primary) would.
  await writeKeyFile(keysFile, { keys: [await generateStoredKey("ES256")] });
  const instances: Harness[] = [];
  let nginx: Nginx | undefined;
  try {
    for (let i = 0; i < size; i++) {
      instances.push(
        await startHarness({
          ...rest,
          provider,
          server: { trust_proxy: true, ...rest.server },
          token: { issuer: CLUSTER_ISSUER, keys_file: keysFile, ...options.token },
          state: {
            redis: {
              timeout_ms: 300,
              ...("settings" in redis ? redis.settings : { url: redis.url }),
              prefix,
            },
          },
        }),
      );
    }
    nginx = await startNginx(instances.map((h) => new URL(h.url).host));
  } catch (err) {
    await Promise.all(instances.map((h) => h.close()));
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const front = nginx;
  return {
    instances,
    nginx: front,
    keysFile,
    async post(body) {
      for (const key of ["id_token", "access_token"]) rememberToken(body[key]);
      const response = await toResponse<NonNullable<ExchangeResponse["json"]>>(
        await fetch(`${front.url}/v1/sso_token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
      rememberToken(response.json?.id_token);
      return response;
    },
    async get(path) {
      return toResponse<unknown>(await fetch(`${front.url}${path}`));
    },
    async close() {
      await front.close();
      await Promise.all(instances.map((h) => h.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
