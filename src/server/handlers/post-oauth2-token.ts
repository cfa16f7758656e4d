/**
 * `POST /oauth2/token` (postOauth2Token): RFC 8693 token exchange, the second door of the exchange core.
 * It maps the form onto the very request `POST /v1/sso_token` takes and answers in RFC 8693 §2.2.1's
 * shape; errors are rendered by renderFailure (error-handler.ts) the OAuth way (oauth-error.ts).
 */
import { InvalidRequest, InvalidTarget, UnsupportedGrantType } from "../../errors.js";
import type { ExchangeRequest } from "../../exchange/exchange.js";
import type { OperationHandler, RequestBody } from "../operations.js";
import type { HandlerDeps } from "./types.js";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const TOKEN_TYPE = "urn:ietf:params:oauth:token-type:";
const ISSUED = `${TOKEN_TYPE}access_token`;
const REQUESTABLE = new Set([ISSUED, `${TOKEN_TYPE}jwt`]);

/** The /v1/sso_token request a token-exchange form stands for. */
function exchangeRequestOf(form: RequestBody<"postOauth2Token">): ExchangeRequest {
  if (form.grant_type !== TOKEN_EXCHANGE)
    throw new UnsupportedGrantType(`grant_type must be ${TOKEN_EXCHANGE}`);
  if (form.resource !== undefined)
    throw new InvalidTarget("resource is not taken: name the database by audience");
  const database = form.audience;
  if (database === undefined) throw new InvalidRequest("audience is required: the database to open");
  if (form.requested_token_type !== undefined && !REQUESTABLE.has(form.requested_token_type))
    throw new InvalidRequest("requested_token_type must be access_token or jwt");
  if ((form as Record<string, unknown>).actor_token !== undefined)
    throw new InvalidRequest("actor_token is not supported: no delegation");
  // RFC 8725 §3.12: `jwt` is verified as an id_token is, which refuses a token typed at+jwt.
  return form.subject_token_type === `${TOKEN_TYPE}access_token`
    ? { database, access_token: form.subject_token }
    : { database, id_token: form.subject_token };
}

export function postOauth2Token({ service }: HandlerDeps): OperationHandler<"postOauth2Token"> {
  return async function postOauth2Token(ctx, form) {
    const result = await service.current.exchange.fromSubjectToken(exchangeRequestOf(form), ctx.state.audit);
    ctx.set("cache-control", "no-store");
    ctx.set("pragma", "no-cache");
    return {
      status: 200,
      body: {
        access_token: result.token,
        issued_token_type: ISSUED,
        token_type: "Bearer",
        expires_in: result.expiresIn,
      },
    };
  };
}
