/**
 * Slow and idle clients against the real server with short timeouts: headers that never end (slow
 * loris), a body that trickles, an idle keep-alive connection, headers too large. The server closes
 * each of them itself, keeps answering valid exchanges meanwhile, and logs no error for them.
 */
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_AUDIENCE, type FakeProvider, startFakeProvider } from "../support/fake-provider.js";
import { type Harness, startHarness } from "../support/harness.js";
import { leakedLines } from "../support/log-collector.js";

const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1000;
const KEEP_ALIVE_TIMEOUT_MS = 300;
/** Node checks the header and request timeouts every second (serve.ts). */
const CHECK_INTERVAL_MS = 1000;
const MARGIN_MS = 1500;
const LORIS_SOCKETS = 100;

let h: Harness;
let fake: FakeProvider;
let port: number;

beforeAll(async () => {
  fake = await startFakeProvider();
  h = await startHarness({
    server: {
      headers_timeout_ms: HEADERS_TIMEOUT_MS,
      request_timeout_ms: REQUEST_TIMEOUT_MS,
      keep_alive_timeout_ms: KEEP_ALIVE_TIMEOUT_MS,
    },
    integrations: [{ name: "fake", issuer: fake.issuer, audiences: [FAKE_AUDIENCE] }],
    databases: { fake_db: { integration: "fake", users: ["alice"] } },
  });
  port = Number(new URL(h.url).port);
});

afterAll(async () => {
  await h?.close();
  await fake?.close();
});

interface ClientSocket {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves with the ms from `since` to the server closing the socket (never closed by us). */
  closed: Promise<number>;
}

async function open(since = performance.now()): Promise<ClientSocket> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let data = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => {
    data += chunk;
  });
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) =>
    socket.once("close", () => resolve(performance.now() - since)),
  );
  return { socket, received: () => data, closed };
}

/** Writes one byte every `everyMs` until the socket closes or `max` bytes went out. */
async function drip(socket: Socket, text: string, everyMs: number): Promise<number> {
  let sent = 0;
  for (const ch of text) {
    if (socket.destroyed || socket.writableEnded) break;
    socket.write(ch);
    sent++;
    await sleep(everyMs);
  }
  return sent;
}

async function validExchange(): Promise<number> {
  const response = await h.post({ id_token: await fake.sign(), database: "fake_db" });
  return response.status;
}

describe("slow and idle clients", () => {
  it(`${LORIS_SOCKETS} slow-loris clients are cut off at the headers timeout while valid exchanges go on`, async () => {
    const started = performance.now();
    const clients = await Promise.all(Array.from({ length: LORIS_SOCKETS }, () => open(started)));
    // 200 header bytes at one per 50 ms would take 10 s; the server must not wait for them.
    const header = `POST /v1/sso_token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${"a".repeat(160)}`;
    const drips = clients.map((c) => drip(c.socket, header, 50));
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await validExchange());
    expect(statuses).toEqual(Array(10).fill(200));

    const closedAfter = await Promise.all(clients.map((c) => c.closed));
    const sent = await Promise.all(drips);
    for (const ms of closedAfter) expect(ms).toBeLessThan(HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + MARGIN_MS);
    // Cut off by the server, long before the client had sent its headers.
    for (const n of sent) expect(n).toBeLessThan(header.length);
    for (const c of clients) expect(c.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(await validExchange()).toBe(200);
  });

  it("a body that trickles is cut off at the request timeout", async () => {
    const token = await fake.sign();
    const body = JSON.stringify({ id_token: token, database: "fake_db" });
    const started = performance.now();
    const client = await open(started);
    client.socket.write(
      `POST /v1/sso_token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    // One byte per 50 ms: the whole body would take about a minute.
    const sent = drip(client.socket, body, 50);
    const ms = await client.closed;
    expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + MARGIN_MS);
    expect(await sent).toBeLessThan(body.length);
    expect(client.received()).not.toContain('"id_token"');
    expect(await validExchange()).toBe(200);
  });

  it("an idle keep-alive connection is closed at the keep-alive timeout", async () => {
    const body = JSON.stringify({ id_token: await fake.sign(), database: "fake_db" });
    const client = await open();
    client.socket.write(
      `POST /v1/sso_token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    for (let i = 0; i < 100 && !client.received().includes('"token_type"'); i++) await sleep(20);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    const idleSince = performance.now();
    await client.closed;
    expect(performance.now() - idleSince).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + MARGIN_MS);
  });

  it("headers over the size limit are answered 431 and the connection closed", async () => {
    const client = await open();
    client.socket.write(
      `POST /v1/sso_token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"b".repeat(64 * 1024)}\r\nContent-Length: 0\r\n\r\n`,
    );
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 431 /);
    expect(await validExchange()).toBe(200);
  });

  it("logged no error and no token for any of it", () => {
    const lines = h.logs.map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(leakedLines()).toEqual([]);
  });
});
