/**
 * SIGTERM under load, against the real executable (`serve --config`) and a fake provider: in-flight
 * exchanges complete, new connections are refused, the process exits 0, and no request the server
 * accepted failed.
 *
 * "Accepted" is what the server itself says: each request carries an X-Request-Id, and the server logs
 * one line per request it handled. Every logged request must have reached the client as a 200. A
 * request the server never logged may only have failed at the connection level (refused, or reset
 * from the listen backlog as the listener closed), and only after the SIGTERM was sent.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { collectLine, leakedLines, rememberToken } from "../support/log-collector.js";
import { startCli } from "../support/spawn-cli.js";

/** Introspection answers this late, so some exchanges are surely in flight at the SIGTERM. */
const SLOW_MS = 600;
const LOOPS = 12;
const LOAD_MS = 1500;
const MAX_PER_LOOP = 400;

let fake: FakeProvider;
let dir: string;

beforeAll(async () => {
  [fake, dir] = await Promise.all([
    startFakeProvider({ slowMs: SLOW_MS }),
    mkdtemp(join(tmpdir(), "ocient-sso-sigterm-")),
  ]);
  fake.modes.set("/introspect", "slow");
});

afterAll(async () => {
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  id: string;
  kind: "id_token" | "opaque";
  startedAt: number;
  endedAt: number;
  status?: number;
  error?: string;
}

/** One exchange on a connection of its own (no keep-alive: each request is a new connection). */
function exchange(port: number, kind: Outcome["kind"], token: string): Promise<Outcome> {
  const id = randomUUID();
  const startedAt = performance.now();
  const body = JSON.stringify(
    kind === "id_token"
      ? { id_token: token, database: "fake_db" }
      : { access_token: token, database: "fake_db" },
  );
  return new Promise((resolve) => {
    const req = request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/v1/sso_token",
      agent: false,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-request-id": id,
      },
    });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => {
        rememberToken((JSON.parse(text) as { id_token?: string }).id_token);
        resolve({ id, kind, startedAt, endedAt: performance.now(), status: res.statusCode });
      });
      res.on("error", (err) =>
        resolve({ id, kind, startedAt, endedAt: performance.now(), error: err.message }),
      );
    });
    req.on("error", (err: NodeJS.ErrnoException) =>
      resolve({ id, kind, startedAt, endedAt: performance.now(), error: err.code ?? err.message }),
    );
    req.end(body);
  });
}

async function token(kind: Outcome["kind"]): Promise<string> {
  if (kind === "id_token") return fake.sign();
  const opaque = `opaque-${randomUUID()}`;
  fake.opaque.set(opaque, { sub: "alice", client_id: FAKE_AUDIENCE, exp: fake.nowSeconds() + 600 });
  rememberToken(opaque);
  return opaque;
}

/** Resolves when a TCP connection to the port is refused, with the error code (or "connected"). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe("SIGTERM under load", () => {
  it("completes in-flight requests, refuses new connections, exits 0, and fails no accepted request", async () => {
    const file = join(dir, "config.json");
    await writeFile(
      file,
      JSON.stringify({
        server: { host: "127.0.0.1", port: 0, log_level: "info", shutdown_timeout_ms: 10_000 },
        token: { issuer: "http://127.0.0.1:8080", keys_file: join(dir, "keys.json") },
        integrations: [
          {
            name: "fake",
            issuer: fake.issuer,
            audiences: [FAKE_AUDIENCE],
            access_tokens: {
              // biome-ignore lint/suspicious/noTemplateCurlyInString: ${NAME} is the configuration file's placeholder, written literally
              introspection: { client_id: fake.introspection.clientId, client_secret: "${FAKE_SECRET}" },
            },
          },
        ],
        databases: { system: { integration: "fake" }, fake_db: { users: ["alice"] } },
      }),
    );
    const cli = startCli(["serve", "--config", file], {
      env: { FAKE_SECRET: fake.introspection.clientSecret },
    });
    try {
      const url = (await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
      const port = Number(new URL(url).port);
      const first = await exchange(port, "id_token", await token("id_token"));
      expect(first.status).toBe(200);

      // Steady load: half the loops exchange id_tokens (fast), half opaque tokens (SLOW_MS each).
      const outcomes: Outcome[] = [first];
      let sigtermAt = Number.POSITIVE_INFINITY;
      const loops = Array.from({ length: LOOPS }, async (_, loop) => {
        const kind: Outcome["kind"] = loop % 2 === 0 ? "id_token" : "opaque";
        for (let i = 0; i < MAX_PER_LOOP; i++) {
          const outcome = await exchange(port, kind, await token(kind));
          outcomes.push(outcome);
          if (outcome.error) return;
        }
      });
      await sleep(LOAD_MS);
      // One more that is surely in flight when the signal arrives.
      const lastInFlight = exchange(port, "opaque", await token("opaque"));
      await sleep(50);
      sigtermAt = performance.now();
      cli.child.kill("SIGTERM");
      await cli.waitFor(/shutting down/);
      await sleep(20);
      const refused = await tryConnect(port);
      const refusedAt = performance.now();
      outcomes.push(await lastInFlight);
      await Promise.all(loops);
      const result = await cli.exited;

      // Every line the server logged, for the suite-wide scan too.
      const lines = result.stdout.split("\n").filter((l) => l.startsWith("{"));
      for (const line of lines) collectLine(line);
      const logged = new Map<string, number>();
      for (const line of lines.map((l) => JSON.parse(l) as { request_id?: string; status?: number })) {
        if (line.request_id) logged.set(line.request_id, line.status ?? 0);
      }

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('"msg":"stopped"');
      expect(refused).toBe("ECONNREFUSED");

      const accepted = outcomes.filter((o) => logged.has(o.id));
      const failedAccepted = accepted.filter((o) => o.status !== 200 || logged.get(o.id) !== 200);
      expect(failedAccepted).toEqual([]);
      // The load really overlapped the shutdown: accepted requests finished after the SIGTERM, some of
      // them after the server had already refused a new connection.
      expect(accepted.filter((o) => o.endedAt > sigtermAt).length).toBeGreaterThan(0);
      expect(accepted.filter((o) => o.endedAt > refusedAt).length).toBeGreaterThan(0);
      expect(accepted.length).toBeGreaterThan(LOOPS * 2);

      // Requests the server never saw: connection-level failures, after the signal, and nothing else.
      const notAccepted = outcomes.filter((o) => !logged.has(o.id));
      for (const o of notAccepted) {
        expect(o.status, o.id).toBeUndefined();
        expect(["ECONNREFUSED", "ECONNRESET", "EPIPE", "socket hang up"]).toContain(o.error);
        expect(o.endedAt).toBeGreaterThan(sigtermAt);
      }
      // New connections after the listener closed were refused.
      expect(notAccepted.filter((o) => o.error === "ECONNREFUSED").length).toBeGreaterThan(0);
      expect(result.stderr).toBe("");
      expect(leakedLines()).toEqual([]);
    } finally {
      cli.child.kill("SIGKILL");
    }
  }, 60_000);
});
