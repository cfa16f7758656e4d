/**
 * Whether `login` may open the person's browser: only with a display of this very machine. Over SSH the
 * browser would open on the remote host, out of sight (libpq and `az login` print the code instead), and
 * a Linux console has none. Opening is a convenience: the URL and code are always printed.
 */
export function canOpenBrowser(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return false;
  if (platform === "darwin" || platform === "win32") return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Opens `url` with the platform's opener (the `open` package); any failure is silent. */
export async function openBrowser(url: string): Promise<void> {
  try {
    const { default: open } = await import("open");
    const child = await open(url);
    child.once("error", () => undefined);
    child.unref();
  } catch {
    // The printed URL remains the way in.
  }
}
