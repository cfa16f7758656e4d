/** The operations of an OpenAPI document, and a digest of one that ignores key order and file encoding. */
import { createHash } from "node:crypto";
import { isObject, type JsonObject } from "./walk-schemas.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

export interface OperationAt {
  readonly path: string;
  readonly method: string;
  /** `POST /v1/sso_token` */
  readonly route: string;
  readonly operationId: string | undefined;
  readonly operation: JsonObject;
}

/** Every operation of `document`, in document order. */
export function operationsOf(document: JsonObject): OperationAt[] {
  const found: OperationAt[] = [];
  for (const [path, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const operationId = typeof operation.operationId === "string" ? operation.operationId : undefined;
      found.push({ path, method, route: `${method.toUpperCase()} ${path}`, operationId, operation });
    }
  }
  return found;
}

/** sha256 of the value's JSON with object keys sorted: the same for the same content, whatever its bytes. */
export function digest(value: unknown): string {
  return `sha256:${createHash("sha256").update(canonical(value)).digest("hex")}`;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
