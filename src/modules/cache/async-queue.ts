/**
 * A push-based async iterator: producers `push`, one consumer iterates with `for await`.
 * Bounded: past `limit` buffered items the oldest are dropped and counted, so a stalled
 * subscriber cannot grow the heap without end. `onClose` runs once when the consumer stops.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: ((result: IteratorResult<T>) => void)[] = [];
  private closed = false;
  dropped = 0;

  constructor(
    private readonly onClose: () => void = () => undefined,
    private readonly limit = 10_000,
  ) {}

  push(item: T): void {
    if (this.closed) return;
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter({ value: item, done: false });
      return;
    }
    this.buffer.push(item);
    if (this.buffer.length > this.limit) {
      this.buffer.shift();
      this.dropped += 1;
    }
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.buffer.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(error);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
    this.onClose();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Passes items through until one satisfies `isLast` (delivered, then the stream ends). Unlike an
 * async generator, `return()` reaches the source at once, even while a `next()` is waiting.
 */
export function endAfter<T>(source: AsyncIterableIterator<T>, isLast: (item: T) => boolean): AsyncIterableIterator<T> {
  let finished = false;
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      if (finished) return { value: undefined, done: true };
      const result = await source.next();
      if (!result.done && isLast(result.value)) {
        finished = true;
        await source.return?.();
      }
      return result;
    },
    async return() {
      finished = true;
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Passes items through until `stop` resolves; then the stream ends (the source is returned) and
 * `onEnd` runs. A `return()` from the consumer ends it too.
 */
export function endWhen<T>(source: AsyncIterableIterator<T>, stop: Promise<unknown>, onEnd: () => unknown): AsyncIterableIterator<T> {
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    await onEnd();
    await source.return?.();
  };
  const stopped = stop.then(() => finish()).then(() => ({ value: undefined, done: true }) as IteratorResult<T>);
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      if (finished) return { value: undefined, done: true };
      return Promise.race([source.next(), stopped]);
    },
    async return() {
      await finish();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
