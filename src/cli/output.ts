import type { Io } from "./io";

type Cell = string | number | boolean | null | undefined;

const text = (cell: Cell): string => (cell === null || cell === undefined || cell === "" ? "-" : String(cell));

/** A plain table: upper-case headers, columns padded with two spaces, no trailing blanks. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((row) => row.map(text))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `Label: value` lines with the values aligned, as `heroku apps:info` prints them. */
export function fields(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 1;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width)} ${text(value)}`).join("\n");
}

/** A section title: `=== title`. */
export function heading(title: string): string {
  return `=== ${title}`;
}

/** An ISO time as `2025-01-31 14:05:09Z`, short enough for a table. */
export function time(iso: string | null | undefined): string {
  if (!iso) return "-";
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** Writes what commands print for people (stdout) or JSON for scripts. */
export class Output {
  constructor(
    private readonly io: Io,
    readonly json: boolean,
  ) {}

  /** Lines for people; nothing in --json mode (stdout then holds only the JSON). */
  line(...lines: string[]): void {
    if (!this.json) for (const line of lines) this.io.stdout.write(`${line}\n`);
  }

  /** Prints `data` as JSON with --json, else runs `human`. */
  result<T>(data: T, human: (data: T) => void): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else human(data);
  }

  /** A note about what happened, for people, on stderr (so stdout stays clean for pipes). */
  note(message: string): void {
    this.io.stderr.write(`${message}\n`);
  }
}
