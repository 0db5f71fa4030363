import { ArgsType, type ClassType, Field, Int, ObjectType } from "type-graphql";
import type { Page } from "../../modules/controller";

/** The arguments of every paginated list field. */
@ArgsType()
export class PageArgsType {
  @Field(() => Int, { nullable: true, description: "Page size, 1 to 100 (default 50)." })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "pageInfo.endCursor of the previous page." })
  after?: string | null;
}

@ObjectType({ description: "Where a page ends and whether more follow." })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage: boolean;

  @Field(() => String, { nullable: true, description: "Pass as `after` to get the next page." })
  endCursor: string | null;
}

export interface Connection<T> {
  readonly nodes: T[];
  readonly pageInfo: PageInfo;
  totalCount(): Promise<number>;
}

/** A paginated list type, `<Name>Connection { nodes pageInfo totalCount }`, made from a service's Page. */
export function ConnectionType<T extends object>(node: ClassType<T>, name: string): new (page: Page<T>) => Connection<T> {
  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class ConnectionClass implements Connection<T> {
    @Field(() => [node])
    readonly nodes: T[];

    @Field(() => PageInfo)
    readonly pageInfo: PageInfo;

    constructor(private readonly page: Page<T>) {
      this.nodes = page.nodes;
      this.pageInfo = { hasNextPage: page.hasNextPage, endCursor: page.endCursor };
    }

    @Field(() => Int, { description: "How many items the whole list has (one extra query, only when asked)." })
    totalCount(): Promise<number> {
      return this.page.totalCount();
    }
  }
  return ConnectionClass;
}

/** A list field's cost grows with the page size asked for. */
export function pageComplexity({ args, childComplexity }: { args: { first?: number | null }; childComplexity: number }): number {
  return (args.first ?? 50) * Math.max(childComplexity, 1) + 1;
}
