/**
 * Which upstream operations the service serves. Every operation of the published document is either
 * served (a handler exists: the server's handler table is keyed by the generated operation ids, so `tsc`
 * fails when one lacks a handler) or listed as not served, with its reason. One that is neither, or a
 * listed one that upstream no longer has, is a finding naming it.
 */

import { type OperationAt, operationsOf } from "../lib/operations.js";
import type { Finding, Patch } from "../lib/patch.js";
import type { JsonObject } from "../lib/walk-schemas.js";
import { isObject } from "../lib/walk-schemas.js";

/** operationId → its route (`POST /v1/sso_token`), as upstream publishes it. */
export type ServedOperations = Readonly<Record<string, string>>;
/** operationId → its route and why it is not served. */
export type NotServedOperations = Readonly<
  Record<string, { readonly route: string; readonly reason: string }>
>;

export type Classification =
  | { readonly kind: "served"; readonly op: OperationAt }
  | { readonly kind: "not served"; readonly op: OperationAt; readonly reason: string }
  | { readonly kind: "unclassified"; readonly op: OperationAt };

const WHERE = "SERVED_OPERATIONS or NOT_SERVED_OPERATIONS in scripts/fix-spec.ts";

/** Every upstream operation with its class, and the findings of the classification. */
export function classify(
  document: JsonObject,
  served: ServedOperations,
  notServed: NotServedOperations,
  patch = "not-served-operations",
): { classes: Classification[]; findings: Finding[] } {
  const ops = operationsOf(document);
  const findings: Finding[] = [];
  const fail = (at: string, says: string, expected: string, remedy: string) =>
    findings.push({ patch, at, says, expected, remedy });
  const listedAt = (route: string) =>
    [
      ...Object.entries(served).filter(([, r]) => r === route),
      ...Object.entries(notServed).filter(([, entry]) => entry.route === route),
    ].map(([id]) => id);
  // An operationId names one operation (OpenAPI); two with one id are upstream's mistake, not a move.
  const duplicated = new Set<string>();
  for (const id of new Set(ops.map((op) => op.operationId))) {
    const routes = ops.filter((op) => id !== undefined && op.operationId === id).map((op) => op.route);
    if (id === undefined || routes.length < 2) continue;
    duplicated.add(id);
    fail(
      routes.join(", "),
      `operationId ${id} names ${routes.length} operations: ${routes.join(", ")}`,
      "each operationId naming one operation",
      `ask upstream which operation ${id} is; until then, pin the published files of the last release (git checkout openapi/)`,
    );
  }
  const classes = ops.map((op): Classification => {
    const id = op.operationId ?? "";
    const isServed = Object.hasOwn(served, id);
    const listed = Object.hasOwn(notServed, id) ? notServed[id] : undefined;
    if (isServed && listed) {
      fail(
        op.route,
        `${id} is both served and listed as not served`,
        "one of the two",
        `remove it from one list in ${WHERE}`,
      );
    }
    const route = isServed ? served[id] : listed?.route;
    if (route !== undefined && route !== op.route && !duplicated.has(id)) {
      fail(
        op.route,
        `${id} at ${op.route}`,
        `${id} at ${route}`,
        `upstream moved ${id}: update its route in ${WHERE} (and the handler, if served)`,
      );
    }
    if (isServed) return { kind: "served", op };
    if (listed) return { kind: "not served", op, reason: listed.reason };
    const before = listedAt(op.route).filter((other) => !ops.some((o) => o.operationId === other));
    fail(
      op.route,
      op.operationId === undefined
        ? "an operation without operationId"
        : `operation ${id}, neither served nor listed`,
      `every operation served or listed as not served (${WHERE})`,
      before.length > 0
        ? `upstream renamed ${before.join(", ")} to ${id}: rename it in ${WHERE}, and in the server's handler table if served`
        : `write a handler and add ${id} to SERVED_OPERATIONS, or list it in NOT_SERVED_OPERATIONS with its reason (surface.md)`,
    );
    return { kind: "unclassified", op };
  });
  const known = new Set(ops.map((op) => op.operationId));
  for (const [id, route] of [
    ...Object.entries(served),
    ...Object.entries(notServed).map(([id, { route }]) => [id, route] as const),
  ]) {
    if (known.has(id)) continue;
    const now = ops.find((op) => op.route === route);
    fail(
      route,
      now ? `${route} is now ${now.operationId ?? "an operation without operationId"}` : `no operation ${id}`,
      `operation ${id} at ${route}`,
      now
        ? `upstream renamed ${id} to ${now.operationId}: rename it in ${WHERE}, and in the server's handler table if served`
        : `upstream dropped ${id}: remove it from ${WHERE} (and its handler, if served)`,
    );
  }
  return { classes, findings };
}

export function notServedOperations(served: ServedOperations, notServed: NotServedOperations): Patch {
  return {
    name: "not-served-operations",
    why:
      "The published document describes Ocient's whole HTTP Query API; this service serves its SSO operations " +
      "only (surface.md). The operations listed in NOT_SERVED_OPERATIONS, each with its reason, are removed, " +
      "so they answer 404 like any unknown route; the served document holds exactly the served operations. " +
      "An operation upstream adds later that is neither served nor listed fails generation, naming it.",
    apply(document, context) {
      const { classes, findings } = classify(document, served, notServed, this.name);
      for (const { at, says, expected, remedy } of findings) context.fail(at, says, expected, remedy);
      if (findings.length > 0) return [];
      const fixed: string[] = [];
      const paths = document.paths as JsonObject;
      for (const entry of classes) {
        if (entry.kind !== "not served") continue;
        const item = paths[entry.op.path] as JsonObject;
        delete item[entry.op.method];
        if (!Object.keys(item).some((key) => isObject(item[key]) && key !== "parameters")) {
          delete paths[entry.op.path];
        }
        fixed.push(entry.op.route);
      }
      return fixed.length > 0 ? [`removed ${fixed.length} operations not served: ${fixed.join(", ")}`] : [];
    },
  };
}
