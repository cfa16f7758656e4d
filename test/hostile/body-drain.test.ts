/**
 * A body the server refuses, or one sent to a route that takes none, is not read to its end: the server
 * answers, says `Connection: close`, reads at most a small bounded amount more (so the client, still
 * sending, receives the answer rather than a reset) and closes the connection. Each case streams as fast
 * as the socket takes it and counts what the server's socket actually read.
 */
import type { Socket } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, mintedToken, startHarness } from "../support/harness.js";
import { rememberToken } from "../support/log-collector.js";

/** More than the server may read of a refused body; far less than the stream would carry unchecked. */
const MAX_SERVER_READ = 1024 * 1024;
/** How long the client keeps streaming when the server does not close: the test fails then. */
const GIVE_UP_MS = 5000;
const GIB = 1024 * 1024 * 1024;

let h: Harness;
/** The server side of every connection, by the client's local port. */
const serverSockets = new Map<number, Socket>();

const trackServerSocket = (socket: Socket) => {
  serverSockets.set(socket.remotePort as number, socket);
};

beforeAll(async () => {
  h = await startHarness();
  h.server.server.on("connection", trackServerSocket);
});
afterAll(async () => {
  await h?.close();
});

interface Streamed {
  /** The answer's status line and headers. */
  head: string;
  status: number;
  /** The server ended or reset the connection before the client gave up. */
  closedByServer: boolean;
  /** Bytes the server's socket read in all. */
  serverRead: number;
}

/** Sends `head`, then streams `chunk` until the server closes the connection or GIVE_UP_MS pass. */
function stream(url: string, head: string, chunk: Buffer): Promise<Streamed> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let closedByServer = false;
    let done = false;
    let localPort = 0;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(giveUp);
      socket.destroy();
      const server = serverSockets.get(localPort);
      const text = Buffer.concat(received).toString("latin1");
      const answerHead = text.split("\r\n\r\n", 1)[0] ?? "";
      // The server's socket is closed by now, or is closed when the client's side goes.
      const read = () =>
        resolve({
          head: answerHead,
          status: Number(answerHead.split(" ")[1]),
          closedByServer,
          serverRead: server?.bytesRead ?? -1,
        });
      if (!server || server.destroyed) read();
      else server.once("close", read);
    };
    const giveUp = setTimeout(finish, GIVE_UP_MS);
    socket.on("data", (c: Buffer) => received.push(c));
    const serverClosed = () => {
      closedByServer = true;
      finish();
    };
    socket.on("end", serverClosed);
    socket.on("error", serverClosed);
    socket.on("connect", () => {
      localPort = socket.localPort as number;
      socket.write(head);
      const pump = () => {
        while (!done && socket.writable) {
          if (!socket.write(chunk)) {
            socket.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
  });
}

const CHUNK = Buffer.alloc(64 * 1024, "a");
/** The same bytes as one chunk of a chunked body. */
const CHUNKED = Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from("\r\n")]);

const request = (method: string, path: string, framing: string, contentType = "application/json") =>
  [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", `Content-Type: ${contentType}`, framing, "", ""].join(
    "\r\n",
  );

function expectStoppedEarly(result: Streamed, status: number): void {
  expect(result.status, result.head).toBe(status);
  expect(result.head.toLowerCase()).toContain("\r\nconnection: close");
  expect(result.closedByServer, "the server closed the connection").toBe(true);
  expect(result.serverRead).toBeGreaterThan(0);
  expect(result.serverRead).toBeLessThan(MAX_SERVER_READ);
}

describe("refused bodies are not read to the end", () => {
  it("413 for a declared Content-Length of 1 GiB", async () => {
    const result = await stream(h.url, request("POST", "/v1/sso_token", `Content-Length: ${GIB}`), CHUNK);
    expectStoppedEarly(result, 413);
  });

  it("413 for a chunked body that grows past max_body_bytes", async () => {
    const result = await stream(
      h.url,
      request("POST", "/v1/sso_token", "Transfer-Encoding: chunked"),
      CHUNKED,
    );
    expectStoppedEarly(result, 413);
  });

  it("415 for a body of another media type", async () => {
    const result = await stream(
      h.url,
      request("POST", "/v1/sso_token", `Content-Length: ${GIB}`, "application/octet-stream"),
      CHUNK,
    );
    expectStoppedEarly(result, 415);
  });

  it("405 for a body sent to a route that takes none", async () => {
    const result = await stream(h.url, request("POST", "/healthz", `Content-Length: ${GIB}`), CHUNK);
    expectStoppedEarly(result, 405);
  });

  it("200 for GET /healthz with a body it never reads", async () => {
    const result = await stream(h.url, request("GET", "/healthz", `Content-Length: ${GIB}`), CHUNK);
    expectStoppedEarly(result, 200);
  });
});

describe("with a rate limit", () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await startHarness({
      provider: h.provider,
      server: { rate_limit: { requests_per_second: 0.001, burst: 1 } },
    });
    limited.server.server.on("connection", trackServerSocket);
  });
  afterAll(async () => {
    await limited?.close();
  });

  it("429 once the client's limit is spent", async () => {
    const { id_token } = await h.provider.issueTokens("alice");
    rememberToken(id_token);
    const first = await limited.post({ id_token, database: "retail_analytics" });
    expect(first.status, first.text).toBe(200);
    rememberToken(mintedToken(first));
    const result = await stream(
      limited.url,
      request("POST", "/v1/sso_token", `Content-Length: ${GIB}`),
      CHUNK,
    );
    expectStoppedEarly(result, 429);
  });
});
