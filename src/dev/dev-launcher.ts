/**
 * DEVELOPMENT ONLY. A small loopback server beside development mode, for what a browser address bar or
 * a shell can't do by themselves:
 * - `/` starts the browser flow: a browser cannot POST JSON from its address bar, so each visit calls
 *   sso_authentication (do_redirect false) and sends the browser on to the provider with the binding
 *   cookie the service set (cookies belong to a host, not a port, so the service's callback on 127.0.0.1
 *   receives it);
 * - `/token?user=NAME` answers a fresh id_token of an account of the embedded provider, for
 *   `ocient-sso dev token`. Any local process may ask, as any may sign in at the provider's development
 *   pages without a password: that is what development mode is.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { EmbeddedProvider } from "./embedded-provider.js";

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

function startBrowserFlow(url: string, database: string, res: ServerResponse): void {
  fetch(`${url}/v1/sso_authentication`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ database, do_redirect: false }),
  })
    .then(async (response) => {
      const body = (await response.json()) as { redirect_url?: string };
      if (response.status !== 200 || body.redirect_url === undefined) {
        res.writeHead(502, JSON_HEADERS).end(JSON.stringify(body));
        return;
      }
      res
        .writeHead(302, {
          location: body.redirect_url,
          "set-cookie": response.headers.getSetCookie(),
          "cache-control": "no-store",
        })
        .end();
    })
    .catch(() => res.writeHead(502).end());
}

function issueToken(
  provider: EmbeddedProvider,
  accounts: readonly string[],
  user: string | null,
  res: ServerResponse,
): void {
  if (user === null || !accounts.includes(user)) {
    res.writeHead(404, JSON_HEADERS).end(JSON.stringify({ error: `no account "${user ?? ""}"`, accounts }));
    return;
  }
  provider
    .issueTokens(user)
    .then((issued) =>
      res
        .writeHead(200, JSON_HEADERS)
        .end(JSON.stringify({ id_token: issued.id_token, expires_in: issued.expires_in })),
    )
    .catch(() => res.writeHead(502).end());
}

export async function startLauncher(options: {
  url: string;
  database: string;
  provider: EmbeddedProvider;
  accounts: readonly string[];
  host: string;
  port: number;
}): Promise<Server> {
  const launcher = createServer((req: IncomingMessage, res: ServerResponse) => {
    const request = new URL(req.url ?? "/", "http://launcher");
    if (request.pathname === "/token") {
      return issueToken(options.provider, options.accounts, request.searchParams.get("user"), res);
    }
    return startBrowserFlow(options.url, options.database, res);
  });
  await new Promise<void>((resolve, reject) => {
    launcher.once("error", reject);
    launcher.listen(options.port, options.host, () => resolve());
  });
  return launcher;
}
