/**
 * `ocient-sso exchange`: the typed client from a shell. Prints the minted token with its decoded
 * header and claims, or the service's error with its vendor_code and sql_state (exit 1). The subject
 * token is never printed; pass it through stdin or a file to keep it out of the process list.
 */
import { readFile } from "node:fs/promises";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { type ExchangeInput, SsoExchangeError } from "../../client/index.js";
import { CliError, type Command, helpOption, parse, UsageError } from "../command.js";
import { type Io, readAll } from "../io.js";
import { serviceClient, serviceOptions, serviceTarget } from "../service-flags.js";

const usage = `Usage: ocient-sso exchange --url URL --database DB
         (--id-token TOKEN | --access-token TOKEN | --token-file FILE --kind id|access) [--json]

Exchanges an OpenID Connect token for an Ocient access token scoped to DB, and prints it with
its decoded header and claims. TOKEN "-" (or FILE "-") reads the token from stdin, which keeps it
out of the process list and shell history.

Options:
  -u, --url URL              base URL of the service, e.g. http://127.0.0.1:8080
  -d, --database DB          the database the token is for
      --id-token TOKEN       exchange an id_token
      --access-token TOKEN   exchange an access token (JWT or opaque)
      --token-file FILE      read the token from FILE; needs --kind
      --kind id|access       what the token in --token-file is
      --json                 print one JSON object (errors too, on stderr)
  -h, --help                 show this help

Exit status: 0 minted, 1 refused or failed, 2 wrong usage.
`;

const options = {
  ...serviceOptions,
  "id-token": { type: "string" },
  "access-token": { type: "string" },
  "token-file": { type: "string" },
  kind: { type: "string" },
  json: { type: "boolean" },
} as const;

async function subjectToken(
  values: { "id-token"?: string; "access-token"?: string; "token-file"?: string; kind?: string },
  io: Io,
): Promise<{ kind: "id" | "access"; token: string }> {
  const given = (["id-token", "access-token", "token-file"] as const).filter((k) => values[k] !== undefined);
  if (given.length !== 1) {
    throw new UsageError("give exactly one of --id-token, --access-token, --token-file");
  }
  let kind: "id" | "access";
  let source: string;
  if (values["token-file"] !== undefined) {
    if (values.kind !== "id" && values.kind !== "access")
      throw new UsageError("--token-file needs --kind id|access");
    kind = values.kind;
    const file = values["token-file"];
    source =
      file === "-"
        ? await readAll(io.stdin)
        : await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
            throw new CliError(`cannot read ${file}: ${err.code ?? err.message}`);
          });
  } else {
    if (values.kind !== undefined) throw new UsageError("--kind applies to --token-file only");
    kind = values["id-token"] !== undefined ? "id" : "access";
    const value = (values["id-token"] ?? values["access-token"]) as string;
    source = value === "-" ? await readAll(io.stdin) : value;
  }
  const token = source.trim();
  if (!token) throw new CliError("the token is empty");
  return { kind, token };
}

/** fetch's own cause of a failed connection, e.g. " (ECONNREFUSED)"; never anything of the request. */
function networkCause(err: SsoExchangeError): string {
  const inner = (err.cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof inner === "string" ? ` (${inner})` : "";
}

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse({ args, options: { ...options, ...helpOption } });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const { url, database } = serviceTarget(values);
  const { kind, token } = await subjectToken(values, io);
  const client = serviceClient(url);
  const input: ExchangeInput =
    kind === "id" ? { database, idToken: token } : { database, accessToken: token };
  try {
    const result = await client.exchange(input);
    const header = decodeProtectedHeader(result.token);
    const claims = decodeJwt(result.token);
    if (values.json) {
      const out = {
        token: result.token,
        database: result.database,
        expires_in: result.expiresIn,
        token_type: result.tokenType,
        header,
        claims,
      };
      io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      io.stdout(
        [
          `token: ${result.token}`,
          `database: ${result.database}`,
          `expires_in: ${result.expiresIn}`,
          `token_type: ${result.tokenType}`,
          `header: ${JSON.stringify(header, null, 2)}`,
          `claims: ${JSON.stringify(claims, null, 2)}`,
          "",
        ].join("\n"),
      );
    }
    return 0;
  } catch (err) {
    if (!(err instanceof SsoExchangeError)) throw err;
    if (values.json) {
      const { code, httpStatus, vendorCode, sqlState, reason } = err;
      const out = {
        error: { code, http_status: httpStatus, vendor_code: vendorCode, sql_state: sqlState, reason },
      };
      io.stderr(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      const status = err.httpStatus === 0 ? `no response${networkCause(err)}` : `HTTP ${err.httpStatus}`;
      io.stderr(
        `exchange refused: ${err.reason}\n  ${status}, vendor_code ${err.vendorCode}, sql_state ${err.sqlState} (${err.code})\n`,
      );
    }
    return 1;
  }
}

export const exchange: Command = {
  name: "exchange",
  usage,
  run,
};
