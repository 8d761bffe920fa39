/**
 * The entities of a highlighted document as the editor's navigation sees them: grouped by kind
 * for the Outline, breadcrumbs and *Go to Symbol in Editor*, and in document order for *Next
 * Entity* / *Previous Entity*. Pure: no `vscode`, so it is unit-tested in plain Node.
 */

import type { Entity } from '../protocol';
import { ENTITY_KIND_INFO, ENTITY_KINDS, entityKind, type EntityKind } from './entityKinds';

export interface EntityGroup {
  kind: EntityKind;
  /** The group's name in the Outline: the kind's plural ("People"). */
  name: string;
  /** In document order. */
  entities: Entity[];
}

/**
 * The shown entities by kind, kinds in their usual order (people, organisations, locations,
 * miscellaneous) and empty ones left out; hidden kinds are left out, as they are not highlighted.
 */
export function groupEntities(entities: readonly Entity[], hidden: ReadonlySet<EntityKind> = new Set()): EntityGroup[] {
  const byKind = new Map<EntityKind, Entity[]>();
  for (const entity of [...entities].sort((a, b) => a.start - b.start)) {
    const kind = entityKind(entity.type);
    if (hidden.has(kind)) continue;
    const group = byKind.get(kind) ?? [];
    group.push(entity);
    byKind.set(kind, group);
  }
  return ENTITY_KINDS.filter((kind) => byKind.has(kind)).map((kind) => ({ kind, name: ENTITY_KIND_INFO[kind].plural, entities: byKind.get(kind)! }));
}

export type EntityDirection = 'next' | 'previous';

export interface EntityStep<T> {
  entity: T;
  /** Where it is among the entities, from 0. */
  index: number;
  /** The search went past the last (or first) entity and came round from the other end. */
  wrapped: boolean;
}

/**
 * The entity to move to from the cursor at `offset`, among `entities` sorted by start: *next* is
 * the first starting after the cursor, *previous* the last starting before it (so from inside an
 * entity, *previous* goes to its own start first, as word navigation does). Past either end it
 * wraps round. Undefined when there are none.
 */
export function stepEntity<T extends { start: number }>(entities: readonly T[], offset: number, direction: EntityDirection): EntityStep<T> | undefined {
  if (entities.length === 0) return undefined;
  if (direction === 'next') {
    const index = entities.findIndex((entity) => entity.start > offset);
    return index >= 0 ? { entity: entities[index], index, wrapped: false } : { entity: entities[0], index: 0, wrapped: true };
  }
  const index = entities.findLastIndex((entity) => entity.start < offset);
  const last = entities.length - 1;
  return index >= 0 ? { entity: entities[index], index, wrapped: false } : { entity: entities[last], index: last, wrapped: true };
}
