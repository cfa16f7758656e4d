/**
 * Compile-only (checked by `tsc --noEmit`): the error table names operations by the generated
 * document's operation ids, so a renamed or removed operation fails the build.
 */
import type { ErrorEntry } from "../../src/errors.js";

const row = { status: 400, vendorCode: -1254, sqlState: "08004", description: "d", example: "e" } as const;

export const known: ErrorEntry = { ...row, operations: ["postOcientHttpQueryApiSsoToken"] };

// @ts-expect-error an operation the served document does not have
export const unknown: ErrorEntry = { ...row, operations: ["postOcientHttpQueryApiNoSuchOperation"] };
