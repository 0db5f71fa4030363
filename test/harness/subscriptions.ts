import type { EventBus, Topic } from "../../src/modules/cache";

/**
 * Counts the live subscriptions a platform's event bus hands out, per topic, by wrapping its
 * `subscribe` (a test-side spy; the bus itself has no such member). A subscription counts from the
 * moment `subscribe` resolved (the bus delivers from then on) until its iterator ends.
 */
export function countSubscriptions(events: EventBus): (topic: Topic<unknown>) => number {
  const live = new Map<string, number>();
  const subscribe = events.subscribe.bind(events);
  events.subscribe = async <T>(topic: Topic<T>): Promise<AsyncIterableIterator<T>> => {
    const inner = await subscribe(topic);
    live.set(topic.name, (live.get(topic.name) ?? 0) + 1);
    let open = true;
    const end = () => {
      if (!open) return;
      open = false;
      live.set(topic.name, live.get(topic.name)! - 1);
    };
    const iterator: AsyncIterableIterator<T> = {
      async next() {
        const result = await inner.next();
        if (result.done) end();
        return result;
      },
      async return(value?: unknown) {
        end();
        return (await inner.return?.(value)) ?? { value: undefined, done: true };
      },
      async throw(error?: unknown) {
        end();
        if (inner.throw) return inner.throw(error);
        throw error;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  };
  return (topic) => live.get(topic.name) ?? 0;
}
