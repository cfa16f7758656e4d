/**
 * Reads a JSON request body under a size cap. Written here rather than taken from a body parser
 * because the contract needs exact answers: 415 for other media types, 413 before reading past the
 * cap, 400 with a plain reason for malformed JSON.
 */
import type { IncomingMessage } from "node:http";
import { InvalidRequest, PayloadTooLarge, UnsupportedMediaType } from "../errors.js";
import { readCapped } from "../lib/read-capped.js";
import { findDuplicateKey } from "./duplicate-keys.js";

export function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(";", 1)[0]?.trim().toLowerCase();
  // Only what the served document describes; `application/*+json` is no media range it could name.
  return type === "application/json";
}

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!isJsonMediaType(req.headers["content-type"])) {
    throw new UnsupportedMediaType("the request body must be application/json");
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new PayloadTooLarge(`the request body is larger than ${maxBytes} bytes`);
  }
  const text = await readText(req, maxBytes);
  // What a client sends for a null or missing body: not malformed JSON, no JSON at all.
  if (text.trim() === "") throw new InvalidRequest("the request body is empty: send a JSON object");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidRequest("the request body is not valid JSON");
  }
  if (findDuplicateKey(text) !== undefined) throw new InvalidRequest("the request body repeats a key");
  return body;
}

/**
 * The body as UTF-8 text (lib/read-capped.ts). Over the cap: 413, and the rest is left unread. Cut off
 * before its end (the client left, or the request timeout destroyed it): 400, as the client's fault.
 */
export async function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  let body: Buffer | undefined;
  try {
    body = await readCapped(req, maxBytes, "the request body ended early");
  } catch (cause) {
    throw new InvalidRequest("the request body was not received in full", { cause });
  }
  // The rest is not read: unread-body.ts answers with Connection: close.
  if (body === undefined) throw new PayloadTooLarge(`the request body is larger than ${maxBytes} bytes`);
  return body.toString("utf8");
}
