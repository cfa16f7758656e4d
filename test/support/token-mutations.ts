/**
 * Changed copies of a valid compact token, for the fuzzers of the refresh flow (the core's in
 * test/exchange/refresh.test.ts and the HTTP one in test/server/token-refresh.test.ts): one character
 * replaced, a run deleted, a run inserted, the segments reordered. `valid` is read when a case is drawn,
 * since the token exists only once the test's service has minted it.
 */
import fc from "fast-check";

export function tokenMutation(valid: () => string, char: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.nat(), char).map(([at, ch]) => {
      const token = valid();
      const i = at % token.length;
      const c = token[i] === ch ? `${ch}${ch}` : ch;
      return `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
    }),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })).map(([at, n]) => {
      const token = valid();
      const i = at % token.length;
      return `${token.slice(0, i)}${token.slice(i + n)}`;
    }),
    fc.tuple(fc.nat(), fc.array(char, { minLength: 1, maxLength: 20 })).map(([at, chars]) => {
      const token = valid();
      const i = at % (token.length + 1);
      return `${token.slice(0, i)}${chars.join("")}${token.slice(i)}`;
    }),
    fc.shuffledSubarray([0, 1, 2, 2, 1, 0], { minLength: 1 }).map((order) => {
      const parts = valid().split(".");
      return order.map((i) => parts[i]).join(".");
    }),
  );
}
