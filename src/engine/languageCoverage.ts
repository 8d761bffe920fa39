/**
 * Whether the model a task is about to run on reads the document's language: the engine's one
 * check, made for every task (runners.ts) once its model is loaded and before any text goes
 * through it, for the editor and the command line alike. A model's languages come from, in order:
 * the user's `textAnalytics.modelLanguages` (by the model's Hub id, folder, folder name or task),
 * the manifest (the pinned defaults), the recommended multilingual models (src/tasks/modelProfiles.ts),
 * and otherwise English — what the Hub's fine-tuned models nearly all are.
 */
import type { ModelInfo } from '../protocol';
import { ENGLISH_ONLY, languageCoverageProblem, languagesInTable, type DocumentLanguageFields, type ModelLanguages } from '../tasks/languages';
import { recommendedLanguages } from '../tasks/modelProfiles';
import { REGISTRY } from '../tasks/registry';
import { EngineError } from './errors';
import { loadManifest, type Manifest } from './manifest';

/** The languages `model` reads, and who says so. */
export function modelLanguages(model: ModelInfo, fields: DocumentLanguageFields, manifest: Manifest = loadManifest()): { languages: ModelLanguages; from: string } {
  const folderName = model.dir.split(/[\\/]/).filter(Boolean).at(-1) ?? model.id;
  const said = languagesInTable(fields.modelLanguages, [model.id, model.dir, folderName, model.task]);
  if (said) return { languages: said, from: 'textAnalytics.modelLanguages' };
  const specs = Object.entries(manifest.models);
  const pinned = specs.find(([task, spec]) => spec.repo === model.id || (model.source === 'bundled' && task === model.task))?.[1];
  if (pinned?.languages) return { languages: pinned.languages, from: 'the manifest' };
  const recommended = recommendedLanguages(model.id);
  if (recommended) return { languages: recommended, from: 'its model card' };
  return { languages: ENGLISH_ONLY, from: 'unsaid: English' };
}

/** Throws `bad-input` with the one-line reason when a model of `models` does not read the request's language. */
export function checkLanguageCoverage(models: readonly ModelInfo[], fields: DocumentLanguageFields, manifest?: Manifest): void {
  const document = fields.language?.trim();
  if (!document || document === 'auto') return;
  for (const model of models) {
    const { languages } = modelLanguages(model, fields, manifest);
    const remedy =
      REGISTRY[model.task].models === 'default'
        ? `set textAnalytics.models.${model.task} to a multilingual model, or textAnalytics.models.profile to "multilingual"`
        : `choose a multilingual model for ${model.task === 'classify' ? 'the classifier in textAnalytics.classifiers' : `textAnalytics.models.${model.task}`}`;
    const problem = languageCoverageProblem({ model: `The ${REGISTRY[model.task].modelName} model (${model.id})`, remedy, languages, document, from: fields.languageFrom });
    if (problem) throw new EngineError('bad-input', problem);
  }
}
