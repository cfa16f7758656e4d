/**
 * One connection to the configured Redis and a PING, for check-config: through the service's own
 * connection code (connectRedis), so it meets Redis exactly as serve will. Whether Redis answered and
 * refused (a wrong password: serve would never get an answer) or did not answer (it may come back;
 * serve starts without it). Redis's own words only: they never carry the password.
 */
import type { RedisConfig } from "../config/schema.js";
import { connectRedis } from "./redis-connection.js";
import { redisReady } from "./shared-state.js";

export type RedisProbe =
  | { result: "ok" }
  | { result: "refused"; reason: string }
  | { result: "unreachable"; reason: string };

/** At least this long for an answer, even with a small `timeout_ms` (ms). */
const MIN_PROBE_MS = 1000;

export async function probeRedis(config: RedisConfig): Promise<RedisProbe> {
  const client = await connectRedis(config);
  let last: Error | undefined;
  // Without a listener, ioredis prints every connection error to the console.
  client.on("error", (err: Error) => {
    last = err;
  });
  try {
    await redisReady(client, Math.max(2 * config.timeout_ms, MIN_PROBE_MS));
    if (client.status === "ready") {
      await client.ping();
      return { result: "ok" };
    }
  } catch (err) {
    last = err as Error;
  } finally {
    client.disconnect();
  }
  // A reply error is Redis answering "no" (WRONGPASS, NOAUTH, NOPERM...).
  if (last?.name === "ReplyError") return { result: "refused", reason: last.message };
  const code = (last as NodeJS.ErrnoException | undefined)?.code;
  return { result: "unreachable", reason: code ?? last?.message ?? "no answer" };
}
