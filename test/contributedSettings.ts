/**
 * The settings package.json contributes. `contributes.configuration` is a list of sections (the
 * Settings UI's headings: General, Models, Sentiment…), each with its own `properties`; tests that
 * compare settings with the task contracts or the CLI read them all through here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './helpers';

export interface SettingSchema {
  type?: string | string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  scope?: string;
  markdownDescription?: string;
  description?: string;
}

export interface ConfigurationSection {
  title?: string;
  order?: number;
  properties?: Record<string, SettingSchema>;
}

/** `contributes.configuration` as sections: one object (the older form) is one section. */
export function configurationSections(manifest: unknown): ConfigurationSection[] {
  const configuration = (manifest as { contributes?: { configuration?: ConfigurationSection | ConfigurationSection[] } }).contributes?.configuration;
  if (!configuration) return [];
  return Array.isArray(configuration) ? configuration : [configuration];
}

/** Every contributed setting by its full key (`textAnalytics.…`), whichever section holds it. */
export function contributedSettings(manifest: unknown = readManifest()): Record<string, SettingSchema> {
  return Object.assign({}, ...configurationSections(manifest).map((section) => section.properties ?? {})) as Record<string, SettingSchema>;
}

export function readManifest(): unknown {
  return JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
}
