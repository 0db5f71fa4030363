import { stripVTControlCharacters, styleText } from "node:util";
import { type Io, outputWidth, wantsColour } from "./io";

type Cell = string | number | boolean | null | undefined;

const text = (cell: Cell): string => (cell === null || cell === undefined || cell === "" ? "-" : String(cell));

export interface TableOptions {
  /** The terminal's width: columns are cut (with "…") so that no line is longer. None: nothing is cut. */
  readonly width?: number;
  /** Bold headers (a terminal with colour). */
  readonly colour?: boolean;
}

/** The narrowest a column is cut to when the table must fit the terminal. */
const MIN_COLUMN = 6;
const GAP = 2;

/** How wide a cell shows: its characters without colour codes. */
const visible = (cell: string) => stripVTControlCharacters(cell).length;

/** `cell` cut to `width` characters, ending in "…" when cut (a coloured cell that must be cut loses its colour). */
function cut(cell: string, width: number): string {
  if (visible(cell) <= width) return cell;
  const plain = stripVTControlCharacters(cell);
  return `${plain.slice(0, Math.max(0, width - 1))}…`;
}

const pad = (cell: string, width: number) => cell + " ".repeat(Math.max(0, width - visible(cell)));

/** Column widths that fit `width`: the widest columns give up room first, none below MIN_COLUMN. */
function fitWidths(natural: readonly number[], width: number | undefined): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  let over = widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.length - 1) - width;
  while (over > 0) {
    const widest = widths.reduce((best, w, i) => (w > widths[best] ? i : best), 0);
    if (widths[widest] <= MIN_COLUMN) break;
    const second = Math.max(MIN_COLUMN, ...widths.filter((_, i) => i !== widest));
    const take = Math.min(over, Math.max(1, widths[widest] - second));
    widths[widest] -= take;
    over -= take;
  }
  return widths;
}

/** A plain table: upper-case headers, columns padded with two spaces, no trailing blanks, fitted to `width`. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((row) => row.map(text))];
  const widths = fitWidths(
    headers.map((_, i) => Math.max(...cells.map((row) => visible(row[i] ?? "")))),
    options.width,
  );
  return cells
    .map((row, r) => {
      const line = row
        .map((cell, i) => (i === row.length - 1 ? cut(cell, widths[i]) : pad(cut(cell, widths[i]), widths[i])))
        .join(" ".repeat(GAP))
        .trimEnd();
      return r === 0 && options.colour ? styleText("bold", line, { validateStream: false }) : line;
    })
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

/** Keys whose values are the API's upper-case enums (SUCCEEDED, DOCKERFILE): lower-case in JSON as in tables. */
const ENUM_KEYS = new Set(["status", "kind"]);

/** The data with its enum values lower-cased, so `--json` says `succeeded` where the table does. */
export function jsonFriendly(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(jsonFriendly);
  if (!data || typeof data !== "object") return data;
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, ENUM_KEYS.has(key) && typeof value === "string" && /^[A-Z_]+$/.test(value) ? value.toLowerCase() : jsonFriendly(value)]),
  );
}

type Style = Parameters<typeof styleText>[0];

/** Writes what commands print for people (stdout) or JSON for scripts. */
export class Output {
  readonly colour: boolean;

  constructor(
    private readonly io: Io,
    readonly json: boolean,
  ) {
    this.colour = wantsColour(io);
  }

  /** Lines for people; nothing in --json mode (stdout then holds only the JSON). */
  line(...lines: string[]): void {
    if (!this.json) for (const line of lines) this.io.stdout.write(`${line}\n`);
  }

  /** Prints `data` as JSON with --json (enums lower-cased), else runs `human`. */
  result<T>(data: T, human: (data: T) => void): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(jsonFriendly(data), null, 2)}\n`);
    else human(data);
  }

  /** A note about what happened, for people, on stderr (so stdout stays clean for pipes). */
  note(message: string): void {
    this.io.stderr.write(`${message}\n`);
  }

  /** A table fitted to the terminal, with bold headers when there is colour. */
  table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
    return table(headers, rows, { width: outputWidth(this.io), colour: this.colour });
  }

  /** `=== title`, bold on a terminal with colour. */
  heading(title: string): string {
    return this.paint("bold", heading(title));
  }

  /** `text` in a colour on a terminal that wants colour; plain otherwise. */
  paint(style: Style, value: string): string {
    return this.colour ? styleText(style, value, { validateStream: false }) : value;
  }
}
