import { type LogLine, appLogBatchesTopic } from "../../../src/core/topics";
import { AsyncQueue } from "../../../src/modules/cache";

const line = (n: number) => ({ app: "a", at: n, source: "web.1", message: `line ${n}` }) as unknown as LogLine;

describe("a subscriber's queue of batches", () => {
  test("batches waiting for a busy subscriber are folded into one, in order; one handed over at once stays whole", async () => {
    const { merge } = appLogBatchesTopic("a");
    const queue = new AsyncQueue<readonly LogLine[]>(undefined, undefined, merge);
    const waiting = queue.next();
    queue.push([line(1)]); // a subscriber waiting gets it as it is
    expect((await waiting).value).toEqual([line(1)]);
    queue.push([line(2), line(3)]);
    queue.push([line(4)]);
    queue.push([line(5)]);
    expect((await queue.next()).value).toEqual([line(2), line(3), line(4), line(5)]);
  });

  test("a fold stops at 5,000 lines: the next batch waits as a batch of its own", async () => {
    const queue = new AsyncQueue<readonly LogLine[]>(undefined, undefined, appLogBatchesTopic("a").merge);
    const big = Array.from({ length: 4_999 }, (_, i) => line(i));
    queue.push(big);
    queue.push([line(5_000)]);
    queue.push([line(5_001)]);
    expect((await queue.next()).value).toHaveLength(5_000);
    expect((await queue.next()).value).toEqual([line(5_001)]);
  });

  test("without a merge every item stays apart", async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.push(2);
    expect([(await queue.next()).value, (await queue.next()).value]).toEqual([1, 2]);
  });
});
