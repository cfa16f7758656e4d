/**
 * Everything generated from the errors module's table (`ERRORS` in src/errors.ts): an operation's error
 * responses in the served document, the typed client's code names (`generated/error-codes.ts`) and the
 * error reference, docs/errors.md.
 */
import { STATUS_CODES } from "node:http";
import {
  ERROR_HEADERS,
  ERRORS,
  type ErrorEntry,
  type ErrorHeader,
  type SsoErrorCode,
} from "../../src/errors.js";
import type { JsonObject } from "./walk-schemas.js";

const TABLE: Readonly<Record<SsoErrorCode, ErrorEntry>> = ERRORS;
const CODES = Object.keys(ERRORS) as SsoErrorCode[];

/** The codes an operation answers with, as its documented error responses. */
export function operationErrors(operationId: string): SsoErrorCode[] {
  return CODES.filter((code) => TABLE[code].operations.some((id) => id === operationId));
}

/** The responses of `codes`, by HTTP status in ascending order, each with the Ocient-shaped body. */
export function errorResponses(codes: readonly SsoErrorCode[], bodyRef: string): Record<string, JsonObject> {
  const byStatus = new Map<number, SsoErrorCode[]>();
  for (const code of codes) {
    const { status } = TABLE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonObject> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const group = byStatus.get(status) ?? [];
    const headers = [...new Set(group.flatMap((code) => TABLE[code].headers ?? []))];
    const cases = group.map((code) => {
      const { vendorCode, description } = TABLE[code];
      return `- vendor_code ${vendorCode} (\`${code}\`): ${description}.`;
    });
    responses[String(status)] = {
      description: `${STATUS_CODES[status] ?? "Error"}.\n\n${cases.join("\n")}`,
      ...(headers.length > 0 && {
        headers: Object.fromEntries(headers.map((name) => [name, headerObject(name)])),
      }),
      content: {
        "application/json": {
          schema: { $ref: bodyRef },
          examples: Object.fromEntries(
            group.map((code) => {
              const { vendorCode, sqlState, example } = TABLE[code];
              return [
                code,
                {
                  summary: code,
                  value: { status: { reason: example, sql_state: sqlState, vendor_code: vendorCode } },
                },
              ];
            }),
          ),
        },
      },
    };
  }
  return responses;
}

function headerObject(name: ErrorHeader): JsonObject {
  const { description, schema, example } = ERROR_HEADERS[name];
  return { description, required: true, schema: structuredClone(schema), example };
}

/** `generated/error-codes.ts`: the service's codes, by vendor_code, for the client (which imports no server code). */
export function renderErrorCodes(header: string): string {
  const byVendorCode = new Map<number, SsoErrorCode>();
  for (const code of CODES) {
    const { vendorCode } = TABLE[code];
    if (!byVendorCode.has(vendorCode)) byVendorCode.set(vendorCode, code);
  }
  const entries = [...byVendorCode]
    .sort(([a], [b]) => b - a)
    .map(([vendorCode, code]) => `  "${vendorCode}": "${code}",`);
  return `// ${header}

/** Every stable code the service answers with (src/errors.ts). */
export type ServiceErrorCode =
${CODES.map((code) => `  | "${code}"`).join("\n")};

/** The service's code of each vendor_code; codes that share one (-1254) are named by the first in the table. */
export const SERVICE_ERROR_CODES: Readonly<Record<string, ServiceErrorCode>> = {
${entries.join("\n")}
};
`;
}

/** The error table: one row per code. */
export function errorTable(): string {
  const rows = CODES.map((code) => {
    const { status, vendorCode, sqlState, headers = [], description } = TABLE[code];
    const http = [String(status), ...headers.map((name) => `\`${name}\``)].join(" + ");
    return `| ${description.replaceAll("|", "\\|")} | ${http} | ${vendorCode} | ${sqlState} | \`${code}\` |`;
  });
  return ["| case | HTTP | vendor_code | sql_state | code |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** The whole of docs/errors.md: how an error looks, then one row per code. */
export function renderErrorsDoc(header: string): string {
  return `<!-- ${header} -->
# Errors

Every error has an HTTP status and an Ocient-shaped body that Ocient clients already read:
\`{"status": {"reason": "…", "sql_state": "…", "vendor_code": -1234}}\`. The reason is written for people and never
contains token contents. Every 401 carries \`WWW-Authenticate: Bearer error="invalid_token"\`, except a refresh without any
bearer token, which gets \`WWW-Authenticate: Bearer\` (RFC 6750 §3.1: no error code when no credentials came). 429 and 503
carry \`Retry-After\`.

${errorTable()}
`;
}
