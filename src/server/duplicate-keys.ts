/**
 * JSON.parse keeps the last of two equal keys; another parser may keep the first. A body such as
 * `{"id_token": A, "id_token": B}` is ambiguous, so it is refused instead of guessed.
 * Runs on text JSON.parse already accepted, iteratively (no recursion on deep nesting).
 */
export function findDuplicateKey(json: string): string | undefined {
  const objects: Array<Set<string> | null> = [];
  let expectKey = false;
  const n = json.length;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      while (end < n) {
        const d = json.charCodeAt(end);
        if (d === 0x5c /* \ */) end += 2;
        else if (d === 0x22) break;
        else end++;
      }
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
