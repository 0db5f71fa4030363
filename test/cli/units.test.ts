import { parseArgs, suggest } from "../../src/cli/args";
import { COMMANDS } from "../../src/cli/commands";
import { type LogLine, type LogSource, makeLogsCommand } from "../../src/cli/commands/logs";
import { CommandContext } from "../../src/cli/context";
import { formatDotenv, parseDotenv } from "../../src/cli/dotenv";
import { UsageError } from "../../src/cli/errors";
import { globalOptions } from "../../src/cli/help";
import { appFromRemote } from "../../src/cli/git";
import type { Io } from "../../src/cli/io";
import { shellCommand } from "../../src/cli/commands/ps";
import { fields, jsonFriendly, table } from "../../src/cli/output";
import { controllerUrl } from "../../src/cli/settings";
import { createServer, type Socket } from "node:net";
import { execFileSync } from "node:child_process";
import { freePort } from "../harness/processes";
import { eventually } from "../harness/wait";
import { CliUser } from "./cli-harness";

/** The CLI's parts that need no platform: parsing, formats, help, usage errors and logs against a fake. */
describe("deis CLI without a platform", () => {
  const cli = new CliUser();

  describe("argument parsing", () => {
    const specs = [
      { name: "app", short: "a", value: "APP", description: "" },
      { name: "json", description: "" },
      { name: "procfile", value: "T=C", multiple: true, description: "" },
    ];

    test("long, short, inline, repeated and boolean flags; -- ends flags", () => {
      expect(parseArgs(["x", "-a", "shop", "--json", "--procfile=web=a b", "--procfile", "w=c", "--", "--not-a-flag"], specs, "c")).toEqual({
        positionals: ["x", "--not-a-flag"],
        options: { app: "shop", json: true, procfile: ["web=a b", "w=c"] },
      });
    });

    test("with stopAtPositional, everything from the first positional is positional (run ls -la)", () => {
      expect(parseArgs(["-a", "shop", "ls", "-la", "--json"], specs, "run", { stopAtPositional: true })).toEqual({
        positionals: ["ls", "-la", "--json"],
        options: { app: "shop" },
      });
    });

    test("unknown flags, missing values and values on booleans are usage errors naming the command", () => {
      expect(() => parseArgs(["--nope"], specs, "ps")).toThrow(new UsageError("unknown flag --nope", "ps"));
      expect(() => parseArgs(["-a"], specs, "ps")).toThrow("-a needs a value (-a APP)");
      expect(() => parseArgs(["--app", "--json"], specs, "ps")).toThrow("--app needs a value");
      expect(() => parseArgs(["--json=yes"], specs, "ps")).toThrow("--json takes no value");
    });

    test("suggestions for typos", () => {
      const names = COMMANDS.map((c) => c.name);
      expect(suggest("confg:set", names)).toBe("config:set");
      expect(suggest("destroy", names)).toBe("apps:destroy");
      expect(suggest("apss", names)).toBe("apps");
      expect(suggest("nope", names)).toBeUndefined();
      expect(suggest("xyzzy-plugh", names)).toBeUndefined();
    });
  });

  test(".env: written values read back the same, quoted only when needed", () => {
    const values = [
      { key: "PLAIN", value: "postgres://u@db:5432/shop" },
      { key: "EMPTY", value: "" },
      { key: "SPACES", value: "hello world" },
      { key: "QUOTES", value: 'say "hi" \\ back' },
      { key: "MULTI", value: "line one\nline two" },
      { key: "HASH", value: "a #b" },
    ];
    const text = formatDotenv(values);
    expect(text).toContain("PLAIN=postgres://u@db:5432/shop\n");
    expect(text).toContain('SPACES="hello world"\n');
    expect(text).toContain('MULTI="line one\\nline two"\n');
    expect(parseDotenv(text)).toEqual(values);
  });

  test(".env: comments, export, single quotes, literal newlines in double quotes; bad lines name the line", () => {
    const text = "# a comment\n\nexport A=1\nB='no $escapes\\n'\nC=\"two\nlines\"\nD=plain # trailing comment\n";
    expect(parseDotenv(text)).toEqual([
      { key: "A", value: "1" },
      { key: "B", value: "no $escapes\\n" },
      { key: "C", value: "two\nlines" },
      { key: "D", value: "plain" },
    ]);
    expect(() => parseDotenv("A=1\nnot a pair\n", "prod.env")).toThrow('prod.env:2: expected KEY=value, got "not a pair"');
    expect(() => parseDotenv("1BAD=x\n")).toThrow('.env:1: "1BAD" is not a config key');
    expect(() => parseDotenv('A="open\n')).toThrow(".env:1: the quoted value of A is never closed");
  });

  test("the app a git remote names; the controller URL a user types", () => {
    expect(appFromRemote("ssh://git@127.0.0.1:2222/my-shop.git")).toBe("my-shop");
    expect(appFromRemote("git@deis.example.com:my-shop.git")).toBe("my-shop");
    expect(appFromRemote("https://github.com/someone/")).toBeNull();
    expect(controllerUrl("127.0.0.1:8000")).toBe("http://127.0.0.1:8000/graphql");
    expect(controllerUrl("https://deis.example.com/")).toBe("https://deis.example.com/graphql");
    expect(controllerUrl("http://h:1/graphql")).toBe("http://h:1/graphql");
  });

  test("tables and fields line up", () => {
    expect(table(["name", "owner"], [["shop", "alice"], ["blog-engine", null]])).toBe("NAME         OWNER\nshop         alice\nblog-engine  -");
    expect(fields([["URL", "http://x"], ["Git remote", "ssh://y"]])).toBe("URL:        http://x\nGit remote: ssh://y");
  });

  test("deis --help lists the topics; every command has help with its usage; --version", async () => {
    const main = await cli.ok(["--help"]);
    for (const topic of ["auth", "keys", "apps", "config", "builds", "releases", "ps", "logs", "domains", "certs", "perms", "limits", "healthchecks", "users"]) {
      expect(main.stdout).toMatch(new RegExp(`^  ${topic} +\\S`, "m"));
    }
    expect(main.stdout).toContain("$ deis COMMAND [ARGS] [-a APP] [--json]");
    expect((await cli.ok([])).stdout).toBe(main.stdout);
    for (const command of COMMANDS) {
      const { stdout } = await cli.ok(["help", command.name]);
      expect(stdout).toContain(`$ deis ${command.name}`);
      expect(stdout.replace(/\s+/g, " ")).toContain(command.description); // wrapped to 80 columns
      expect((await cli.ok([command.name, "--help"])).stdout).toContain("USAGE");
    }
    const setHelp = (await cli.ok(["help", "config:set"])).stdout;
    expect(setHelp).toContain("$ deis config:set KEY=value... [-a APP] [--no-wait] [--json]");
    expect(setHelp).toContain("EXAMPLES\n  $ deis config:set GREETING=hello");
    expect((await cli.ok(["help", "ps"])).stdout).toContain("  ps:scale      set how many processes");
    expect((await cli.ok(["--version"])).stdout).toMatch(/^deis\/\d+\.\d+\.\d+ node\//);
  });

  test("usage errors exit 2 with the usage line; no stack traces", async () => {
    const unknown = await cli.run(["confg:set", "A=1"]);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toBe("Error: 'confg:set' is not a deis command. Did you mean config:set? Run deis help for the list.\n");
    const flag = await cli.run(["apps", "--colour"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe("Error: unknown flag --colour\nUsage: deis apps [--json]\nSee deis help apps.\n");
    const missing = await cli.run(["config:set", "-a", "shop"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Error: missing argument: KEY=value...\nUsage: deis config:set KEY=value... [-a APP] [--no-wait] [--json]");
    expect((await cli.run(["run", "-a", "shop"])).stderr).toContain("Error: missing argument: COMMAND...\nUsage: deis run [-it|-T] [--timeout SECONDS] COMMAND... [-a APP] [--json]");
    expect((await cli.run(["certs:add", "shop", "cert.pem", "-a", "shop"])).stderr).toContain("Error: missing argument: KEY.PEM\n");
    const extra = await cli.run(["ps:restart", "web", "worker", "-a", "shop"]);
    expect(extra).toMatchObject({ code: 2 });
    expect(extra.stderr).toContain('unexpected argument "worker"');
    expect((await cli.run(["ps:scale", "web=lots", "-a", "shop"])).stderr).toContain('the count of web must be a whole number, got "lots"');
    expect((await cli.run(["releases:info", "five", "-a", "shop"])).stderr).toContain('"five" is not a release version like v5');
    expect((await cli.run(["logs", "-n", "0", "-a", "shop"])).stderr).toContain("--num must be a whole number from 1 to 1000");
    expect((await cli.run(["--json", "apps"])).code).toBe(2);
    expect((await cli.run(["help", "nonsense"])).code).toBe(2);
  });

  test("without a controller URL: exit 1 saying how to log in", async () => {
    const result = await cli.run(["apps"]);
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toBe("Error: no controller URL is set\nRun deis login <url> (e.g. deis login http://127.0.0.1:8000), or set DEIS_URL.\n");
    expect((await cli.run(["login"])).code).toBe(2);
  });

  test("an unreachable controller: exit 1 naming the URL", async () => {
    const port = await freePort(); // nothing listens there
    const result = await cli.run(["whoami"], { env: { DEIS_URL: `http://127.0.0.1:${port}` } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Error: cannot reach the controller at http://127.0.0.1:${port}/graphql (ECONNREFUSED)\nIs the platform running? Check DEIS_URL, or log in again with deis login <url>.\n`,
    );
  });

  test("run: one argument is a command line; several reach the container's shell exactly as given", () => {
    expect(shellCommand(["echo $HOME && ls"])).toBe("echo $HOME && ls");
    expect(shellCommand(["sh", "-c", "exit 4"])).toBe("sh -c 'exit 4'");
    const args = ["printf", "%s|", "it's", "a b", "$HOME", "", "`x`", "ünï"];
    // What /bin/sh -c makes of the command line is exactly the arguments.
    expect(execFileSync("/bin/sh", ["-c", shellCommand(args)], { encoding: "utf8", env: { HOME: "/nowhere" } })).toBe("it's|a b|$HOME||`x`|ünï|");
  });

  test("tables fit a width: the widest columns are cut with …, none below 6; without a width nothing is cut", () => {
    const rows = [["v1", "succeeded", "alice added DATABASE_URL, REDIS_URL, SECRET_KEY_BASE"]];
    const fitted = table(["version", "status", "summary"], rows, { width: 30 }).split("\n");
    for (const line of fitted) expect(line.length).toBeLessThanOrEqual(30);
    expect(fitted[1]).toMatch(/^v1 +succeeded +alice .*…$/);
    expect(table(["version", "status", "summary"], rows)).toContain("SECRET_KEY_BASE");
    expect(jsonFriendly([{ status: "SUCCEEDED", build: { kind: "DOCKERFILE" }, summary: "KEEP" }])).toEqual([{ status: "succeeded", build: { kind: "dockerfile" }, summary: "KEEP" }]);
  });

  test("help fits 80 columns when piped, and the terminal's width (COLUMNS) otherwise", async () => {
    for (const argv of [["help"], ["help", "config"], ...COMMANDS.map((c) => ["help", c.name])]) {
      for (const line of (await cli.ok(argv)).stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    }
    const narrow = (await cli.ok(["help", "login"], { env: { COLUMNS: "50" } })).stdout;
    for (const line of narrow.split("\n")) expect(line.length).toBeLessThanOrEqual(50);
    expect(narrow).toMatch(/--with-token +read an API token from\n {27}stdin/);
  });

  test("help TOPIC shows the topic's commands once, not two helps run together", async () => {
    const { stdout } = await cli.ok(["help", "config"]);
    expect(stdout.match(/USAGE/g)).toHaveLength(1);
    expect(stdout).toContain("  config:get ");
    expect(stdout).toContain("  config ");
  });

  test("a controller that accepts and never answers: the request times out with a clear message, exit 1", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    try {
      const result = await cli.run(["apps"], { env: { DEIS_URL: `http://127.0.0.1:${port}`, DEIS_TOKEN: "dts_x", DEIS_REQUEST_TIMEOUT: "0.3" } });
      expect(sockets.length).toBeGreaterThan(0); // it did connect
      expect(result).toMatchObject({ code: 1, stdout: "" });
      expect(result.stderr).toBe(
        `Error: the controller at http://127.0.0.1:${port}/graphql did not answer within 0.3 s\nIt accepted the connection but sent no answer. Is it overloaded or stuck? Allow longer with DEIS_REQUEST_TIMEOUT=SECONDS.\n`,
      );
      const bad = await cli.run(["apps"], { env: { DEIS_URL: `http://127.0.0.1:${port}`, DEIS_REQUEST_TIMEOUT: "soon" } });
      expect(bad).toMatchObject({ code: 1, stderr: 'Error: DEIS_REQUEST_TIMEOUT must be a number of seconds from 0.001 to 86400, got "soon"\n' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  describe("logs against a fake log source", () => {
    const line = (n: number): LogLine => ({
      at: `2025-01-01T00:00:0${n}.000Z`,
      app: "shop",
      source: "web.1",
      message: `GET /${n}`,
      text: `2025-01-01T00:00:0${n}.000Z shop[web.1]: GET /${n}`,
    });

    /** A source with recent lines and a live stream the test pushes into. */
    function fakeSource(recent: LogLine[]) {
      const asked: { app: string; lines: number }[] = [];
      const pending: LogLine[] = [];
      let wake: (() => void) | null = null;
      let subscribed = false;
      let ended = false;
      const source: LogSource = {
        recent: async (app, lines) => {
          asked.push({ app, lines });
          return recent.slice(-lines);
        },
        follow() {
          subscribed = true;
          return {
            [Symbol.asyncIterator]: () => ({
              next: async (): Promise<IteratorResult<LogLine>> => {
                while (pending.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
                return pending.length > 0 ? { done: false, value: pending.shift()! } : { done: true, value: undefined };
              },
              return: async (): Promise<IteratorResult<LogLine>> => {
                ended = true;
                wake?.();
                return { done: true, value: undefined };
              },
            }),
          };
        },
      };
      const push = (l: LogLine) => {
        pending.push(l);
        wake?.();
      };
      return { source, asked, push, subscribed: () => subscribed, ended: () => ended };
    }

    function run(source: LogSource, argv: string[], signal?: AbortSignal) {
      let stdout = "";
      const io: Io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, env: {}, cwd: "/", home: "/", isTTY: false, ...(signal ? { signal } : {}) };
      const command = makeLogsCommand(() => source);
      const parsed = parseArgs(argv, [...command.options!, ...globalOptions(command)], "logs");
      const ctx = new CommandContext(io, command, parsed.positionals, parsed.options);
      return { done: command.run(ctx), stdout: () => stdout };
    }

    test("prints the text of the recent lines; -n is passed on; --json prints the line objects", async () => {
      const fake = fakeSource([line(1), line(2), line(3)]);
      const plain = run(fake.source, ["-a", "shop", "-n", "2"]);
      await plain.done;
      expect(plain.stdout()).toBe(`${line(2).text}\n${line(3).text}\n`);
      expect(fake.asked).toEqual([{ app: "shop", lines: 2 }]);
      const json = run(fake.source, ["-a", "shop", "--json"]);
      await json.done;
      expect(JSON.parse(json.stdout())).toEqual([line(1), line(2), line(3)]);
      expect(fake.asked[1]).toEqual({ app: "shop", lines: 100 });
    });

    test("-f subscribes before reading the recent lines, prints live ones once, and stops when the signal aborts", async () => {
      const fake = fakeSource([line(1), line(2)]);
      const controller = new AbortController();
      const following = run(fake.source, ["-a", "shop", "-f"], controller.signal);
      fake.push(line(2)); // also among the recent lines: printed once
      fake.push(line(3));
      await eventually("line 3", async () => (following.stdout().includes(line(3).text) ? true : undefined), 10_000);
      expect(fake.subscribed()).toBe(true);
      fake.push(line(4));
      await eventually("line 4", async () => (following.stdout().includes(line(4).text) ? true : undefined), 10_000);
      controller.abort();
      await expect(following.done).resolves.toBeUndefined();
      expect(following.stdout()).toBe([1, 2, 3, 4].map((n) => `${line(n).text}\n`).join(""));
      expect(fake.ended()).toBe(true);
    });

    test("-s and -d filter the recent and live lines; -t follows like -f", async () => {
      const at = (n: number, source: string, message: string): LogLine => ({
        at: `2025-01-01T00:00:0${n}.000Z`,
        app: "shop",
        source,
        message,
        text: `2025-01-01T00:00:0${n}.000Z shop[${source}]: ${message}`,
      });
      const lines = [at(1, "web.1", "a"), at(2, "deis[api]", "b"), at(3, "router", "c"), at(4, "web.2", "d"), at(5, "worker.1", "e")];
      const texts = async (argv: string[]) => {
        const done = run(fakeSource(lines).source, ["-a", "shop", ...argv]);
        await done.done;
        return done.stdout().trim().split("\n").map((l) => l.replace(/^.*: /, ""));
      };
      expect(await texts(["-s", "app"])).toEqual(["a", "d", "e"]);
      expect(await texts(["-s", "deis"])).toEqual(["b", "c"]);
      expect(await texts(["-s", "router"])).toEqual(["c"]);
      expect(await texts(["-d", "web"])).toEqual(["a", "d"]);
      expect(await texts(["--dyno", "web.2"])).toEqual(["d"]);
      expect(await texts(["-s", "app", "-d", "worker"])).toEqual(["e"]);

      const fake = fakeSource([lines[0]]);
      const controller = new AbortController();
      const following = run(fake.source, ["-a", "shop", "-t", "-d", "web"], controller.signal);
      fake.push(at(6, "worker.1", "skipped"));
      fake.push(at(7, "web.3", "kept"));
      // The lines are read in order: once "kept" is printed, "skipped" has been read (and dropped).
      await eventually("the live web line", async () => (following.stdout().includes("kept") ? true : undefined), 10_000);
      controller.abort();
      await following.done;
      expect(following.stdout()).toBe(`${lines[0].text}\n${at(7, "web.3", "kept").text}\n`);
    });

    test("-f --json prints one JSON object per line", async () => {
      const fake = fakeSource([line(1)]);
      const controller = new AbortController();
      const following = run(fake.source, ["-a", "shop", "-f", "--json"], controller.signal);
      fake.push(line(2));
      await eventually("the live line", async () => (following.stdout().includes(line(2).message) ? true : undefined), 10_000);
      controller.abort();
      await following.done;
      expect(following.stdout().trim().split("\n").map((l) => JSON.parse(l))).toEqual([line(1), line(2)]);
    });
  });
});
