/**
 * The four kinds of entity the editor highlights, and how entities are compared with each other.
 * Pure: no `vscode`.
 *
 * Models name their types in their own way (`PER`, `PERSON`, `B-PER` without its prefix…); the
 * highlighter has one decoration, one colour and one setting value per kind, so every type maps
 * to a kind here, and a type no kind claims counts as miscellaneous.
 */

import { entityKind, normaliseEntityText } from '../entityTypes';

export {
  ENTITY_KINDS,
  ENTITY_KIND_INFO,
  entityKind,
  normaliseEntityText,
  type EntityKind,
  type EntityKindInfo,
} from '../entityTypes';

export interface TypedText {
  text: string;
  type: string;
}

/** Entities of the same kind and the same normalised text: "Paris" the city is not "Paris" a person. */
export function sameEntity(a: TypedText, b: TypedText): boolean {
  return entityKind(a.type) === entityKind(b.type) && normaliseEntityText(a.text) === normaliseEntityText(b.text);
}

/** The entities among `entities` that are the same as `target` (itself included, when present), in order. */
export function occurrencesOf<T extends TypedText>(entities: readonly T[], target: TypedText): T[] {
  const kind = entityKind(target.type);
  const key = normaliseEntityText(target.text);
  return entities.filter((entity) => entityKind(entity.type) === kind && normaliseEntityText(entity.text) === key);
}
