/**
 * A valid token of a profile, as `ocient-sso token` prints it: the cached one while less than half its
 * life has passed (Ocient's published advice), else a new one from `token_refresh`.
 *
 * Refreshing takes the profile's lock (proper-lockfile: a lock directory beside the file, kept fresh
 * while held and taken over when stale), then reads the file again: a process that waited while another
 * refreshed finds the new token and uses it, so several processes at once make one refresh, and nobody
 * sends a token another process already replaced. A refresh that fails while the token still lives
 * leaves it in use (with a warning); a session that ended is {@link SignInNeeded}.
 */
import lockfile from "proper-lockfile";
import { createSsoClient, SsoExchangeError } from "../../client/index.js";
import { CliError, SignInNeeded } from "../command.js";
import { loginHint, type Session, type SessionStore } from "./session-store.js";

export interface FreshTokenOptions {
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Where a warning goes (a refresh that failed while the token still lives). */
  warn(text: string): void;
}

/** Lock timing: retries for about 30 s in all (a refresh is one HTTP call); stale after 15 s unrefreshed. */
const LOCK = {
  realpath: false,
  stale: 15_000,
  update: 5_000,
  retries: { retries: 40, factor: 1.3, minTimeout: 25, maxTimeout: 1_000 },
} as const;

function refreshAt(session: Session): number {
  return session.obtained_at + (session.expires_at - session.obtained_at) / 2;
}

async function read(store: SessionStore, profile: string): Promise<Session> {
  const session = await store.read(profile);
  if (session === undefined) {
    throw new SignInNeeded(`profile "${profile}" is not signed in: run ${loginHint(profile)}`);
  }
  return session;
}

async function withLock<T>(store: SessionStore, profile: string, run: () => Promise<T>): Promise<T> {
  await store.ensureDir();
  const release = await lockfile
    .lock(store.pathOf(profile), {
      ...LOCK,
      // The file is replaced atomically under the lock; a lock lost to staleness costs a second refresh at worst.
      onCompromised: () => undefined,
    })
    .catch((err: Error) => {
      throw new CliError(`cannot lock profile "${profile}" to refresh it: ${err.message}`);
    });
  try {
    return await run();
  } finally {
    await release().catch(() => undefined);
  }
}

async function refresh(
  store: SessionStore,
  profile: string,
  session: Session,
  options: FreshTokenOptions,
): Promise<string> {
  const now = options.now ?? Date.now;
  try {
    const next = await createSsoClient({ baseUrl: session.url }).refresh({
      token: session.token,
      database: session.database,
    });
    const at = now();
    await store.write(profile, {
      ...session,
      user: next.username,
      token: next.token,
      obtained_at: at,
      expires_at: at + next.expiresIn * 1000,
    });
    return next.token;
  } catch (err) {
    if (!(err instanceof SsoExchangeError)) throw err;
    // 401: the token is no longer one the service refreshes (expired, session over, keys gone).
    if (err.httpStatus === 401) {
      throw new SignInNeeded(
        `the session of profile "${profile}" has ended (${err.reason}): run ${loginHint(profile, session)}`,
      );
    }
    if (now() < session.expires_at) {
      options.warn(
        `ocient-sso token: warning: the refresh failed, the current token stays in use: ${err.message}\n`,
      );
      return session.token;
    }
    throw new CliError(`cannot refresh the token of profile "${profile}": ${err.message}`);
  }
}

export async function freshToken(
  store: SessionStore,
  profile: string,
  options: FreshTokenOptions,
): Promise<string> {
  const now = options.now ?? Date.now;
  const cached = await read(store, profile);
  if (now() < refreshAt(cached)) return cached.token;
  return withLock(store, profile, async () => {
    // Read again under the lock: another process may have refreshed while this one waited.
    const latest = await read(store, profile);
    if (now() < refreshAt(latest)) return latest.token;
    return refresh(store, profile, latest, options);
  });
}

/** Removes a profile's session under its lock, so a refresh in progress is not undone by its write. */
export function removeSession(store: SessionStore, profile: string): Promise<boolean> {
  return withLock(store, profile, () => store.remove(profile));
}
