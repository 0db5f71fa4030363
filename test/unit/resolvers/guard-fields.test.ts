import { type GraphQLObjectType, graphql } from "graphql";
import { buildApiSchema } from "../../../src/resolvers";

/** Which fields run the API's middlewares (audit, NUL check): roots and fields with arguments, nothing else. */
describe("the API's middlewares are around the fields that need them", () => {
  test("root fields and fields with arguments are guarded; an object's plain fields resolve by default", async () => {
    const schema = await buildApiSchema();
    const field = (type: string, name: string) => (schema.getType(type) as GraphQLObjectType).getFields()[name];
    for (const [type, name] of [["Mutation", "createApp"], ["Query", "apps"], ["Subscription", "logBatches"]]) expect(field(type, name).resolve).toBeDefined();
    // A log line's fields: per line and per subscriber, a property read answered at once (no promise).
    for (const name of ["at", "app", "source", "message", "text"]) {
      const resolve = field("LogLine", name).resolve!;
      expect(resolve({ [name]: "value" }, {}, {}, undefined as never)).toBe("value");
    }
    const withArgs = Object.values(schema.getTypeMap()).flatMap((type) =>
      "getFields" in type && !type.name.startsWith("__") && !["Query", "Mutation", "Subscription"].includes(type.name)
        ? Object.values((type as GraphQLObjectType).getFields()).filter((f) => "args" in f && f.args.length > 0)
        : [],
    );
    for (const f of withArgs) expect(f.resolve).toBeDefined();
  });

  test("a NUL character in an argument is refused naming the argument, before anything runs", async () => {
    const schema = await buildApiSchema();
    const result = await graphql({ schema, source: 'mutation { createApp(name: "a\\u0000b") { name } }', contextValue: { ctx: {}, services: { audit: { record: async () => undefined } } } });
    expect(result.errors?.[0]?.message).toMatch(/name.*NUL/);
  });
});
