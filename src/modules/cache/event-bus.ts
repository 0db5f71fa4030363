import type { Topic } from "../../core/topics";

export { type Topic, topic } from "../../core/topics";

/**
 * Publish/subscribe across every process of the platform: Redis when configured, in-process
 * otherwise. `subscribe` resolves once the subscription is live, so an event published after it
 * returns is delivered.
 */
export interface EventBus {
  publish<T>(topic: Topic<T>, payload: T): Promise<void>;
  subscribe<T>(topic: Topic<T>): Promise<AsyncIterableIterator<T>>;
  close(): Promise<void>;
}
