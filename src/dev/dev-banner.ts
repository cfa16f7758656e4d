/** DEVELOPMENT ONLY. What `npm start` prints: the warning, what runs where, a demo token and ready-to-run lines. */
import { CLIENT_IMPORT } from "./client-import.js";
import type { DevEnvironment } from "./start-dev.js";

const RULE = "=".repeat(78);

function grants(env: DevEnvironment): string {
  return Object.entries(env.config.databases)
    .map(([name, db]) => {
      const who = [...db.groups.map((g) => `group ${g}`), ...db.users.map((u) => `user ${u}`)];
      return name === "system" && who.length === 0
        ? `system -> integration "dev"`
        : `${name} -> ${who.join(", ") || "nobody"}`;
    })
    .join("; ");
}

export function devBanner(env: DevEnvironment): string {
  const { url, provider, config, demo, device } = env;
  const accounts = env.accounts
    .map((a) => `${a.preferred_username}${a.groups.length ? ` [${a.groups.join(", ")}]` : ""}`)
    .join(", ");
  // A JWS and a database name need no JSON escaping.
  const body = `{"id_token": "${demo.idToken}", "database": "${demo.database}"}`;
  return `
${RULE}
  WARNING: DEVELOPMENT MODE. NOT FOR PRODUCTION.
  - an embedded OpenID provider whose demo accounts sign in without a password
  - throwaway signing keys in ${config.token.keys_file}
  - plain HTTP on loopback, no TLS
  Use "ocient-sso serve --config FILE" with your own provider in production.
${RULE}

ocient-sso (development)   ${url}
embedded OpenID provider   ${provider.issuer}   accounts: ${accounts}
databases                  ${grants(env)}

For your shell:
export OCIENT_SSO_URL=${url}
export OCIENT_SSO_DATABASE=${demo.database}
export ID_TOKEN=$(npm run --silent ocient-sso -- dev token --user ${demo.account})

Demo id_token for ${demo.account} (valid ${demo.expiresIn} s; a fresh one any time: npm run ocient-sso -- dev token --user NAME):
${demo.idToken}

Exchange it with curl:
curl -X POST ${url}/v1/sso_token -H "Content-Type: application/json" -d '${body}'

or with the CLI (in this checkout; installed from @ocient-sso/server it is just \`ocient-sso\`):
npm run ocient-sso -- exchange --url ${url} --database ${demo.database} --id-token ${demo.idToken}

or with the typed client (npm install @ocient-sso/client):
${CLIENT_IMPORT}
const sso = createSsoClient({ baseUrl: "${url}" });
const { token } = await sso.exchange({ database: "${demo.database}", idToken: process.env.ID_TOKEN });

Sign in from a terminal as a person would, then print a token for scripts:
npm run ocient-sso -- login --url ${url} --database ${demo.database}
npm run ocient-sso -- token

Sign in without a token, with the device grant (RFC 8628). One is started for you; open
${device.verificationUriComplete}
sign in as ${demo.account} (any password), then within ${Math.floor(device.expiresIn / 60)} minutes:
curl -X POST ${url}/v1/sso_device_grant_verify -H "Content-Type: application/json" -d '{"user_code": "${device.userCode}", "database": "${demo.database}", "timeout": 60}'

A new one starts with:
curl -X POST ${url}/v1/sso_device_grant -H "Content-Type: application/json" -d '{"database": "${demo.database}"}'

Sign in with the browser flow: open ${env.browserSignInUrl}

Press Ctrl-C to stop.
`;
}
