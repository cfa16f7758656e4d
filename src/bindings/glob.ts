/**
 * Globs on claim strings. `*` matches any run of characters except `/` and `:` (so `repo:octo-org/*`
 * cannot reach into another field of GitHub's `sub`), `**` any run at all, `?` one character except
 * `/` and `:`; everything else is literal. Compiled to RE2, whose matching time is linear in the
 * input whatever the pattern (a JavaScript RegExp of several stars backtracks polynomially).
 */
import { RE2JS } from "@bufbuild/re2";

function toRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      out += "(?s:.*)";
      i++;
    } else if (c === "*") out += "[^/:]*";
    else if (c === "?") out += "[^/:]";
    else out += RE2JS.quote(c);
  }
  return `^${out}$`;
}

export interface Glob {
  test(value: string): boolean;
}

export function compileGlob(glob: string): Glob {
  const re = RE2JS.compile(toRegex(glob));
  return { test: (value) => re.matches(value) };
}
