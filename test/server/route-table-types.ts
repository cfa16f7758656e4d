/**
 * Compile-only (checked by `tsc --noEmit`): the route table and the handlers are tied to the generated
 * document, so a mismatch fails the build rather than the server's start.
 */
import type { OperationHandler, OperationTable } from "../../src/server/operations.js";
import { OPERATIONS } from "../../src/server/routes.js";

const { getMetrics: _dropped, ...withoutMetrics } = OPERATIONS;
// @ts-expect-error an operation of the served document without a handler
export const missing: OperationTable = withoutMetrics;

export const extra: OperationTable = {
  ...OPERATIONS,
  // @ts-expect-error a handler with no operation in the served document
  getNothing: OPERATIONS.getHealthz,
};

// @ts-expect-error a handler answering a body its operation does not document
export const wrongBody: OperationHandler<"getHealthz"> = () => ({ status: 200, body: { status: "fine" } });

// @ts-expect-error a handler answering a status its operation does not document
export const wrongStatus: OperationHandler<"getHealthz"> = () => ({ status: 201, body: { status: "ok" } });

export const exchangeTakesItsBody: OperationHandler<"postOcientHttpQueryApiSsoToken"> = (_ctx, body) => {
  // @ts-expect-error the request body is the operation's schema type: no such key
  void body.token;
  return {
    status: 200,
    body: { id_token: "t", database: body.database, expires_in: 1, token_type: "Bearer" },
  };
};
