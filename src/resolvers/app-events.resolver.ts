import { Arg, Authorized, Resolver, Root, Subscription } from "type-graphql";
import type { AppEventPayload } from "../modules/controller";
import type { GraphQLContext } from "./context";
import { AppEvent } from "./types/objects";

@Resolver()
export class AppEventsResolver {
  @Authorized()
  @Subscription(() => AppEvent, {
    description: "Releases, config changes, domains, collaborators and the end of the app, as they commit.",
    subscribe: ({ args, context }) => {
      const { ctx, services } = context as GraphQLContext;
      return services.apps.subscribe(ctx, (args as { app: string }).app);
    },
  })
  appEvents(@Root() event: AppEventPayload, @Arg("app", () => String) _app: string): AppEvent {
    return { ...event, at: new Date(event.at) };
  }
}
