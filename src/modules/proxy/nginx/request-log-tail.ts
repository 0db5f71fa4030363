import { type FileHandle, open, rename, rm, writeFile } from "node:fs/promises";
import type { Logger } from "../../../core/logger";
import { REQUEST_LOG_FLUSH_MS } from "./render";

/** How often the file is read: as often as nginx writes out its buffer. */
const TAIL_INTERVAL_MS = REQUEST_LOG_FLUSH_MS;
/** Past this size the file is moved aside and nginx told to reopen its logs (SIGUSR1). */
const ROTATE_BYTES = 32 * 1024 * 1024;
/** After the reopen, the moved file is still read this long (workers write out their buffers first). */
const ROTATE_DRAIN_MS = 1_000;
const CHUNK = 1024 * 1024;

/**
 * Follows the file nginx writes its request lines to (buffered: one write per 64 KB or per flush
 * interval, rather than one datagram per request) and hands each complete line to `onLine`. The
 * lines are ASCII (nginx escapes everything else). Keeps the file small: past 32 MB it is moved
 * aside, nginx reopens its logs, the old file is read to its end and removed.
 */
export class RequestLogTail {
  private handle: FileHandle | null = null;
  private offset = 0;
  private partial = "";
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private rotating: { readonly handle: FileHandle; readonly offset: number; readonly since: number } | null = null;

  constructor(
    private readonly file: string,
    private readonly onLine: (line: string) => void,
    private readonly reopen: () => void,
    private readonly log: Logger,
    private readonly rotateBytes = ROTATE_BYTES,
  ) {}

  /** Starts from an empty file (mode 0600), before nginx opens it. */
  async start(): Promise<void> {
    await writeFile(this.file, "", { mode: 0o600 });
    this.handle = await open(this.file, "r");
    this.timer = setInterval(() => void this.poll(), TAIL_INTERVAL_MS);
    this.timer.unref();
  }

  /** Reads what is left (call after nginx has stopped and written out its buffers), then stops. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.reading;
    await this.readAll().catch(() => undefined);
    await this.rotating?.handle.close().catch(() => undefined);
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
  }

  private poll(): Promise<void> {
    this.reading ??= this.readAll()
      .catch((error: unknown) => this.log.warn({ err: error }, "reading nginx's request lines failed"))
      .finally(() => (this.reading = null));
    return this.reading;
  }

  private async readAll(): Promise<void> {
    if (this.rotating) {
      await this.drain(this.rotating.handle, this.rotating.offset);
      if (Date.now() - this.rotating.since < ROTATE_DRAIN_MS) return;
      const next = await open(this.file, "r").catch(() => null);
      if (next === null) return; // nginx has not reopened yet: keep reading the old file
      await this.rotating.handle.close();
      await rm(`${this.file}.old`, { force: true });
      this.rotating = null;
      this.handle = next;
      this.offset = 0;
    }
    if (!this.handle) return;
    this.offset = await this.drain(this.handle, this.offset);
    if (this.offset > this.rotateBytes && this.timer !== null) await this.rotate();
  }

  /** Reads from `from` to the end; returns the new offset. */
  private async drain(handle: FileHandle, from: number): Promise<number> {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let offset = from;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
      if (bytesRead === 0) return offset;
      offset += bytesRead;
      const text = this.partial + buffer.toString("latin1", 0, bytesRead);
      const lines = text.split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) if (line) this.onLine(line);
      if (this.rotating && handle === this.rotating.handle) this.rotating = { ...this.rotating, offset };
    }
  }

  private async rotate(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    await rename(this.file, `${this.file}.old`);
    this.handle = null;
    this.rotating = { handle, offset: this.offset, since: Date.now() };
    // nginx makes the new file when it reopens; until then its workers write to the old one.
    this.reopen();
  }
}
