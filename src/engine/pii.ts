/**
 * Personal data: the recognizers (src/engine/pii/), and people, places and organisations from the
 * models the request borrows — the named-entity model, a dedicated PII model, both or none —
 * merged into one list by start with overlaps resolved.
 */
import type { PiiFinding, PiiParams, PiiResult } from '../protocol';
import { knownEntityKind, type EntityKind } from '../entityTypes';
import { comparedCaselessly, MODEL_PII_TYPES, PII_TYPES, type PiiType } from '../tasks/pii';
import type { BatchLimits } from './batching';
import { entitySpans, type ParagraphEntity } from './entities';
import { throwIfCancelled } from './errors';
import type { LoadedModel } from './modelStore';
import type { ModelSlot } from './models';
import { recognizerProblem, recognize, resolveOverlaps } from './pii/recognizers';
import type { ResultCache } from './resultCache';
import type { TaskContext } from './task';

/** The setting that names the dedicated PII model, for messages about it. */
const PII_MODEL_SETTING = 'textAnalytics.pii.model';

/** The models a request runs on, in order: the named-entity model, then the PII model (each when asked for). */
export function piiModelSlots(params: PiiParams): ModelSlot[] {
  if (!params.useModel) return [];
  const slots: ModelSlot[] = [];
  const piiModel = params.piiModel?.trim();
  if (params.entitiesModel) slots.push({ task: 'entities' });
  if (piiModel) slots.push({ task: 'entities', source: piiModel, setting: PII_MODEL_SETTING });
  return slots;
}

/** A problem with the request no model can mend: a user's pattern that does not compile, an unknown region. */
export function piiProblem(params: PiiParams): string | undefined {
  return recognizerProblem(params);
}

/** The personal-data type of each entity kind the editor knows (src/entityTypes.ts: PER, PERSON, PERS…); MISC is none. */
const KIND_TYPES: Record<EntityKind, PiiType | undefined> = { PER: 'PERSON', LOC: 'LOCATION', ORG: 'ORGANIZATION', MISC: undefined };

/** Other labels PII models give that name a type. */
const PII_LABEL_ALIASES: Record<string, PiiType> = {
  NAME: 'PERSON',
  EMAIL: 'EMAIL_ADDRESS',
  PHONE: 'PHONE_NUMBER',
  PHONE_NUM: 'PHONE_NUMBER',
  IP: 'IP_ADDRESS',
  SSN: 'US_SSN',
  DATE: 'DATE_TIME',
  TIME: 'DATE_TIME',
};

/**
 * The type a model's entity reports. The named-entity model's people, places and organisations
 * only, by the names the editor's entity kinds know (its MISC is not personal data); a PII model's
 * labels by name: those, an alias or a type's own name, else the label itself upper-cased (a PII
 * model's ID_NUM or STREET_ADDRESS is personal data too).
 */
export function modelType(label: string, dedicated: boolean): string | undefined {
  const name = label.toUpperCase().replace(/[^A-Z0-9_]+/g, '_');
  const kind = knownEntityKind(label);
  const known = (kind && KIND_TYPES[kind]) ?? PII_LABEL_ALIASES[name] ?? (PII_TYPES as readonly string[]).find((type) => type === name);
  if (!dedicated) return known && MODEL_PII_TYPES.includes(known as PiiType) ? known : undefined;
  return known ?? (/^[A-Z]/.test(name) ? name : undefined);
}

export async function piiFindings(
  models: LoadedModel[],
  params: PiiParams,
  cache: ResultCache<ParagraphEntity[]>,
  context: TaskContext,
  limits: BatchLimits,
): Promise<Pick<PiiResult, 'entities' | 'models'>> {
  const offset = params.offset ?? 0;
  const found: PiiFinding[] = recognize(params.text, params, context.signal);
  for (const [index, model] of models.entries()) {
    throwIfCancelled(context.signal);
    // The PII model comes after the named-entity model when both run (piiModelSlots).
    const dedicated = !params.entitiesModel || index > 0;
    const { entities } = await entitySpans(model, { text: params.text, minScore: params.minScore, ranges: params.ranges }, cache, context, limits);
    for (const entity of entities) {
      const type = modelType(entity.type, dedicated);
      if (type) found.push({ ...entity, type, source: 'model' });
    }
  }
  const reported = reportedType(params.types);
  const allowed = allowedValue(params.allowList);
  const kept = found.filter((f) => reported(f.type) && !allowed(f));
  return {
    entities: resolveOverlaps(kept).map((f) => (offset ? { ...f, start: f.start + offset, end: f.end + offset } : f)),
    models: models.map((model) => model.info),
  };
}

/** Whether a type is reported: those the request lists, else every one but DATE_TIME. */
function reportedType(types: readonly string[] | undefined): (type: string) => boolean {
  if (!types) return (type) => type !== 'DATE_TIME';
  const wanted = new Set(types);
  return (type) => wanted.has(type);
}


/** Whether the allow-list spares a finding: its exact text, or ignoring case for e-mail addresses and URLs. */
function allowedValue(allowList: readonly string[]): (finding: PiiFinding) => boolean {
  const exact = new Set(allowList.map((value) => value.trim()));
  const caseless = new Set([...exact].map((value) => value.toLowerCase()));
  return (finding) => exact.has(finding.text) || (comparedCaselessly(finding.type) && caseless.has(finding.text.toLowerCase()));
}
