/**
 * The browser flow: the authorization code grant at the database's provider, with PKCE S256, `state`
 * and `nonce` (OpenID Connect Core §3.1.2). `start` keeps what the callback needs in the state store
 * under a digest of `state`, and gives the caller a binding secret for a short-lived cookie, so a
 * callback from a browser that did not start the flow (login CSRF) is refused. `callback` takes the
 * state once, checks the binding and `iss` (RFC 9207, against mix-up), exchanges the code and verifies
 * the id_token as `/v1/sso_token` would, plus the nonce (ExchangeService.fromSignIn).
 */
import {
  AccessDenied,
  GrantRefused,
  InvalidRequest,
  SignInNotConfigured,
  SignInStateUnknown,
  UnknownIssuer,
} from "../errors.js";
import type { ExchangeFacts, ExchangeResult, ExchangeService } from "../exchange/exchange.js";
import { digest } from "../lib/digest.js";
import { parseEntry, type StateStore } from "../state/store.js";
import { allowedCallbackPath } from "./callback-path.js";
import { oauthErrorOf } from "./oauth-error.js";
import { allowedReturnUrl } from "./return-url.js";
import { digestMatches, randomSecret } from "./secrets.js";
import type { SignInClients } from "./sign-in-client.js";

/** How long a browser has from sso_authentication to the callback (ms). */
export const BROWSER_FLOW_TTL_MS = 600_000;
/** Longer values are no state or code of ours or any provider's. */
const MAX_PARAM_LENGTH = 2048;

export interface BrowserStart {
  /** The provider's authorization request. */
  url: string;
  /** The secret the binding cookie carries; only its digest is stored. */
  binding: string;
  /** The callback URL's path, which the binding cookie is limited to. */
  cookiePath: string;
  ttlSeconds: number;
}

export interface CallbackRequest {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  error_description?: string;
  /** The binding cookie's value, if the browser sent one. */
  binding?: string;
}

interface FlowState {
  integration: string;
  database: string;
  nonce: string;
  verifier: string;
  redirect_uri: string;
  binding: string;
  /** Where the browser goes after the callback (one of `server.return_urls`), when the start named one. */
  return_to?: string;
}

/** What a callback produced: the token, and where the browser returns when the start named a place. */
export type CallbackResult = ExchangeResult & { returnTo: string | undefined };

const UNKNOWN = "the sign-in state is unknown, expired or already used";

function stateKey(state: string): string {
  return `browser:${digest(state)}`;
}

export class BrowserFlow {
  constructor(
    private readonly exchange: ExchangeService,
    private readonly clients: SignInClients,
    private readonly store: StateStore,
    /** `server.public_url` (default `token.issuer`): the base of redirect_uri. */
    private readonly publicUrl: string,
    /** `server.return_urls`: the only places a sign-in may return to. */
    private readonly returnUrls: readonly string[] = [],
  ) {}

  async start(database: string, requestedPath: unknown, requestedReturn?: unknown): Promise<BrowserStart> {
    const returnTo = allowedReturnUrl(requestedReturn, this.returnUrls);
    const signIn = this.clients.forDatabase(database);
    const path = allowedCallbackPath(requestedPath, signIn.config.callback_paths);
    const { authorization } = await signIn.endpoints();
    if (authorization === undefined) {
      throw new SignInNotConfigured("the identity provider offers no authorization endpoint");
    }
    const redirectUri = `${this.publicUrl.replace(/\/+$/, "")}${path}`;
    const state = randomSecret();
    const nonce = randomSecret();
    const verifier = randomSecret();
    const binding = randomSecret();
    const flow: FlowState = {
      integration: signIn.integration.name,
      database,
      nonce,
      verifier,
      redirect_uri: redirectUri,
      binding: digest(binding),
      ...(returnTo === undefined ? {} : { return_to: returnTo }),
    };
    await this.store.put(stateKey(state), JSON.stringify(flow), BROWSER_FLOW_TTL_MS);
    const url = new URL(authorization);
    const params = {
      response_type: "code",
      client_id: signIn.config.client_id,
      redirect_uri: redirectUri,
      scope: signIn.config.scopes.join(" "),
      state,
      nonce,
      code_challenge: digest(verifier),
      code_challenge_method: "S256",
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return {
      url: url.href,
      binding,
      cookiePath: new URL(redirectUri).pathname,
      ttlSeconds: BROWSER_FLOW_TTL_MS / 1000,
    };
  }

  async callback(request: CallbackRequest, facts: ExchangeFacts = {}): Promise<CallbackResult> {
    const { state, code, iss, error, binding } = request;
    if (typeof state !== "string" || state === "" || state.length > MAX_PARAM_LENGTH) {
      throw new SignInStateUnknown(UNKNOWN);
    }
    // Taken before anything else is checked: whatever follows, this state never serves again.
    const flow = parseEntry<FlowState>(await this.store.take(stateKey(state)));
    if (flow === undefined) throw new SignInStateUnknown(UNKNOWN);
    if (binding === undefined || !digestMatches(binding, flow.binding)) {
      throw new SignInStateUnknown("this browser did not start this sign-in");
    }
    const integration = this.exchange.integrations.byName(flow.integration);
    const config = integration?.config.sign_in;
    if (integration === undefined || config === undefined) throw new SignInStateUnknown(UNKNOWN);
    facts.integration = integration.name;
    const signIn = this.clients.forIntegration(integration, config);
    const endpoints = await signIn.endpoints();
    // RFC 9207 §2.4: an `iss` other than the provider's, or none from a provider that promises one.
    if ((iss !== undefined || endpoints.issInResponse) && iss !== integration.config.issuer) {
      throw new UnknownIssuer(
        "the authorization response does not come from the provider the sign-in went to",
      );
    }
    if (error !== undefined) {
      throw new AccessDenied("the sign-in was refused at the identity provider", {
        cause: oauthErrorOf({ error, error_description: request.error_description }),
      });
    }
    if (typeof code !== "string" || code === "" || code.length > MAX_PARAM_LENGTH) {
      throw new InvalidRequest("the callback has no authorization code");
    }
    const answer = await signIn.token(
      new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: flow.redirect_uri,
        code_verifier: flow.verifier,
      }),
    );
    if (answer.kind !== "tokens")
      throw new GrantRefused("the identity provider refused the authorization code", { cause: answer.cause });
    const result = await this.exchange.fromSignIn(
      { idToken: answer.idToken, integration, nonce: flow.nonce, clientId: config.client_id },
      flow.database,
      facts,
    );
    return { ...result, returnTo: flow.return_to };
  }
}
