/** `login` opens a browser only with a display of this machine, never over SSH. */
import { describe, expect, it } from "vitest";
import { canOpenBrowser } from "../../src/cli/sessions/browser-opener.js";

describe("canOpenBrowser", () => {
  it.each([
    ["Linux with X", { DISPLAY: ":0" }, "linux", true],
    ["Linux with Wayland", { WAYLAND_DISPLAY: "wayland-0" }, "linux", true],
    ["a Linux console (no display)", {}, "linux", false],
    [
      "X forwarded over SSH",
      { DISPLAY: "localhost:10.0", SSH_CONNECTION: "10.0.0.1 5 10.0.0.2 22" },
      "linux",
      false,
    ],
    ["an SSH session on macOS", { SSH_CLIENT: "10.0.0.1 5 22" }, "darwin", false],
    ["an SSH tty", { SSH_TTY: "/dev/pts/1", DISPLAY: ":0" }, "linux", false],
    ["macOS", {}, "darwin", true],
    ["Windows", {}, "win32", true],
  ] as const)("%s: %s", (_, env, platform, expected) => {
    expect(canOpenBrowser(env, platform)).toBe(expected);
  });
});
