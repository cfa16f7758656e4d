/**
 * Requests Node's HTTP parser refuses before Koa sees them. Node 24 stops parsing at `maxHeadersCount`
 * header lines (HPE_HEADER_OVERFLOW, as every Node does past `maxHeaderSize` bytes), and its own answer is
 * a bare 431 without a body; this answers the error table's 431 instead, the body refuseManyHeaderLines()
 * gives on Node 20. A listener replaces Node's default answers, so the others are Node's own, kept as
 * they were.
 */
import type { Server } from "node:http";
import { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { RequestHeaderFieldsTooLarge, renderError } from "../errors.js";
import { MAX_HEADER_LINES } from "./header-limit.js";

const NODE_ANSWERS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
};

function headerOverflowAnswer(): string {
  const error = new RequestHeaderFieldsTooLarge(
    `the request has ${MAX_HEADER_LINES} or more header lines, or too many bytes of headers`,
  );
  const body = JSON.stringify(renderError(error));
  return [
    "HTTP/1.1 431 Request Header Fields Too Large",
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Cache-Control: no-store",
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

export function answerClientErrors(server: Server): void {
  const overflow = headerOverflowAnswer();
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node does: answer only a socket that has not been written to (no answer half sent).
    if (socket.writable && (!(socket instanceof Socket) || socket.bytesWritten === 0)) {
      const code = err.code ?? "";
      socket.write(
        code === "HPE_HEADER_OVERFLOW"
          ? overflow
          : `HTTP/1.1 ${NODE_ANSWERS[code] ?? "400 Bad Request"}\r\nConnection: close\r\n\r\n`,
      );
    }
    socket.destroy(err);
  });
}
