/**
 * One call through openapi-fetch, with every failure as an SsoExchangeError naming the operation: no
 * answer, a body that is not JSON, a redirect (never followed), an error answer.
 */
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
