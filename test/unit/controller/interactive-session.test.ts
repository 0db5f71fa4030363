import { Duplex } from "node:stream";
import pino from "pino";
import { DomainError } from "../../../src/core/errors";
import { InteractiveSession, type TerminalClient } from "../../../src/modules/controller/services/interactive-run.service";
import type { TerminalContainer, TerminalSize } from "../../../src/modules/docker";
import { parseArgs } from "../../../src/cli/args";

/** A container's terminal as the session sees it: what it is sent, what it shows, how it ends. */
class FakeTerminal implements TerminalContainer {
  readonly id = "fake";
  readonly typed: Buffer[] = [];
  readonly resizes: TerminalSize[] = [];
  removed = false;
  readonly stream: TerminalContainer["stream"];
  readonly exited: Promise<number>;
  exit!: (code: number) => void;

  constructor() {
    const typed = this.typed;
    this.stream = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        typed.push(chunk);
        done();
      },
    });
    this.exited = new Promise((resolve) => (this.exit = resolve));
  }

  show(text: string): void {
    (this.stream as unknown as Duplex).push(Buffer.from(text));
  }

  async resize(size: TerminalSize): Promise<void> {
    this.resizes.push(size);
  }

  async remove(): Promise<void> {
    this.removed = true;
  }
}

/** A client that records what it is told, and whether the container was gone by then. */
function recordingClient(terminal: FakeTerminal) {
  const told: { output: string; exit: number | null; end: string | null; removedWhenTold: boolean | null } = { output: "", exit: null, end: null, removedWhenTold: null };
  const client: TerminalClient = {
    output: (bytes) => (told.output += bytes.toString("utf8")),
    exit: (code) => {
      told.exit = code;
      told.removedWhenTold = terminal.removed;
    },
    end: (message) => {
      told.end = message;
      told.removedWhenTold = terminal.removed;
    },
  };
  return { told, client };
}

const log = pino({ level: "silent" });

describe("InteractiveSession", () => {
  afterEach(() => jest.useRealTimers());

  test("joins the terminal to the client both ways; a resize reaches the container, a bad one is refused naming the field and changes nothing", async () => {
    const terminal = new FakeTerminal();
    const { told, client } = recordingClient(terminal);
    const session = new InteractiveSession(terminal, client, { idleMs: 60_000, maxMs: 60_000 }, log);
    session.input(Buffer.from("ls\r"));
    session.input(Buffer.from([3]));
    expect(Buffer.concat(terminal.typed)).toEqual(Buffer.from("ls\r\x03"));
    terminal.show("app.js\r\n");
    await new Promise((resolve) => setImmediate(resolve));
    expect(told.output).toBe("app.js\r\n");

    await session.resize({ cols: 100, rows: 40 });
    for (const bad of [{ cols: 0, rows: 40 }, { cols: 100, rows: 1001 }, { cols: "100", rows: 40 }, { cols: 1.5, rows: 40 }]) {
      const refused = await session.resize(bad).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DomainError);
      expect((refused as DomainError).details.field).toBe(bad.rows === 1001 ? "rows" : "cols");
    }
    expect(terminal.resizes).toEqual([{ cols: 100, rows: 40 }]);
    await session.hangUp();
  });

  test("the process's exit code reaches the client after the container is removed", async () => {
    const terminal = new FakeTerminal();
    const { told, client } = recordingClient(terminal);
    const session = new InteractiveSession(terminal, client, { idleMs: 60_000, maxMs: 60_000 }, log);
    terminal.exit(3);
    await session.ended;
    expect(told).toMatchObject({ exit: 3, end: null, removedWhenTold: true });
    // Nothing reaches the container afterwards.
    session.input(Buffer.from("late"));
    expect(terminal.typed).toEqual([]);
  });

  test("a client that hangs up takes the container with it and is told nothing", async () => {
    const terminal = new FakeTerminal();
    const { told, client } = recordingClient(terminal);
    const session = new InteractiveSession(terminal, client, { idleMs: 60_000, maxMs: 60_000 }, log);
    await session.hangUp();
    expect(terminal.removed).toBe(true);
    expect(told).toMatchObject({ exit: null, end: null });
  });

  test("the idle limit counts from the last byte either way; the overall limit ends it whatever it does", async () => {
    jest.useFakeTimers();
    const idle = new FakeTerminal();
    const idleTold = recordingClient(idle);
    const idleSession = new InteractiveSession(idle, idleTold.client, { idleMs: 10_000, maxMs: 100_000 }, log);
    jest.advanceTimersByTime(9_000);
    idleSession.input(Buffer.from("x"));
    jest.advanceTimersByTime(9_000);
    expect(idle.removed).toBe(false);
    jest.advanceTimersByTime(1_000);
    await idleSession.ended;
    expect(idleTold.told).toMatchObject({ exit: null, end: "the session was idle (no input or output) for 10 s and was ended", removedWhenTold: true });

    const busy = new FakeTerminal();
    const busyTold = recordingClient(busy);
    const busySession = new InteractiveSession(busy, busyTold.client, { idleMs: 10_000, maxMs: 25_000 }, log);
    for (let i = 0; i < 4; i++) {
      jest.advanceTimersByTime(6_000);
      busySession.input(Buffer.from("x"));
    }
    expect(busy.removed).toBe(false);
    jest.advanceTimersByTime(1_000);
    await busySession.ended;
    expect(busyTold.told.end).toBe("the session reached its limit of 25 s and was ended");
  });
});

describe("parseArgs: one-letter flags together", () => {
  const specs = [
    { name: "interactive", short: "i", description: "" },
    { name: "tty", short: "t", description: "" },
    { name: "timeout", value: "SECONDS", short: "s", description: "" },
  ];

  test("-it is -i -t; a bundle with a flag that takes a value, or an unknown letter, is refused", () => {
    expect(parseArgs(["-it", "sh"], specs, "run", { stopAtPositional: true })).toEqual({ positionals: ["sh"], options: { interactive: true, tty: true } });
    expect(() => parseArgs(["-is", "5"], specs, "run")).toThrow("unknown flag -is");
    expect(() => parseArgs(["-ix"], specs, "run")).toThrow("unknown flag -ix");
  });
});
