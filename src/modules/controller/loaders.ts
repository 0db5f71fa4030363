import DataLoader from "dataloader";
import { In, type ObjectLiteral, type Repository } from "typeorm";
import type { RequestContext } from "../../core/context";

/** Loads rows by id, batched and cached for one request: one query per type, however many are asked. */
export function loadById<T extends ObjectLiteral & { id: string }>(
  ctx: RequestContext,
  repository: Repository<T>,
  id: string,
): Promise<T | null> {
  const loader = ctx.scope(
    `byId:${repository.metadata.tableName}`,
    () =>
      new DataLoader<string, T | null>(async (ids) => {
        const rows = await repository.findBy({ id: In([...ids]) } as never);
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((i) => byId.get(i) ?? null);
      }),
  );
  return loader.load(id);
}
