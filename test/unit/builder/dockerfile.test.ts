import { DockerfileError, type ImageUse, expandWord, parseDockerfile, pinDockerfile } from "../../../src/modules/builder/dockerfile";

const LABELS = { "deis.app": "bob", "deis.platform": "deis" };

/** Pins with a resolver that records what it was asked and answers a fake ID per reference. */
async function pin(text: string, buildArgs: Record<string, string> = {}): Promise<{ out: string; asked: ImageUse[] }> {
  const asked: ImageUse[] = [];
  const out = await pinDockerfile(text, {
    buildArgs,
    labels: LABELS,
    resolve: async (use) => {
      asked.push(use);
      return `sha256:${Buffer.from(use.ref).toString("hex").padEnd(64, "0").slice(0, 64)}`;
    },
  });
  return { out, asked };
}

describe("a Dockerfile read as the classic builder reads it", () => {
  test("joins continuation lines, skips comments and blank lines inside them", () => {
    const parsed = parseDockerfile("FROM a\nRUN echo 1 \\\n# a comment\n\n  && echo 2\n");
    expect(parsed.instructions.map((i) => [i.keyword, i.args])).toEqual([
      ["FROM", "a"],
      ["RUN", "echo 1 && echo 2"],
    ]);
  });

  test("honours the escape directive, and only at the top", () => {
    const parsed = parseDockerfile("# escape=`\nFROM a\nRUN echo `\n  b\n");
    expect(parsed.escape).toBe("`");
    expect(parsed.instructions[1].args).toBe("echo b");
    expect(parseDockerfile("FROM a\n# escape=`\nRUN x\n").escape).toBe("\\");
  });

  test("expands ARGs in image names like the builder, with defaults and alternatives", () => {
    const vars = { A: "alice", E: "" };
    expect(expandWord("$A:v1", vars, "\\")).toBe("alice:v1");
    expect(expandWord("${A}:v1", vars, "\\")).toBe("alice:v1");
    expect(expandWord("${MISSING:-x}/${A:+set}", vars, "\\")).toBe("x/set");
    expect(expandWord("${E:-fallback}${E-kept}", vars, "\\")).toBe("fallback");
    expect(expandWord('"${A}"\\$A', vars, "\\")).toBe("alice$A");
    expect(() => expandWord("${A:?no}", vars, "\\")).toThrow(DockerfileError);
  });
});

