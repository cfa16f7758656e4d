/**
 * Where a text stops being JSON (RFC 8259), found without quoting any of it: `JSON.parse`'s own messages
 * quote the text around the error, which for a key file is the private key itself.
 */

class Stop {
  constructor(readonly at: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/;

/** The offset of the first character that is not JSON, or undefined when the whole text is JSON. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const stop = (): never => {
    throw new Stop(i);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) stop();
    i++;
  };
  const string = () => {
    expect('"');
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c) || c < 0x20) stop();
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        const escaped = ESCAPE.exec(text.slice(i + 1, i + 6))?.[0];
        i++;
        if (escaped === undefined) stop();
        i += (escaped as string).length;
      } else i++;
    }
  };
  const list = (close: string, item: () => void) => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      expect(",");
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === "{") {
      list("}", () => {
        space();
        string();
        space();
        expect(":");
        value();
      });
      return;
    }
    if (c === "[") {
      list("]", value);
      return;
    }
    if (c === '"') {
      string();
      return;
    }
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) stop();
    i = NUMBER.lastIndex;
  };
  try {
    value();
    space();
    return i < text.length ? i : undefined;
  } catch (err) {
    if (err instanceof Stop) return err.at;
    // Nested deeper than the stack: no position to give.
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

/** "line L, column C" (both from 1) of an offset in `text`. */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `line ${line}, column ${offset - before.lastIndexOf("\n")}`;
}
