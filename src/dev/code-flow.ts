// DEVELOPMENT ONLY: drives the embedded provider's authorization code flow for a demo account.
import { randomUUID } from "node:crypto";

export interface IssuedTokens {
  id_token: string;
  access_token: string;
  expires_in: number;
}

export interface GrantClient {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/**
 * The authorization code flow as a browser would run it: /auth, the login and consent forms of the
 * development interactions (with their cookies), then the code at /token with client_secret_basic.
 */
export async function codeFlow(
  client: GrantClient,
  accountId: string,
  request: { scope: string; resource?: string },
): Promise<IssuedTokens> {
  const params = new URLSearchParams({
    client_id: client.clientId,
    response_type: "code",
    redirect_uri: client.redirectUri,
    scope: request.scope,
    state: randomUUID(),
    nonce: randomUUID(),
    login_hint: accountId,
  });
  if (request.resource !== undefined) params.set("resource", request.resource);

  const browser = new CookieBrowser();
  let response = await browser.fetch(`${client.authorizationEndpoint}?${params}`);
  let code: string | undefined;
  for (let step = 0; step < 10 && code === undefined; step++) {
    const location = response.headers.get("location");
    if (location !== null) {
      await response.body?.cancel();
      const target = new URL(location, response.url);
      if (`${target.origin}${target.pathname}` === client.redirectUri) {
        const error = target.searchParams.get("error");
        if (error !== null)
          throw new Error(
            `authorization failed: ${error} ${target.searchParams.get("error_description") ?? ""}`,
          );
        code = target.searchParams.get("code") ?? undefined;
        break;
      }
      response = await browser.fetch(target.href);
      continue;
    }
    const form = parseForm(await response.text(), response.status);
    const fields = new URLSearchParams({ prompt: form.prompt });
    if (form.prompt === "login") fields.set("login", accountId);
    response = await browser.fetch(new URL(form.action, response.url).href, { method: "POST", body: fields });
  }
  if (code === undefined) throw new Error("authorization did not return a code");

  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: client.redirectUri,
  });
  if (request.resource !== undefined) body.set("resource", request.resource);
  const basic = Buffer.from(
    `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`,
  );
  const tokenResponse = await fetch(client.tokenEndpoint, {
    method: "POST",
    headers: { authorization: `Basic ${basic.toString("base64")}` },
    body,
  });
  const tokens = (await tokenResponse.json()) as Partial<IssuedTokens> & { error?: string };
  if (!tokenResponse.ok || tokens.id_token === undefined || tokens.access_token === undefined) {
    throw new Error(`token request failed: ${tokenResponse.status} ${tokens.error ?? ""}`);
  }
  return { id_token: tokens.id_token, access_token: tokens.access_token, expires_in: tokens.expires_in ?? 0 };
}

export function parseForm(html: string, status: number): { action: string; prompt: string } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
  if (status !== 200 || action === undefined || prompt === undefined) {
    throw new Error(`unexpected authorization response: ${status}`);
  }
  return { action: action.replaceAll("&amp;", "&"), prompt };
}

/** fetch with manual redirects and a cookie jar for one host (paths and expiry are ignored). */
export class CookieBrowser {
  readonly #cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#cookies.size > 0) {
      headers.set("cookie", [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ""] = cookie.split(";", 1);
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "") this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return response;
  }
}
