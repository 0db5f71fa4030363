import type pg from "pg";
import { StallWatch } from "../../../src/modules/database/stall-watch";

/** A client whose connection records being cut (what the watch does to a statement on a hung server). */
function fakeClient(): { client: pg.Client; cut: () => boolean } {
  let destroyed = false;
  const client = { connection: { stream: { destroy: () => (destroyed = true) } } } as unknown as pg.Client;
  return { client, cut: () => destroyed };
}

describe("StallWatch: a hung server told from a slow statement", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test("a statement stalled while a fresh connection cannot answer either is cut", async () => {
    const probe = jest.fn(() => Promise.reject(new Error("no answer")));
    const watch = new StallWatch(probe);
    const { client, cut } = fakeClient();
    watch.started(client);
    await jest.advanceTimersByTimeAsync(500);
    expect(probe).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(400);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(cut()).toBe(true);
  });

  test("a slow statement on a server that answers a probe goes on", async () => {
    const probe = jest.fn(() => Promise.resolve());
    const watch = new StallWatch(probe);
    const { client, cut } = fakeClient();
    watch.started(client);
    await jest.advanceTimersByTimeAsync(900);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(cut()).toBe(false);
    watch.finished(client);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  test("no probe while other statements keep finishing", async () => {
    const probe = jest.fn(() => Promise.reject(new Error("no answer")));
    const watch = new StallWatch(probe);
    const slow = fakeClient();
    watch.started(slow.client);
    for (let i = 0; i < 10; i++) {
      const quick = fakeClient();
      watch.started(quick.client);
      await jest.advanceTimersByTimeAsync(200);
      watch.finished(quick.client);
    }
    expect(probe).not.toHaveBeenCalled();
    expect(slow.cut()).toBe(false);
  });
});
