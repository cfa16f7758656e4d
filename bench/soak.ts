/**
 * A bounded soak: the real server and a fake OpenID provider, both on 127.0.0.1, under a mixed load of
 * valid and hostile exchanges for a fixed time. Prints requests, status counts, the 5xx count and
 * memory at start and end, and exits 1 when a 5xx was answered, a valid exchange was not minted, a
 * hostile one was, a log line carries a token, or the heap grew past its bound.
 * Options: USAGE below (`npm run soak -- --help`).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Pool } from "undici";
import { parseConfig } from "../src/config/load.js";
import { createLogger } from "../src/server/logger.js";
import { startServer } from "../src/server/serve.js";
import { argError, readArgs } from "./lib/cli-args.js";
import { FAKE_AUDIENCE, startFakeProvider } from "./lib/fake-provider.js";
import { tokenFragments } from "./lib/token-fragments.js";

/** Heap growth (after a full GC) past which the soak fails, in MB. */
const HEAP_GROWTH_BOUND_MB = 64;
const WARM_UP_MS = 3000;

const USAGE = `Usage: npm run soak -- [--seconds S] [--connections N]

A bounded soak of the real server against a fake OpenID provider on 127.0.0.1, under mixed valid and
hostile exchanges; exits 1 on a 5xx, a refused valid exchange, a minted hostile one, a leaked token in
a log line or heap growth past ${HEAP_GROWTH_BOUND_MB} MB.

Options:
  --seconds S       how long the load runs, in (0, 600] (default 60)
  --connections N   concurrent connections, in (0, 256] (default 16)
  --help            this text
`;
const values = readArgs(
  USAGE,
  () =>
    parseArgs({
      options: {
        seconds: { type: "string", default: "60" },
        connections: { type: "string", default: "16" },
      },
    }).values,
);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
if (!(seconds > 0 && seconds <= 600) || !(connections > 0 && connections <= 256)) {
  argError(USAGE, "--seconds must be in (0, 600] and --connections in (0, 256]");
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
function memory() {
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: mb(rss), heap: mb(heapUsed) };
}

interface Template {
  kind: "valid" | "hostile";
  name: string;
  body: string;
  contentType?: string;
  /** The status it must get. */
  status: number;
}