describe("pinning a Dockerfile", () => {
  test("every image becomes the ID the platform checked; stages are renamed; labels follow each FROM", async () => {
    const { out, asked } = await pin(
      [
        "ARG BASE=alice",
        "from --platform=$BUILDPLATFORM ${BASE}:v3 as Build",
        "RUN make",
        "FROM build",
        "COPY --from=BUILD /out /out",
        "COPY --from=0 /x /x",
        "copy --chown=1:1 --from=docker.io/library/alice:v3 /app /app",
      ].join("\n"),
    );
    expect(asked.map((a) => [a.ref, a.how])).toEqual([
      ["alice:v3", "FROM"],
      ["docker.io/library/alice:v3", "COPY --from"],
    ]);
    const lines = out.trim().split("\n");
    expect(lines[1]).toMatch(/^FROM sha256:[0-9a-f]{64} AS deis-stage-0$/);
    expect(lines[2]).toBe('LABEL deis.app="bob" deis.platform="deis"');
    expect(lines).toContain("FROM deis-stage-0 AS deis-stage-1");
    expect(lines).toContain("COPY --from=0 /out /out");
    expect(lines).toContain("COPY --from=0 /x /x");
    expect(lines.find((l) => l.includes("/app /app"))).toMatch(/^COPY --chown=1:1 --from=sha256:[0-9a-f]{64} \/app \/app$/);
    expect(lines.filter((l) => !l.startsWith("ARG ")).join("\n")).not.toMatch(/alice/);
  });

  test("the platform's labels are the last instruction, over any LABEL the Dockerfile sets", async () => {
    const { out } = await pin('FROM a:1\nLABEL deis.app="alice" other=kept\nCMD ["run"]\n');
    const lines = out.trim().split("\n");
    expect(lines.at(-1)).toBe('LABEL deis.app="bob" deis.platform="deis"');
    expect(lines.at(-2)).toBe('CMD ["run"]');
    expect(lines.filter((l) => l.startsWith("LABEL deis.app=\"bob\""))).toHaveLength(2);
  });

  test("without a LABEL in the final stage, the labels after its FROM are the last word (no extra build step)", async () => {
    const { out } = await pin('FROM a:1 AS base\nLABEL deis.app="alice"\nFROM base\nCMD ["run"]\n');
    const lines = out.trim().split("\n");
    expect(lines.at(-1)).toBe('CMD ["run"]');
    expect(lines.at(-3)).toBe("FROM deis-stage-0 AS deis-stage-1");
    expect(lines.at(-2)).toBe('LABEL deis.app="bob" deis.platform="deis"');
    // A lower-case label instruction counts as one.
    const lower = (await pin('FROM a:1\nlabel deis.app="alice"\n')).out.trim().split("\n");
    expect(lower.at(-1)).toBe('LABEL deis.app="bob" deis.platform="deis"');
  });

  test("build args given by the app override ARG defaults before FROM", async () => {
    const { asked } = await pin("ARG IMG=public:1\nFROM $IMG\n", { IMG: "other:2" });
    expect(asked.map((a) => a.ref)).toEqual(["other:2"]);
  });

  test("a stage number that is not an earlier stage, or an unknown name, is an image to check", async () => {
    const { asked } = await pin("FROM a:1\nCOPY --from=5 /x /x\nCOPY --from=later /y /y\n");
    expect(asked.map((a) => a.ref)).toEqual(["a:1", "5", "later"]);
  });

  test("scratch is no image", async () => {
    const { asked, out } = await pin("FROM scratch\nCOPY x /x\n");
    expect(asked).toEqual([]);
    expect(out).toMatch(/^FROM scratch AS deis-stage-0$/m);
  });

  test.each([
    ["RUN --mount=type=bind,from=alice:v3,target=/m cat /m/x", /needs BuildKit/],
    ["ONBUILD COPY --from=alice:v3 /app /app", /ONBUILD is not supported/],
    ["ONBUILD RUN echo later", /ONBUILD is not supported/],
    ["COPY --chown=u\u00e0--from=alice:v3 /app /app", /flags are ASCII/],
    ["ADD http://127.0.0.1:5000/v2/alice/tags/list /t", /ADD <url>/],
    ["ADD git@example.com:alice/app.git /src", /ADD <url>/],
    ['COPY --from="alice:v3" /app /app', /quotes/],
    ["COPY --FROM=alice:v3 /app /app", /--FROM=alice:v3 is not supported/],
    ["COPY --from=$X /app /app", /quotes, \$/],
    ["ADD --from=alice:v3 /app /app", /ADD has no --from/],
    ["FROM --network=host alice", /not supported/],
    ["FROM a b c d", /FROM takes/],
    ["RUN echo \\", /line continuation/],
  ])("refuses %s", async (line, rule) => {
    await expect(pin(`FROM public:1\n${line}\n`)).rejects.toThrow(rule);
  });

  test("refuses instructions before the first FROM other than ARG", async () => {
    await expect(pin("RUN x\nFROM a:1\n")).rejects.toThrow(/starts with FROM/);
  });

  test("any Dockerfile the pinner accepts names no image but by checked ID (random instructions)", async () => {
    const pieces = ["FROM img:1", "FROM img:2 AS s", "COPY --from=s /a /a", "COPY --from=img:3 /b /b", "RUN echo hi", "ARG X=1", "ENV A=b", "# c", ""];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const lines = ["FROM base:1", ...Array.from({ length: 6 }, () => pieces[next() % pieces.length])];
      const { out } = await pin(lines.join("\n"));
      for (const line of out.split("\n")) {
        const from = /^FROM (\S+)/.exec(line);
        if (from) expect(from[1]).toMatch(/^(sha256:[0-9a-f]{64}|deis-stage-\d+|scratch)$/);
        const copy = /--from=(\S+)/.exec(line);
        if (copy) expect(copy[1]).toMatch(/^(sha256:[0-9a-f]{64}|\d+)$/);
      }
    }
  });
});
