import { CliError } from "./errors";

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_RE = /^[A-Za-z0-9_\-.,:/@%+=]*$/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/** `.env` text for config values: KEY=value, double-quoted (with \n, \", \\ escapes) when needed. */
export function formatDotenv(values: readonly { key: string; value: string }[]): string {
  return values
    .map(({ key, value }) => {
      if (PLAIN_RE.test(value)) return `${key}=${value}\n`;
      const escaped = value.replace(/[\\"\n\r\t]/g, (c) => `\\${{ "\n": "n", "\r": "r", "\t": "t" }[c] ?? c}`);
      return `${key}="${escaped}"\n`;
    })
    .join("");
}

/**
 * Reads `.env` text: KEY=value lines, `export ` prefixes, # comments, "double quotes" with escapes
 * (and newlines inside), 'single quotes' taken literally. A bad line is an error naming it.
 */
export function parseDotenv(text: string, file = ".env"): { key: string; value: string }[] {
  const entries: { key: string; value: string }[] = [];
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new CliError(`${file}:${lineNumber}: expected KEY=value, got "${line}"`);
    const [, key, rest] = match;
    if (!KEY_RE.test(key)) throw new CliError(`${file}:${lineNumber}: "${key}" is not a config key (letters, digits and _, not starting with a digit)`);
    if (rest.startsWith('"')) {
      let value = "";
      let text = rest.slice(1);
      for (;;) {
        let closed = -1;
        for (let j = 0; j < text.length; j++) {
          if (text[j] === "\\" && j + 1 < text.length) {
            value += ESCAPES[text[j + 1]] ?? `\\${text[j + 1]}`;
            j++;
          } else if (text[j] === '"') {
            closed = j;
            break;
          } else {
            value += text[j];
          }
        }
        if (closed >= 0) break;
        i++;
        if (i >= lines.length) throw new CliError(`${file}:${lineNumber}: the quoted value of ${key} is never closed`);
        value += "\n";
        text = lines[i];
      }
      entries.push({ key, value });
    } else if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new CliError(`${file}:${lineNumber}: the quoted value of ${key} is never closed`);
      entries.push({ key, value: rest.slice(1, end) });
    } else {
      entries.push({ key, value: rest.replace(/\s+#.*$/, "").trim() });
    }
  }
  return entries;
}
