/**
 * A YAML syntax error as one complete sentence, at the line of the mistake. The parser notices an
 * unclosed quote or bracket where it gives up, often lines later, and its message ends with an excerpt
 * of the file: here the position is that of the unclosed opener, and nothing of the file is quoted (a
 * line may hold a secret).
 */
import { LineCounter, Parser, YAMLParseError } from "yaml";

interface Token {
  type?: unknown;
  offset?: unknown;
  source?: unknown;
  end?: unknown;
}

/** Whether a CST token opens something it never closes: a quoted scalar or a flow collection. */
function unclosed(token: Token): boolean {
  const source = typeof token.source === "string" ? token.source : "";
  if (token.type === "double-quoted-scalar") return source.length < 2 || !source.endsWith('"');
  if (token.type === "single-quoted-scalar") return source.length < 2 || !source.endsWith("'");
  if (token.type === "flow-collection") {
    const end = Array.isArray(token.end) ? (token.end as Token[]) : [];
    return !end.some((t) => t.type === "flow-seq-end" || t.type === "flow-map-end");
  }
  return false;
}

/** The offset of the last unclosed opener before `before`, if any. */
function lastUnclosedOpener(text: string, before: number, lines: LineCounter): number | undefined {
  let found: number | undefined;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!node || typeof node !== "object") return;
    const token = node as Token;
    if (typeof token.offset === "number" && token.offset < before && unclosed(token)) {
      if (found === undefined || token.offset > found) found = token.offset;
    }
    for (const value of Object.values(node)) if (value && typeof value === "object") visit(value);
  };
  for (const token of new Parser(lines.addNewLine).parse(text)) visit(token);
  return found;
}

export function describeYamlError(text: string, err: unknown): string {
  if (!(err instanceof YAMLParseError)) return (err as Error).message.split("\n")[0] ?? "";
  // The parser appends " at line L, column C:" and an excerpt of the file.
  const sentence = err.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
  const lines = new LineCounter();
  const noticed = err.pos[0];
  // Parsing again also counts the lines.
  const found = lastUnclosedOpener(text, noticed, lines);
  const opener =
    err.code === "MISSING_CHAR" || err.code === "BAD_INDENT" || err.code === "UNEXPECTED_TOKEN"
      ? found
      : undefined;
  const { line, col } = lines.linePos(opener ?? noticed);
  return `line ${line}, column ${col}: ${sentence}`;
}
