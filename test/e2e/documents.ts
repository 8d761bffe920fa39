/**
 * The documents the end-to-end tests that run all four capabilities put in their workspace (the
 * installed VSIX, getting the models), with what the planted fixture models
 * (test/fixtures/planted.ts) find in them.
 */
import { SAMPLE_TEXT } from '../integration/sample';

export const SENTIMENT_FILE = 'notes.md';
export const ENTITIES_FILE = 'meeting.md';
/** The planted names of the entities document. */
export const ENTITY_NAMES = ['Angela Merkel', 'Barack Obama', 'Buenos Aires', 'Google', 'Paris'];
export const TOPICS_FILE = 'match.md';
/** The workspace's labels; sports wins the match report. */
export const TOPIC_LABELS = ['sports', 'business', 'science', 'politics'];
export const BRIDGE_FILE = 'bridge.md';
/** Asked of the bridge document; the planted answer is "1932". */
export const BRIDGE_QUESTION = 'When did the bridge open?';

/** The workspace files, for `launchVSCode({ files })`. */
export const WORKSPACE_FILES: Record<string, string> = {
  [SENTIMENT_FILE]: SAMPLE_TEXT,
  [ENTITIES_FILE]: 'Angela Merkel met Barack Obama in Buenos Aires.\n\nGoogle opened an office in Paris.\n',
  [TOPICS_FILE]: '# Match report\nThe football team scored a late goal to win the match.\n',
  [BRIDGE_FILE]: '# The old bridge\n\nThe bridge opened in 1932 after four years of work.\n',
};
