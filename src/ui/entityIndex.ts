/**
 * The workspace entity index behind *Find Mentions in Workspace*: per file, the entities the model
 * found in it (type and range), kept in plain JSON files in the extension's storage so that a
 * search after a reload does not run the model over the workspace again. Pure Node (no `vscode`),
 * so the store is unit-tested in plain Node; the command (./findMentions.ts) supplies the files,
 * the worker and the model's key.
 *
 * An entry is keyed by the hash of the text it was found in and by the key of the model and the
 * settings that shape the result ({@link entityModelKey}): a file whose text changed, or a search
 * with another model or minimum score, finds no entry and is analysed again, so a stale entry is
 * never used. The store is bounded in bytes: the entries used longest ago are dropped first.
 *
 * Layout of the folder: `manifest.json` (every entry's size and last use, and which text each file
 * had when it was last indexed) and `entries/<key>.json` (one entry each). Writes go to a
 * temporary file renamed over the old one, so a crash leaves the old file or the new one; a
 * manifest that cannot be read starts the index afresh, and an entry that cannot be read is
 * dropped.
 *
 * @example
 * const store = await EntityIndexStore.open(join(storage, 'entity-index'), { maxBytes: 32 << 20 });
 * const index = new EntityIndex(store, modelKey, (file, signal) => client.request('entities', { text: file.text, minScore }, { signal }));
 * const entities = await index.entitiesOf({ uri, text }, { signal }); // analysed only when not indexed
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entity } from '../protocol';
import { occurrencesOf, type TypedText } from './entityKinds';
import { lineOfOffset } from './offsetRanges';

/** What the index keeps of an entity: its range in the file's text and the model's type; its text is that slice. */
export interface IndexedEntity {
  start: number;
  end: number;
  type: string;
}

/** One file as the index reads it: its URI (as a string) and its text now. */
export interface IndexedFile {
  uri: string;
  text: string;
}

/** A mention found by {@link EntityIndex.mentions}: the file, the range, and its line and column (0-based, UTF-16). */
export interface Mention {
  uri: string;
  start: number;
  end: number;
  text: string;
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
}

export interface StoreOptions {
  /** The most bytes of entries kept on disk; beyond it the least recently used are dropped. */
  maxBytes: number;
  /** The clock for "least recently used" (tests move it by hand). */
  now?: () => number;
}

interface ManifestEntry {
  bytes: number;
  lastUsed: number;
}

/** Which text and model a file was last indexed with, so that saving it knows it is in the index. */
interface FileRecord {
  contentHash: string;
  modelKey: string;
}

interface Manifest {
  schema: 1;
  entries: Record<string, ManifestEntry>;
  files: Record<string, FileRecord>;
}

interface EntryFile {
  schema: 1;
  contentHash: string;
  modelKey: string;
  /** [start, end, type index] per entity: the text is the file's slice, the types are few. */
  entities: [number, number, number][];
  types: string[];
}

const MANIFEST = 'manifest.json';
const ENTRIES = 'entries';

/** The hash a file's text is known by. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The key of the model and of everything else that changes what it finds (the model's files,
 * precision, minimum score, the extension's version…): the same parts in any key order give the
 * same key.
 */
