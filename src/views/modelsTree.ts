/**
 * What the Models view shows of each default-model task, built from facts (the worker's `download`
 * plan, the bytes on disk): pure, without `vscode`, so that its wording is tested in plain Node.
 * src/ui/modelsView.ts turns these rows into tree items. No Node built-ins: src/views is shared
 * with webviews.
 */
import { formatDownloadSize, formatSize } from '../formatSize';
import type { DownloadResult } from '../protocol';

/** Where a task's model is, as the view names it. */
export type ModelState = 'present' | 'missing' | 'partial' | 'unusable';

/** Everything known about one task's model when the view refreshes. */
export interface TaskModelFacts {
  task: string;
  /** The task in words ("Question answering"), from the registry. */
  title: string;
  /** The worker's plan; absent when it failed (`problem` says why). */
  plan?: DownloadResult;
  /** Why the model cannot be used (a setting pointing at a folder that holds no model, …). */
  problem?: string;
  /** Bytes of the model folder on disk, when present. */
  bytes?: number;
}

/** One fact line under a task ("From: the download cache"). */
export interface DetailRow {
  label: string;
  value: string;
}

export interface ModelRow {
  task: string;
  label: string;
  /** Short, beside the label: the state and the size. */
  description: string;
  state: ModelState;
  /** For menus (`viewItem`): which actions fit, e.g. `model:cache`, `model:missing`. */
  contextValue: string;
  details: DetailRow[];
}

/** How each source is said. */
const SOURCE_WORDS: Record<NonNullable<DownloadResult['model']>['source'], string> = {
  setting: 'your folder (setting)',
  bundled: 'bundled with the extension',
  cache: 'the download cache',
  download: 'the download cache',
};

/** The view's row for one task. */
export function modelRow(facts: TaskModelFacts, locale?: string): ModelRow {
  const { task, title, plan } = facts;
  if (!plan) {
    return {
      task,
      label: title,
      description: 'cannot be used',
      state: 'unusable',
      contextValue: 'model:unusable',
      details: [{ label: 'Problem', value: facts.problem ?? 'unknown' }],
    };
  }
  const model = plan.model;
  if (model) {
    const source = model.source === 'download' ? 'cache' : model.source;
    const size = facts.bytes === undefined ? undefined : formatSize(facts.bytes, locale);
    const details: DetailRow[] = [{ label: 'From', value: SOURCE_WORDS[model.source] }];
    // A model in the cache is a Hub model, kept under its revision (<cache>/<owner>/<name>/<revision>).
    if (source === 'cache') details.push({ label: 'Hub', value: `${model.id} @ ${shortRevision(model.dir.split(/[\\/]/).pop() ?? '')}` });
    if (size) details.push({ label: 'Size', value: size });
    details.push({ label: 'Folder', value: model.dir });
    return {
      task,
      label: title,
      description: ['present', size, source === 'setting' ? 'your folder' : source === 'bundled' ? 'bundled' : 'downloaded'].filter(Boolean).join(' · '),
      state: 'present',
      contextValue: `model:${source}`,
      details,
    };
  }
  const toFetch = formatDownloadSize(plan, locale);
  const partial = plan.partialBytes ?? 0;
  const details: DetailRow[] = [
    { label: 'From', value: 'not on this machine' },
    { label: 'Hub', value: plan.revision ? `${plan.repo} @ ${shortRevision(plan.revision)}` : plan.repo },
    { label: 'Download', value: toFetch },
  ];
  if (partial > 0) details.push({ label: 'Downloaded so far', value: `${formatSize(partial, locale)} (a download resumes from it)` });
  return {
    task,
    label: title,
    description: partial > 0 ? `partly downloaded · ${formatSize(partial, locale)} of ${toFetch}` : `missing · ${toFetch}`,
    state: partial > 0 ? 'partial' : 'missing',
    contextValue: 'model:missing',
    details,
  };
}

/** The disk-use line: what the download cache holds, partial downloads included. */
export function diskUseText(bytes: number, cacheDir: string, locale?: string): string {
  return bytes === 0 ? `The download cache is empty (${cacheDir}).` : `The download cache uses ${formatSize(bytes, locale)} (${cacheDir}).`;
}

/** Seven characters of a commit, as Git shows it; other revisions (a branch) as they are. */
function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision;
}
