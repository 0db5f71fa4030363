import type { LogLine } from "../../core/topics";

/** Longest line kept whole; longer ones are split into pieces of this size, never dropped. */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * DESIGN.md "Logs": `<RFC3339 time> <app>[<source>]: <message>`; the platform's own sources
 * (`deis[api]`, `deis[builder]`) stand in place of `<app>[...]`, as in Deis.
 */
export function formatLine(line: LogLine): string {
  const who = line.source.startsWith("deis[") ? line.source : `${line.app}[${line.source}]`;
  return `${line.at} ${who}: ${line.message}`;
}

// Control characters other than tab (newlines too: one message is one line) would garble a terminal;
// binary output becomes visible escapes.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** Makes one message safe to store and show: no control characters, at most MAX_LINE_BYTES per piece. */
export function cleanMessage(message: string): string[] {
  const text = message.replace(/\r$/, "").replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  if (Buffer.byteLength(text, "utf8") <= MAX_LINE_BYTES) return [text];
  const pieces: string[] = [];
  let piece = "";
  let size = 0;
  for (const char of text) {
    const bytes = Buffer.byteLength(char, "utf8");
    if (size + bytes > MAX_LINE_BYTES) {
      pieces.push(piece);
      piece = "";
      size = 0;
    }
    piece += char;
    size += bytes;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/**
 * Splits a byte stream into lines across chunk boundaries (a chunk may end mid-line or mid-
 * character); decodes UTF-8, replacing invalid bytes. `flush` returns what is left without a newline.
 */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, start)) {
      lines.push(data.toString("utf8", start, i));
      start = i + 1;
    }
    this.pending = data.subarray(start);
    // A line that never ends still must not grow without bound: hand it on in pieces.
    if (this.pending.length > MAX_LINE_BYTES * 4) {
      lines.push(this.pending.toString("utf8"));
      this.pending = Buffer.alloc(0);
    }
    return lines;
  }

  flush(): string[] {
    const rest = this.pending.length > 0 ? [this.pending.toString("utf8")] : [];
    this.pending = Buffer.alloc(0);
    return rest;
  }
}
