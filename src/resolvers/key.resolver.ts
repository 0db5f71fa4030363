import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { SshKey } from "../entities";
import type { GraphQLContext } from "./context";
import { ConnectionType, PageArgsType, pageComplexity } from "./types/pagination";

export const KeyConnection = ConnectionType(SshKey, "Key");

@Resolver()
export class KeyResolver {
  @Authorized()
  @Query(() => KeyConnection, { description: "Your SSH keys.", complexity: pageComplexity })
  async keys(@Args(() => PageArgsType) page: PageArgsType, @Ctx() { ctx, services }: GraphQLContext) {
    return new KeyConnection(await services.keys.list(ctx, page));
  }

  @Authorized()
  @Mutation(() => SshKey, { description: "Adds an SSH public key (the contents of ~/.ssh/id_ed25519.pub)." })
  addKey(
    @Arg("publicKey", () => String) publicKey: string,
    @Arg("name", () => String, { nullable: true, description: "Defaults to the key's comment." }) name: string | null,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.keys.add(ctx, publicKey, name);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Removes one of your keys, by name or fingerprint." })
  removeKey(@Arg("key", () => String) key: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.keys.remove(ctx, key);
  }
}
