/**
 * JSON.parse keeps the last of two equal keys; another parser may keep the first. A body such as
 * `{"id_token": A, "id_token": B}` is ambiguous, so it is refused instead of guessed.
 * Runs on text JSON.parse already accepted, iteratively (no recursion on deep nesting). A string is
 * skipped with indexOf to its next quote (native, not a loop over every character of a token); a quote
 * preceded by an odd run of backslashes is escaped and the search goes on.
 */
export function findDuplicateKey(json: string): string | undefined {
  const objects: Array<Set<string> | null> = [];
  let expectKey = false;
  const n = json.length;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = closingQuote(json, i + 1);
      if (end < 0) end = n;
      const keys = objects[objects.length - 1];
      if (expectKey && keys) {
        const raw = json.slice(i, end + 1);
        const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      objects.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      objects.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      objects.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = objects[objects.length - 1] != null;
    }
  }
  return undefined;
}

/** The index of the quote that closes the string whose contents begin at `from`; -1 when none does. */
function closingQuote(json: string, from: number): number {
  let at = json.indexOf('"', from);
  while (at >= 0) {
    let backslashes = 0;
    while (json.charCodeAt(at - 1 - backslashes) === 0x5c /* \ */) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = json.indexOf('"', at + 1);
  }
  return -1;
}
