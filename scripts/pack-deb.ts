/**
 * The Debian package, `ocient-sso_<version>_all.deb`: the same two files as the npm server package (the
 * entry ocient-sso.cjs and the bundle ocient-sso.mjs) in /usr/lib/ocient-sso, the command as
 * /usr/bin/ocient-sso, and deploy/systemd/ocient-sso.service as the system unit, running /usr/bin/ocient-sso,
 * with the agent's template unit ocient-sso-agent@.service beside it (started by nobody until enabled).
 * It depends on Debian's `nodejs` (20.19 in Debian 13 trixie; NodeSource's `nodejs` 24 fits too). Installing
 * starts nothing: the service needs /etc/ocient-sso/config.yaml first; an upgrade restarts it if it runs.
 * Built with dpkg-deb, which every Debian system has. Runs after scripts/bundle.ts; writes
 * `dist/deb-root/` and `dist/ocient-sso_<version>_all.deb`.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { BUNDLE, ENTRY } from "./bundle.js";
import { DIST, ROOT } from "./lib/package-dir.js";
import { runScript } from "./lib/run-script.js";

export const DEB_ROOT = path.join(DIST, "deb-root");
export const DEB_PACKAGE = "ocient-sso";
/** The lowest Node.js the command runs on (package.json `engines`), as Debian's `nodejs` versions it. */
export const DEB_NODE = "20.19";
/** Where the package puts the command; the unit's ExecStart names it. */
export const DEB_COMMAND = "/usr/bin/ocient-sso";
export const DEB_UNIT = "/usr/lib/systemd/system/ocient-sso.service";
const MAINTAINER = "ocient-sso developers <ocient-sso@users.noreply.github.com>";

export const debFile = (version: string) => path.join(DIST, `${DEB_PACKAGE}_${version}_all.deb`);

/** The agent's template unit (deploy/systemd/ocient-sso-agent@.service), where the package puts it. */
export const DEB_AGENT_UNIT = "/usr/lib/systemd/system/ocient-sso-agent@.service";

/** The service's unit's header in the package; the agent's keeps its own, with the command's path changed. */
const UNIT_HEADER = [
  "# ocient-sso as a systemd service, from the Debian package ocient-sso. Put the configuration in",
  "# /etc/ocient-sso/config.yaml and its secrets in /etc/ocient-sso/ocient-sso.env (mode 0600, NAME=value",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file's placeholder, written literally
  "# lines for its ${NAME} placeholders), then: systemctl enable --now ocient-sso",
  "# The signing keys live in /var/lib/ocient-sso (StateDirectory): set token.keys_file to",
  "# /var/lib/ocient-sso/signing-keys.json. `systemctl reload ocient-sso` rereads the configuration and keys.",
  "# Change settings with `systemctl edit ocient-sso`, not here: an upgrade replaces this file.",
  "",
  "",
].join("\n");

/**
 * A unit of deploy/systemd, for the package: its command in /usr/bin and its documentation installed. The
 * service's unit gets the package's header; `header: "own"` keeps the unit's, with the copy step dropped.
 */