async function main(): Promise<number> {
  const provider = await startFakeProvider();
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-soak-"));
  const fragments: string[] = [];
  let logLines = 0;
  let errorLines = 0;
  let leakingLines = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n")) {
        if (line === "") continue;
        logLines++;
        if (line.includes('"level":50') || line.includes('"level":60')) errorLines++;
        if (fragments.some((f) => line.includes(f))) leakingLines++;
      }
      callback();
    },
  });
  const config = parseConfig({
    server: { host: "127.0.0.1", port: 0, log_level: "info" },
    token: { issuer: "http://127.0.0.1:1", keys_file: join(dir, "keys.json") },
    integrations: [
      {
        name: "fake",
        issuer: provider.issuer,
        audiences: [FAKE_AUDIENCE],
        user_claim: "preferred_username",
        access_tokens: {
          introspection: {
            client_id: provider.introspection.clientId,
            client_secret: provider.introspection.clientSecret,
          },
        },
      },
    ],
    databases: {
      system: { integration: "fake" },
      fake_db: { users: ["alice"] },
      admins_db: { groups: ["admins"] },
    },
  });
  const server = await startServer(config, { logger: createLogger("info", sink) });
  if (new URL(server.url).hostname !== "127.0.0.1") throw new Error("the soak runs on loopback only");

  const expiry = { exp: provider.nowSeconds() + 7200 };
  const json = (body: Record<string, unknown>) => JSON.stringify(body);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const templates: Template[] = [];
  for (let i = 0; i < 8; i++) {
    templates.push({
      kind: "valid",
      name: "id_token",
      body: json({ id_token: await provider.sign(expiry), database: "fake_db" }),
      status: 200,
    });
  }
  templates.push({
    kind: "valid",
    name: "access_token (at+jwt)",
    body: json({ access_token: await provider.sign(expiry, { typ: "at+jwt" }), database: "fake_db" }),
    status: 200,
  });
  const valid = await provider.sign(expiry);
  const hostile: [string, string, number, string?][] = [
    [
      "alg none",
      json({ id_token: `${b64({ alg: "none" })}.${b64({ iss: provider.issuer })}.`, database: "fake_db" }),
      401,
    ],
    ["foreign key", json({ id_token: await provider.signWithForeignKey(expiry), database: "fake_db" }), 401],
    [
      "unknown kid",
      json({
        id_token: await provider.signWithForeignKey(expiry, { kid: "soak-unknown" }),
        database: "fake_db",
      }),
      401,
    ],
    [
      "expired",
      json({
        id_token: await provider.sign({ iat: provider.nowSeconds() - 900, exp: provider.nowSeconds() - 600 }),
        database: "fake_db",
      }),
      401,
    ],
    [
      "unknown issuer",
      json({ id_token: await provider.sign({ iss: "http://127.0.0.1:1" }), database: "fake_db" }),
      401,
    ],
    [
      "opaque, inactive",
      json({ access_token: randomBytes(24).toString("base64url"), database: "fake_db" }),
      401,
    ],
    ["not granted", json({ id_token: valid, database: "admins_db" }), 403],
    ["malformed JSON", '{"id_token": ', 400],
    ["duplicate key", `{"id_token":"${valid}","database":"admins_db","database":"fake_db"}`, 400],
    ["text/plain", json({ id_token: valid, database: "fake_db" }), 415, "text/plain"],
    ["body over the cap", json({ id_token: valid, database: "fake_db", pad: "p".repeat(20_000) }), 413],
  ];
  for (const [name, body, status, contentType] of hostile) {
    templates.push({ kind: "hostile", name, body, status, contentType });
  }
  // Every token any request carries (JWS-shaped, or the opaque one), and the introspection secret.
  for (const t of templates) {
    for (const [token] of t.body.matchAll(/[\w-]{8,}\.[\w-]+\.[\w-]*|"access_token":"([\w-]+)"/g)) {
      fragments.push(...tokenFragments(token.startsWith('"') ? (token.split('"')[3] ?? "") : token));
    }
  }
  fragments.push(provider.introspection.clientSecret);

  const pool = new Pool(server.url, { connections });
  const counts = { requests: 0, valid: 0, hostile: 0, errors: 0, unexpected: 0, fiveXx: 0 };
  const byStatus = new Map<number, number>();
  const unexpected = new Map<string, number>();
  let deadline = Date.now() + WARM_UP_MS;
  let counting = false;

  async function loop(offset: number): Promise<void> {
    for (let i = offset; Date.now() < deadline; i++) {
      const t = templates[i % templates.length] as Template;
      try {
        const response = await pool.request({
          method: "POST",
          path: "/v1/sso_token",
          headers: { "content-type": t.contentType ?? "application/json" },
          body: t.body,
        });
        const text = await response.body.text();
        if (!counting) continue;
        counts.requests++;
        counts[t.kind]++;
        byStatus.set(response.statusCode, (byStatus.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode >= 500) counts.fiveXx++;
        const minted = text.includes('"id_token"');
        if (response.statusCode !== t.status || minted !== (t.kind === "valid")) {
          counts.unexpected++;
          const key = `${t.name} → ${response.statusCode}`;
          unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
        }
      } catch {
        if (counting) counts.errors++;
      }
    }
  }

  const log = (line: string) => process.stdout.write(`soak: ${line}\n`);
  log(`server ${server.url}, provider ${provider.issuer}, ${seconds} s, ${connections} connections`);
  log(
    `${templates.length} request kinds: ${templates.filter((t) => t.kind === "valid").length} valid, ${hostile.length} hostile`,
  );
  await Promise.all(Array.from({ length: connections }, (_, c) => loop(c)));
  const start = memory();
  log(`warm-up done (${WARM_UP_MS / 1000} s); memory at start: rss ${start.rss} MB, heap ${start.heap} MB`);

  counting = true;
  const started = Date.now();
  deadline = started + seconds * 1000;
  const progress = setInterval(() => {
    const { rss, heapUsed } = process.memoryUsage();
    log(
      `${Math.round((Date.now() - started) / 1000)} s: ${counts.requests} requests, rss ${mb(rss)} MB, heap ${mb(heapUsed)} MB`,
    );
  }, 10_000);
  await Promise.all(Array.from({ length: connections }, (_, c) => loop(c)));
  clearInterval(progress);
  const elapsed = (Date.now() - started) / 1000;
  await pool.close();
  await server.close();
  await provider.close();
  await rm(dir, { recursive: true, force: true });
  const end = memory();

  const statusLine = [...byStatus]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}: ${n}`)
    .join(", ");
  const growth = Math.round((end.heap - start.heap) * 10) / 10;
  log(
    `requests ${counts.requests} in ${elapsed.toFixed(1)} s (${Math.round(counts.requests / elapsed)}/s): valid ${counts.valid}, hostile ${counts.hostile}`,
  );
  log(`status counts: ${statusLine}`);
  log(`5xx: ${counts.fiveXx}`);
  log(
    `unexpected outcomes: ${counts.unexpected}${unexpected.size ? ` (${[...unexpected].map(([k, n]) => `${k}: ${n}`).join("; ")})` : ""}; connection errors: ${counts.errors}`,
  );
  log(
    `memory at end: rss ${end.rss} MB, heap ${end.heap} MB (heap growth ${growth} MB, bound ${HEAP_GROWTH_BOUND_MB} MB)`,
  );
  log(
    `log lines ${logLines}, error lines ${errorLines}, lines carrying one of ${fragments.length} token or secret fragments: ${leakingLines}`,
  );

  const failures = [
    counts.fiveXx > 0 && `${counts.fiveXx} answers were 5xx`,
    counts.unexpected > 0 && `${counts.unexpected} unexpected outcomes`,
    counts.errors > 0 && `${counts.errors} connection errors`,
    growth > HEAP_GROWTH_BOUND_MB && `heap grew ${growth} MB`,
    errorLines > 0 && `${errorLines} error log lines`,
    leakingLines > 0 && `${leakingLines} log lines carry a token or secret`,
    counts.requests === 0 && "no request was answered",
  ].filter(Boolean);
  log(failures.length === 0 ? "OK" : `FAILED: ${failures.join("; ")}`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
