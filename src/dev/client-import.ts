/**
 * The import line of the typed client that development mode prints, as an app that installed the
 * client package (scripts/pack-client.ts, CLIENT_PACKAGE_NAME) writes it. The one place that names the
 * package for users; test/client/client-package.test.ts runs this very line from the installed package.
 */
export const CLIENT_IMPORT = 'import { createSsoClient } from "@ocient-sso/client";';