export function packagedUnit(unit: string, header: "package" | "own" = "package"): string {
  const start = unit.indexOf("[Unit]");
  if (!unit.includes("ExecStart=/usr/local/bin/ocient-sso "))
    throw new Error("deploy/systemd: no ExecStart=/usr/local/bin/ocient-sso to rewrite");
  const top =
    header === "package"
      ? UNIT_HEADER
      : "# From the Debian package ocient-sso. Change settings with `systemctl edit`, not here: an upgrade\n" +
        "# replaces this file.\n" +
        unit
          .slice(0, start)
          .replace(/^# {3}cp \S+ \/etc\/systemd\/system\/ && systemctl daemon-reload\n/m, "");
  return (
    top +
    unit
      .slice(start)
      .replace(
        /^# npm's global bin directory:.*\nExecStart=\/usr\/local\/bin\/ocient-sso /m,
        `ExecStart=${DEB_COMMAND} `,
      )
      .replace(/^Documentation=.*$/m, "Documentation=file:///usr/share/doc/ocient-sso/README.md")
  );
}

/**
 * The maintainer scripts, as debhelper's dh_installsystemd writes them for a service it neither enables nor
 * starts: services are acted on through deb-systemd-invoke and deb-systemd-helper (init-system-helpers, an
 * essential package), which respect policy-rc.d, and only where systemd runs.
 */
const MAINTAINER_SCRIPTS: Record<string, string> = {
  // A first install starts nothing (the service needs its configuration); an upgrade restarts it if it runs.
  postinst: `#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null || true
  if [ -n "$2" ]; then
    deb-systemd-invoke try-restart ocient-sso.service >/dev/null || true
  fi
fi
`,
  prerm: `#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  deb-systemd-invoke stop ocient-sso.service >/dev/null || true
fi
`,
  // Enabled by the administrator or not, the unit's links go with the package. The signing keys in
  // /var/lib/ocient-sso are kept, even on purge: tokens already minted name them.
  postrm: `#!/bin/sh
set -e
if [ "$1" = remove ] || [ "$1" = purge ]; then
  deb-systemd-helper purge ocient-sso.service >/dev/null || true
fi
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null || true
fi
`,
};

function copyright(): string {
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ocient-sso
Comment: usr/lib/ocient-sso/ocient-sso.mjs bundles the npm packages the command depends on (the
 dependencies of package.json in the source), each under its own license (MIT, ISC, BSD or Apache-2.0).

Files: *
Copyright: 2026 the ocient-sso authors
License: Apache-2.0
 On Debian systems, the complete text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
`;
}

function control(version: string, installedKb: number): string {
  return `Package: ${DEB_PACKAGE}
Version: ${version}
Architecture: all
Maintainer: ${MAINTAINER}
Installed-Size: ${installedKb}
Depends: nodejs (>= ${DEB_NODE})
Section: net
Priority: optional
Description: exchanges OpenID Connect tokens for Ocient access tokens
 ocient-sso serves the SSO operations of Ocient's HTTP Query API
 (POST /v1/sso_token, token_refresh, info, the device grant and the
 browser flow) in front of OpenID Connect providers: workloads exchange
 the token their platform gave them, people sign in from a terminal or a
 web app. One process, or several sharing state in Redis.
 .
 The package installs the ocient-sso command and its systemd unit, which
 it does not start: write /etc/ocient-sso/config.yaml, then
 systemctl enable --now ocient-sso.
`;
}

/** Text for a troff no-fill block: backslashes and a leading dot or quote are not taken as requests. */
const troffText = (text: string) =>
  text
    .replaceAll("\\", "\\e")
    .split("\n")
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join("\n");

/** ocient-sso(1): the command's own --help, with the files the package and its unit use. */
function manPage(version: string, help: string): string {
  return `.TH OCIENT-SSO 1 "" "ocient-sso ${version}" "User Commands"
.SH NAME
ocient-sso \\- exchanges OpenID Connect tokens for Ocient access tokens
.SH SYNOPSIS
.B ocient-sso
.I COMMAND
[\\fIoptions\\fR]
.SH DESCRIPTION
.nf
${troffText(help.trimEnd())}
.fi
.SH FILES
.TP
.I /etc/ocient-sso/config.yaml
the configuration the systemd unit serves with
.TP
.I /etc/ocient-sso/ocient-sso.env
NAME=value lines for the configuration's placeholders (mode 0600)
.TP
.I /var/lib/ocient-sso/
the signing keys (the unit's StateDirectory)
.SH SEE ALSO
.BR systemctl (1),
/usr/share/doc/ocient-sso/README.md
`;
}

/** A native package's changelog is Debian's: one entry for this version, pointing at the project's own. */
function debianChangelog(version: string): string {
  const date = new Date().toUTCString().replace("GMT", "+0000");
  return `ocient-sso (${version}) unstable; urgency=medium

  * Release ${version}. What changed: /usr/share/doc/ocient-sso/CHANGELOG.md.gz.

 -- ${MAINTAINER}  ${date}
`;
}

function putFile(root: string, target: string, content: string | Buffer, mode = 0o644): void {
  const file = path.join(root, target);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, mode);
}

function sizeKb(dir: string): number {
  const out = execFileSync("du", ["-sk", "--exclude=DEBIAN", dir], { encoding: "utf8" });
  return Number(out.split(/\s/)[0]);
}

export interface DebOptions {
  /** The bundle (ocient-sso.mjs) and its entry beside it (.cjs); default the build's, dist/. */
  bundle?: string;
  /** The directory the package is assembled in, and where the .deb goes; default dist/deb-root and dist/. */
  root?: string;
  outDir?: string;
}

/** Assembles the package's files and builds it with dpkg-deb; returns the package's path. */
export function packDeb(options: DebOptions = {}): string {
  const bundled = path.resolve(ROOT, options.bundle ?? BUNDLE);
  const entry = options.bundle ? bundled.replace(/\.mjs$/, ".cjs") : path.join(ROOT, ENTRY);
  for (const file of [bundled, entry])
    if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/bundle.ts first`);
  const { version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const root = options.root ?? DEB_ROOT;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const put = (target: string, content: string | Buffer, mode?: number) =>
    putFile(root, target, content, mode);

  put("usr/lib/ocient-sso/ocient-sso.cjs", readFileSync(entry), 0o755);
  // Executable as in the npm package: it starts with a #! line.
  put("usr/lib/ocient-sso/ocient-sso.mjs", readFileSync(bundled), 0o755);
  mkdirSync(path.join(root, "usr/bin"), { recursive: true });
  symlinkSync("../lib/ocient-sso/ocient-sso.cjs", path.join(root, DEB_COMMAND.slice(1)));
  put(
    DEB_UNIT.slice(1),
    packagedUnit(readFileSync(path.join(ROOT, "deploy/systemd/ocient-sso.service"), "utf8")),
  );
  put(
    DEB_AGENT_UNIT.slice(1),
    packagedUnit(readFileSync(path.join(ROOT, "deploy/systemd/ocient-sso-agent@.service"), "utf8"), "own"),
  );
  const help = execFileSync(process.execPath, [entry, "--help"], { encoding: "utf8" });
  put("usr/share/man/man1/ocient-sso.1.gz", gzipSync(manPage(version, help), { level: 9 }));
  const doc = "usr/share/doc/ocient-sso";
  put(`${doc}/README.md`, readFileSync(path.join(ROOT, "packages/server/README.md")));
  put(`${doc}/copyright`, copyright());
  put(`${doc}/CHANGELOG.md.gz`, gzipSync(readFileSync(path.join(ROOT, "CHANGELOG.md")), { level: 9 }));
  put(`${doc}/changelog.gz`, gzipSync(debianChangelog(version), { level: 9 }));

  for (const [name, script] of Object.entries(MAINTAINER_SCRIPTS)) put(`DEBIAN/${name}`, script, 0o755);
  put("DEBIAN/control", control(version, sizeKb(root)));
  // Directories as dpkg expects them, whatever the umask of the build.
  execFileSync("find", [root, "-type", "d", "-exec", "chmod", "0755", "{}", "+"]);
  const out = path.join(options.outDir ?? DIST, path.basename(debFile(version)));
  rmSync(out, { force: true });
  // Throws when dpkg-deb fails.
  execFileSync("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", root, out], { stdio: "ignore" });
  return out;
}

runScript(import.meta.url, async () => {
  console.log(`📦 ${path.relative(ROOT, packDeb())}`);
  return 0;
});
