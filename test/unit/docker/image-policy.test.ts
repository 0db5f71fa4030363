import type { DockerEngine, ImageInfo } from "../../../src/modules/docker";
import { ImageNames, ImagePolicy } from "../../../src/modules/docker";

const policy = new ImagePolicy({} as DockerEngine, { platformId: "deis", names: new ImageNames("127.0.0.1:5000") });

function image(fields: Partial<ImageInfo>): ImageInfo {
  return { id: "sha256:1", tags: [], labels: {}, onBuild: [], exposedPort: null, repoDigest: null, ...fields };
}

/** Which images an app may use, decided on what the engine says of the image, not on a name. */
describe("the image policy", () => {
  test.each<[string, Partial<ImageInfo>, string | null]>([
    ["bob's own labelled build", { labels: { "deis.app": "bob", "deis.platform": "deis" }, tags: ["deis-apps/bob:git-1234567"] }, null],
    ["alice's build, whatever it is called", { labels: { "deis.app": "alice", "deis.platform": "deis" }, tags: ["x/y:z"] }, "another app's"],
    ["an intermediate layer of alice's build", { labels: { "deis.app": "alice", "deis.platform": "deis" } }, "another app's"],
    ["bob's name on another platform of the same engine", { labels: { "deis.app": "bob", "deis.platform": "other" }, tags: ["a:1"] }, "another app's"],
    ["bob's build under his former name (renamed: the id decides)", { labels: { "deis.app": "robert", "deis.app-id": "id-bob", "deis.platform": "deis" }, tags: ["a:1"] }, null],
    ["the build of a former app that had bob's name", { labels: { "deis.app": "bob", "deis.app-id": "id-old-bob", "deis.platform": "deis" }, tags: ["a:1"] }, "another app's"],
    ["an outside image", { tags: ["node:20"] }, null],
    ["an outside image other apps deployed", { tags: ["node:20", "deis-apps/alice:v3", "127.0.0.1:5000/carol:v9"] }, null],
    ["an unlabelled image named only in alice's repository", { tags: ["deis-apps/alice:v3"] }, "another app's"],
    ["an unlabelled image named only in the registry's alice", { tags: ["127.0.0.1:5000/alice:git-abcdef0"] }, "another app's"],
    ["an unlabelled image named only in bob's repository", { tags: ["deis-apps/bob:v3"] }, null],
    ["an unnamed image", { repoDigest: "deis-apps/alice@sha256:ab" }, "without a name"],
    ["an image with ONBUILD triggers", { tags: ["evil:1"], onBuild: ["COPY --fr\\om=alice:v3 / /x"] }, "ONBUILD"],
  ])("%s", (_, fields, refused) => {
    const problem = policy.problem({ name: "bob", id: "id-bob" }, image(fields));
    if (refused === null) expect(problem).toBeNull();
    else expect(problem).toContain(refused);
  });
});
