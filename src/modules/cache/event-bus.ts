/** A named channel whose payloads are of type T (JSON-safe: ids, strings, numbers, ISO dates). */
export interface Topic<T> {
  readonly name: string;
  /** Phantom: carries the payload type; never set. */
  readonly payload?: T;
}

export function topic<T>(name: string): Topic<T> {
  return { name };
}

/**
 * Publish/subscribe across every process of the platform: Redis when configured, in-process
 * otherwise. `subscribe` resolves once the subscription is live, so an event published after it
 * returns is delivered.
 */
export interface EventBus {
  publish<T>(topic: Topic<T>, payload: T): Promise<void>;
  subscribe<T>(topic: Topic<T>): Promise<AsyncIterableIterator<T>>;
  /** Live subscriptions to a topic held by this process (tests wait on this before publishing). */
  localSubscriberCount(topic: Topic<unknown>): number;
  close(): Promise<void>;
}
