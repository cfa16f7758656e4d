/**
 * One call through openapi-fetch, with every failure as an SsoExchangeError naming the operation: no
 * answer, a body that is not JSON, a redirect (never followed), an error answer.
 */
import type { RefreshResult } from "./create-client.js";
import { badResponse, errorFromResponse, networkError, type SsoOperation } from "./exchange-error.js";

/** What openapi-fetch's methods take to watch the response: one middleware. */
export interface Watch {
  onResponse(arg: { response: Response }): void;
}

/** A 3xx as Node's fetch gives it with `redirect: "manual"`, or a browser's opaque redirect (status 0). */
function isRedirect(response: Response): boolean {
  return response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400);
}

export async function call<T>(
  operation: SsoOperation,
  send: (watch: Watch) => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ data: T | undefined; response: Response }> {
  // Remembers whether an answer arrived, to tell "no answer" from "an answer that is not JSON".
  let answered: Response | undefined;
  const watch = {
    onResponse({ response }: { response: Response }) {
      answered = response;
    },
  };
  const { data, error, response } = await send(watch).catch((err: unknown) => {
    throw answered
      ? badResponse(operation, answered, "the service answered a body that is not JSON", err)
      : networkError(operation, err);
  });
  if (isRedirect(response)) {
    throw badResponse(
      operation,
      response,
      "the service answered with a redirect, which this client does not follow: the token was sent nowhere else",
    );
  }
  if (error !== undefined || !response.ok) throw errorFromResponse(operation, response, error);
  return { data, response };
}

/** The fields of a session's token answer (token_refresh, the device grant's verify), as sent. */
interface SessionAnswer {
  access_token?: unknown;
  username?: unknown;
  database?: unknown;
  expires_in?: unknown;
}

/** A session's token answer as the client returns it; `missing` says what a 2xx without one lacked. */
export function sessionToken(
  operation: SsoOperation,
  data: SessionAnswer | undefined,
  response: Response,
  missing: string,
): RefreshResult {
  if (
    !data ||
    typeof data.access_token !== "string" ||
    typeof data.username !== "string" ||
    typeof data.database !== "string" ||
    typeof data.expires_in !== "number"
  ) {
    throw badResponse(operation, response, `the service answered 2xx without ${missing}`);
  }
  return {
    token: data.access_token,
    username: data.username,
    database: data.database,
    expiresIn: data.expires_in,
    tokenType: "Bearer",
  };
}
