import { EventEmitter } from "node:events";
import { AsyncQueue } from "./async-queue";
import type { EventBus, Topic } from "./event-bus";

/** The embedded twin of RedisEventBus: one process, same contract. */
export class MemoryEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish<T>(topic: Topic<T>, payload: T): Promise<void> {
    // Round-trip through JSON like Redis does, so both buses hand subscribers the same shapes.
    this.emitter.emit(topic.name, JSON.parse(JSON.stringify(payload)) as T);
  }

  async subscribe<T>(topic: Topic<T>): Promise<AsyncIterableIterator<T>> {
    const listener = (payload: T) => queue.push(payload);
    const queue = new AsyncQueue<T>(() => this.emitter.off(topic.name, listener));
    this.emitter.on(topic.name, listener);
    return queue;
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