export function entityModelKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(stableJson(parts)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function entryKey(hash: string, modelKey: string): string {
  return createHash('sha256').update(`${modelKey}\n${hash}`).digest('hex');
}

/** The persistent store of entries, bounded in bytes, least recently used dropped first. */
export class EntityIndexStore {
  private manifest: Manifest = emptyManifest();
  /** Writes one after the other, so that an older manifest never lands after a newer one. */
  private writing: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  private constructor(
    private readonly dir: string,
    private readonly options: StoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Opens (or creates) the store in `dir`. An unreadable manifest starts afresh; entry files the
   * manifest does not list (a crash between writing one and the manifest) are removed.
   */
  static async open(dir: string, options: StoreOptions): Promise<EntityIndexStore> {
    const store = new EntityIndexStore(dir, options);
    await mkdir(join(dir, ENTRIES), { recursive: true });
    store.manifest = readManifest(await readFile(join(dir, MANIFEST), 'utf8').catch(() => undefined)) ?? emptyManifest();
    const listed = new Set(Object.keys(store.manifest.entries).map((key) => `${key}.json`));
    for (const name of await readdir(join(dir, ENTRIES))) {
      if (!listed.has(name)) await rm(join(dir, ENTRIES, name), { force: true });
    }
    // A smaller bound than last time applies at once.
    await store.evict();
    return store;
  }

  /** Bytes of the entries kept. */
  get bytes(): number {
    return Object.values(this.manifest.entries).reduce((sum, entry) => sum + entry.bytes, 0);
  }

  /** How many entries are kept. */
  get size(): number {
    return Object.keys(this.manifest.entries).length;
  }

  /** The entities found in the text of hash `hash` by the model `modelKey`, if indexed; counts as a use. */
  async get(hash: string, modelKey: string): Promise<IndexedEntity[] | undefined> {
    const key = entryKey(hash, modelKey);
    const listed = this.manifest.entries[key];
    if (!listed) return undefined;
    const entry = readEntry(await readFile(this.entryPath(key), 'utf8').catch(() => undefined));
    // Unreadable, or not what the key says (a file edited by hand): never used, and forgotten.
    if (!entry || entry.contentHash !== hash || entry.modelKey !== modelKey) {
      delete this.manifest.entries[key];
      await rm(this.entryPath(key), { force: true });
      return undefined;
    }
    listed.lastUsed = this.now();
    return entry.entities.map(([start, end, type]) => ({ start, end, type: entry.types[type] }));
  }

  /**
   * Keeps the entities found in the text of hash `hash` by `modelKey`, dropping the least recently
   * used entries beyond the bound. An entry larger than the whole bound is not kept (false).
   */
  async put(hash: string, modelKey: string, entities: readonly IndexedEntity[]): Promise<boolean> {
    const types = [...new Set(entities.map((entity) => entity.type))];
    const body: EntryFile = {
      schema: 1,
      contentHash: hash,
      modelKey,
      entities: entities.map((entity) => [entity.start, entity.end, types.indexOf(entity.type)]),
      types,
    };
    const json = JSON.stringify(body);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.options.maxBytes) return false;
    const key = entryKey(hash, modelKey);
    await writeAtomically(this.entryPath(key), json);
    this.manifest.entries[key] = { bytes, lastUsed: this.now() };
    await this.evict(key);
    return true;
  }

  /** Records that `uri` was indexed with this text and model (saving it then updates the index). */
  setFile(uri: string, hash: string, modelKey: string): void {
    this.manifest.files[uri] = { contentHash: hash, modelKey };
  }

  /** Whether `uri` has an entry for the text and model it was last indexed with. */
  hasFile(uri: string): boolean {
    const file = this.manifest.files[uri];
    return file !== undefined && this.manifest.entries[entryKey(file.contentHash, file.modelKey)] !== undefined;
  }

  /** Forgets `uri` (deleted); its entry stays for a file with the same text, until dropped. */
  forgetFile(uri: string): void {
    delete this.manifest.files[uri];
  }

  /** Writes the manifest (uses and files since the last write). */
  flush(): Promise<void> {
    const json = JSON.stringify(this.manifest);
    this.writing = this.writing.then(() => writeAtomically(join(this.dir, MANIFEST), json));
    return this.writing;
  }

  /** Drops the least recently used entries until the rest fit the bound; `keep` goes last. */
  private async evict(keep?: string): Promise<void> {
    let total = this.bytes;
    if (total <= this.options.maxBytes) return;
    const oldestFirst = Object.entries(this.manifest.entries)
      .filter(([key]) => key !== keep)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    const dropped = new Set<string>();
    for (const [key, entry] of oldestFirst) {
      if (total <= this.options.maxBytes) break;
      delete this.manifest.entries[key];
      dropped.add(key);
      total -= entry.bytes;
      await rm(this.entryPath(key), { force: true });
    }
    for (const [uri, file] of Object.entries(this.manifest.files)) {
      if (dropped.has(entryKey(file.contentHash, file.modelKey))) delete this.manifest.files[uri];
    }
    await this.flush();
  }

  private entryPath(key: string): string {
    return join(this.dir, ENTRIES, `${key}.json`);
  }
}

/** What the index asks the worker: the entities of a file's whole text. */
export type AnalyseFile = (file: IndexedFile, signal?: AbortSignal) => Promise<{ entities: readonly Entity[] }>;

/**
 * The index for one model: entries looked up by each file's text, and files analysed (one request
 * each, on the extension's worker) when they are not indexed yet.
 */
export class EntityIndex {
  constructor(
    readonly store: EntityIndexStore,
    readonly modelKey: string,
    private readonly analyse: AnalyseFile,
  ) {}

  /** The file's entities when its text is indexed for this model; nothing is analysed. */
  async lookup(file: IndexedFile): Promise<IndexedEntity[] | undefined> {
    const hash = contentHash(file.text);
    const found = await this.store.get(hash, this.modelKey);
    if (found) this.store.setFile(file.uri, hash, this.modelKey);
    return found;
  }

  /** The file's entities: from the index, or analysed now and kept. */
  async entitiesOf(file: IndexedFile, options: { signal?: AbortSignal } = {}): Promise<IndexedEntity[]> {
    return (await this.lookup(file)) ?? this.index(file, options);
  }

  /** Analyses the file's text and keeps what the model found. */
  async index(file: IndexedFile, { signal }: { signal?: AbortSignal } = {}): Promise<IndexedEntity[]> {
    const hash = contentHash(file.text);
    const { entities } = await this.analyse(file, signal);
    const indexed = entities.map(({ start, end, type }) => ({ start, end, type }));
    if (await this.store.put(hash, this.modelKey, indexed)) this.store.setFile(file.uri, hash, this.modelKey);
    return indexed;
  }
}

/**
 * The mentions of `target` among a file's entities: the same entity as the hover's *Find All
 * Occurrences* and the panel's rows count it — the same kind (PER, ORG, LOC, MISC) and the same
 * text after `normaliseEntityText` (case, Unicode forms, apostrophes and spaces folded).
 */
export function mentionsIn(file: IndexedFile, entities: readonly IndexedEntity[], target: TypedText): Mention[] {
  const withText = entities.map((entity) => ({ ...entity, text: file.text.slice(entity.start, entity.end) }));
  const found = occurrencesOf(withText, target);
  if (found.length === 0) return [];
  const lines = lineStarts(file.text);
  return found.map((entity) => {
    const from = positionIn(lines, entity.start);
    const to = positionIn(lines, entity.end);
    return { uri: file.uri, start: entity.start, end: entity.end, text: entity.text, line: from.line, character: from.character, endLine: to.line, endCharacter: to.character };
  });
}

/** Where each line starts: after `\n`, `\r\n` or a lone `\r`, as VS Code counts lines. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (ch === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** The 0-based line and column of `offset`, given the {@link lineStarts}. */
export function positionIn(starts: readonly number[], offset: number): { line: number; character: number } {
  const line = lineOfOffset(starts, offset);
  return { line, character: offset - starts[line] };
}

function emptyManifest(): Manifest {
  return { schema: 1, entries: {}, files: {} };
}

function readManifest(json: string | undefined): Manifest | undefined {
  const value = parse(json);
  if (!isObject(value) || value.schema !== 1 || !isObject(value.entries) || !isObject(value.files)) return undefined;
  const entries: Record<string, ManifestEntry> = {};
  for (const [key, entry] of Object.entries(value.entries)) {
    if (/^[0-9a-f]{64}$/.test(key) && isObject(entry) && isCount(entry.bytes) && isCount(entry.lastUsed)) entries[key] = { bytes: entry.bytes, lastUsed: entry.lastUsed };
  }
  const files: Record<string, FileRecord> = {};
  for (const [uri, file] of Object.entries(value.files)) {
    if (isObject(file) && typeof file.contentHash === 'string' && typeof file.modelKey === 'string') files[uri] = { contentHash: file.contentHash, modelKey: file.modelKey };
  }
  return { schema: 1, entries, files };
}

function readEntry(json: string | undefined): EntryFile | undefined {
  const value = parse(json);
  if (!isObject(value) || value.schema !== 1 || typeof value.contentHash !== 'string' || typeof value.modelKey !== 'string') return undefined;
  const { entities, types } = value;
  if (!Array.isArray(types) || !types.every((type) => typeof type === 'string')) return undefined;
  const wellFormed =
    Array.isArray(entities) &&
    entities.every(
      (entity) => Array.isArray(entity) && entity.length === 3 && entity.every(isCount) && entity[0] < entity[1] && entity[2] < types.length,
    );
  return wellFormed ? (value as unknown as EntryFile) : undefined;
}

function parse(json: string | undefined): unknown {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Makes each temporary file's name unique within this process. */
let writes = 0;

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${++writes}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
}
