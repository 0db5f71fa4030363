import { type ExecutionResult, GraphQLInt, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from "graphql";
import { sharedSubscribe } from "../../../src/server/shared-subscribe";

/** One channel that hands every subscriber the same event object, as the Redis event bus does. */
function channel() {
  const subscribers: { queue: unknown[]; waiting: ((step: IteratorResult<unknown>) => void) | null }[] = [];
  return {
    subscribe(): AsyncIterableIterator<unknown> {
      const subscriber: (typeof subscribers)[number] = { queue: [], waiting: null };
      subscribers.push(subscriber);
      const iterator: AsyncIterableIterator<unknown> = {
        next: () =>
          subscriber.queue.length > 0
            ? Promise.resolve({ value: subscriber.queue.shift(), done: false })
            : new Promise((resolve) => (subscriber.waiting = resolve)),
        return: async () => ({ value: undefined, done: true }),
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
    publish(event: unknown) {
      for (const subscriber of subscribers) {
        const wake = subscriber.waiting;
        subscriber.waiting = null;
        if (wake) wake({ value: event, done: false });
        else subscriber.queue.push(event);
      }
    },
  };
}

describe("sharedSubscribe: one execution of an event per operation and user", () => {
  let resolved: string[];
  const events = channel();
  const Line = new GraphQLObjectType({
    name: "Line",
    fields: {
      text: { type: GraphQLString, resolve: (line: { text: string }, _args, context: { ctx: { user: { id: string } | null } }) => (resolved.push(`${context.ctx.user?.id}:${line.text}`), line.text) },
      n: { type: GraphQLInt },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: "Subscription",
      fields: {
        lines: { type: new GraphQLList(Line), args: { app: { type: GraphQLString } }, subscribe: () => events.subscribe(), resolve: (batch: unknown) => batch },
      },
    }),
  });
  const document = parse("subscription ($app: String) { lines(app: $app) { text n } }");
  const as = (user: string | null) => ({ ctx: { user: user ? { id: user } : null } });

  beforeEach(() => {
    resolved = [];
  });

  async function follow(subscribe: ReturnType<typeof sharedSubscribe>, user: string | null, app = "shop") {
    const stream = (await subscribe({ schema, document, contextValue: as(user), variableValues: { app } })) as AsyncIterableIterator<ExecutionResult>;
    return stream;
  }

  test("three subscribers of one user get the same result, resolved once; another user's is resolved apart", async () => {
    const subscribe = sharedSubscribe();
    const streams = [await follow(subscribe, "u1"), await follow(subscribe, "u1"), await follow(subscribe, "u1"), await follow(subscribe, "u2")];
    const nexts = streams.map((s) => s.next());
    events.publish([{ text: "a", n: 1 }, { text: "b", n: 2 }]);
    const results = await Promise.all(nexts);
    for (const result of results) expect(result.value).toEqual({ data: { lines: [{ text: "a", n: 1 }, { text: "b", n: 2 }] } });
    expect(resolved.sort()).toEqual(["u1:a", "u1:b", "u2:a", "u2:b"]);
    for (const s of streams) await s.return?.();
  });

  test("different variables are executed apart, and each event anew", async () => {
    const subscribe = sharedSubscribe();
    const streams = [await follow(subscribe, "u1", "shop"), await follow(subscribe, "u1", "blog")];
    for (const text of ["x", "y"]) {
      const nexts = streams.map((s) => s.next());
      events.publish([{ text, n: 0 }]);
      await Promise.all(nexts);
    }
    expect(resolved.sort()).toEqual(["u1:x", "u1:x", "u1:y", "u1:y"]);
    for (const s of streams) await s.return?.();
  });

  test("an operation the schema refuses comes back as errors, not a stream", async () => {
    const result = (await sharedSubscribe()({ schema, document: parse("subscription { nothing }"), contextValue: as("u1") })) as ExecutionResult;
    expect(result.errors?.[0].message).toMatch(/nothing/);
  });
});
