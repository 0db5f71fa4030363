import { DockerEngine, STACK_IMAGE } from "../../src/modules/docker";
import { LineSplitter } from "../../src/modules/logger/log-lines";
import { eventually } from "../harness/wait";

/**
 * Following a container's output across log rotations: Docker's json-file driver sends entries
 * again after a rotation (thousands of 100,000 lines with a small max-size); the platform passes
 * each line once, in order. The writer stays within what the rotated files hold (20 of 100 KB),
 * so a reader held up by a busy machine loses nothing to the rotation itself.
 */
describe("followLogs across log file rotations", () => {
  const engine = new DockerEngine();
  let id = "";
  afterAll(async () => {
    if (id) await engine.docker.getContainer(id).remove({ force: true });
  });

  test("every line once and in order, on stdout and stderr", async () => {
    const total = 50_000;
    const writer =
      `let i = 0; const t = setInterval(() => { let out = "", err = ""; ` +
      `for (let k = 0; k < 50 && i < ${total}; k++, i++) { out += "out " + i + "\\n"; if (i % 10 === 0) err += "err " + i + "\\n"; } ` +
      `process.stdout.write(out); process.stderr.write(err); if (i >= ${total}) { clearInterval(t); setTimeout(() => {}, 60000); } }, 5);`;
    const container = await engine.docker.createContainer({
      Image: STACK_IMAGE,
      Cmd: ["node", "-e", writer],
      Labels: { "deis.test": "follow-logs" },
      HostConfig: { LogConfig: { Type: "json-file", Config: { "max-size": "100k", "max-file": "20" } } },
    });
    id = container.id;
    await container.start();
    const lines = { stdout: [] as string[], stderr: [] as string[] };
    const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
    const stream = await engine.followLogs(id, 0, (chunk, which) => lines[which].push(...splitters[which].push(chunk)));
    await eventually("the last lines", async () =>
      lines.stdout.includes(`out ${total - 1}`) && lines.stderr.includes(`err ${total - 10}`) ? true : undefined,
    );
    stream.stop();
    // Summaries, not 50,000-line diffs: how many, and the first line out of place.
    const misplaced = (got: string[], want: (i: number) => string) => {
      const at = got.findIndex((line, i) => line !== want(i));
      return at < 0 ? null : { at, got: got.slice(at, at + 3), want: [want(at), want(at + 1), want(at + 2)] };
    };
    expect({ count: lines.stdout.length, misplaced: misplaced(lines.stdout, (i) => `out ${i}`) }).toEqual({ count: total, misplaced: null });
    expect({ count: lines.stderr.length, misplaced: misplaced(lines.stderr, (i) => `err ${i * 10}`) }).toEqual({ count: total / 10, misplaced: null });
  });
});
