/**
 * Log lines written once per turn of the event loop (src/server/log-batch.ts): one write for the lines
 * of a turn, in order; an answer never leaves before its log line (the audit record of a token is
 * written before the token is sent); and the real process writes what waits when it exits or dies of
 * an uncaught exception.
 */
import { spawnSync } from "node:child_process";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TurnBatch } from "../../src/server/log-batch.js";
import { createLogger } from "../../src/server/logger.js";
import { type Harness, startHarness } from "../support/harness.js";
import { root } from "../support/spawn-cli.js";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("TurnBatch", () => {
  it("hands the lines of one turn to its sink in one write, in the order they were logged", async () => {
    const writes: string[] = [];
    const batch = new TurnBatch({ write: (text) => writes.push(text) });
    const logger = createLogger("info", batch);
    expect(batch.written()).toBeUndefined();
    for (const msg of ["one", "two", "three"]) logger.info({ n: msg }, msg);
    expect(writes).toEqual([]);
    const written = batch.written();
    expect(written).toBeInstanceOf(Promise);
    await written;
    expect(writes).toHaveLength(1);
    const lines = (writes[0] as string).split("\n").filter(Boolean);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["one", "two", "three"]);
    expect(batch.written()).toBeUndefined();

    logger.info("four");
    await nextTurn();
    expect(writes).toHaveLength(2);
    expect(JSON.parse(writes[1] as string).msg).toBe("four");
  });

  it("releases what waits on a write even when its sink throws", async () => {
    const batch = new TurnBatch({
      write: () => {
        throw new Error("EPIPE");
      },
    });
    batch.write('{"msg":"lost"}\n');
    const written = batch.written();
    expect(() => batch.flush()).toThrow("EPIPE");
    await expect(written).resolves.toBeUndefined();
    expect(batch.written()).toBeUndefined();
  });

  // A child Node process with the module's flushAtExit: its lines must be on its stdout however it ends.
  const ending = {
    "process.exit()": "process.exit(3);",
    "an uncaught exception": 'throw new Error("boom");',
    "an unhandled rejection": 'Promise.reject(new Error("boom"));',
  };
  for (const [how, code] of Object.entries(ending)) {
    it(`writes what waits when the process ends by ${how} in the same turn`, () => {
      const script = [
        'import { pino } from "pino";',
        'import { TurnBatch } from "./src/server/log-batch.ts";',
        "const batch = new TurnBatch(pino.destination({ dest: 1, sync: true }));",
        "batch.flushAtExit();",
        'batch.write("line one\\n");',
        'batch.write("line two\\n");',
        code,
      ].join("\n");
      const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: root,
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(child.status).not.toBe(0);
      expect(child.stdout).toBe("line one\nline two\n");
    });
  }
});

describe("the request log with lines written once per turn", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("holds each answer until its log line is written, refusals and tokens alike", async () => {
    // What the log held when each answer was handed to the socket, by request id.
    const logged = new Map<string, boolean>();
    const onRequest = (_req: unknown, res: ServerResponse) => {
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof end>) => {
        const id = String(res.getHeader("x-request-id"));
        logged.set(
          id,
          h.logs.some((line) => line.includes(`"request_id":"${id}"`)),
        );
        return end(...args);
      }) as typeof res.end;
    };
    h.server.server.prependListener("request", onRequest);
    try {
      const { id_token } = await h.provider.issueTokens("alice");
      // Sent together, so that several are answered in one turn: tokens, refusals and a probe.
      const sends = [];
      for (let i = 0; i < 24; i++) {
        const body =
          i % 3 === 0 ? { database: "retail_analytics" } : { id_token, database: "retail_analytics" };
        sends.push(h.post(body, { headers: { "x-request-id": `held-${i}` } }));
      }
      const answers = await Promise.all(sends);
      expect(answers.map((a) => a.status)).toEqual(answers.map((_, i) => (i % 3 === 0 ? 400 : 200)));
      expect((await h.get("/healthz")).status).toBe(200);
    } finally {
      h.server.server.off("request", onRequest);
    }
    expect(logged.size).toBe(25);
    expect([...logged].filter(([, was]) => !was)).toEqual([]);
  });

  it("writes a line logged outside any request by the end of its turn", async () => {
    const before = h.logs.length;
    h.server.logger.info({ check: "turn" }, "outside a request");
    expect(h.logs.length).toBe(before);
    await nextTurn();
    expect(h.logs.slice(before).map((l) => JSON.parse(l).msg)).toEqual(["outside a request"]);
  });
});
