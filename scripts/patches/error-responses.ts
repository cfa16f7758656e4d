/**
 * The error responses of every served published operation, generated from the errors module's table
 * (src/errors.ts): each code lists the operations that answer it.
 */
import { ERRORS } from "../../src/errors.js";
import { errorResponses as errorResponsesOf, operationErrors } from "../lib/error-table.js";
import { applyOverrides, matching, nothing, type Override, type Patch } from "../lib/patch.js";
import { isObject } from "../lib/walk-schemas.js";
import type { ServedOperations } from "./operations.js";

const OCIENT_STATUS_REF = "#/components/schemas/OcientStatus";

export function errorResponses(served: ServedOperations): Patch {
  return {
    name: "error-responses",
    why:
      "The published operations document only their successes. Clients need the error statuses and their " +
      "Ocient-shaped body (`OcientStatus`, defined in openapi/service.yaml) with the vendor codes of the " +
      "service's error table (src/errors.ts, from which they are generated); 401 carries `WWW-Authenticate`, " +
      "429 and 503 carry `Retry-After`. If upstream starts documenting any of these statuses, generation " +
      "stops so the two descriptions can be reconciled.",
    after: ["not-served-operations"],
    apply(document, context) {
      const overrides: Override[] = [];
      const fixed: string[] = [];
      for (const [operationId, route] of Object.entries(served)) {
        const [method = "", path = ""] = route.split(" ");
        const at = ["paths", path, method.toLowerCase()];
        const codes = operationErrors(operationId);
        const added = errorResponsesOf(codes, OCIENT_STATUS_REF);
        overrides.push({
          at,
          upstream: matching(`the ${route} operation`, isObject),
          served: undefined,
        });
        for (const [status, response] of Object.entries(added)) {
          overrides.push({
            at: [...at, "responses", status],
            upstream: nothing,
            served: response,
            remedy: `upstream now documents ${status} for ${route}: reconcile it with src/errors.ts, then drop this status from the patch or widen it`,
          });
          const vendorCodes = [
            ...new Set(
              codes.filter((c) => String(ERRORS[c].status) === status).map((c) => ERRORS[c].vendorCode),
            ),
          ];
          const headers = isObject(response.headers) ? ` + ${Object.keys(response.headers).join(", ")}` : "";
          fixed.push(`${route}: added ${status} (vendor_code ${vendorCodes.join(", ")})${headers}`);
        }
      }
      // The operation guards only check; the status overrides edit.
      const edits = overrides.filter((o) => o.served !== undefined);
      if (!context.check(document, overrides)) return [];
      applyOverrides(document, edits);
      return fixed;
    },
  };
}
