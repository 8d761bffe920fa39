/**
 * The prose of a Markdown document: what sentiment and topics read, with the markup blanked out.
 *
 * The document is parsed by micromark (CommonMark, with GFM tables and YAML/TOML front matter),
 * whose tokens carry exact UTF-16 offsets. Markup is replaced by spaces, one per UTF-16 unit, and
 * line breaks are kept, so the prose text has the document's length and every offset in it is the
 * document's: segmenting it gives the document's spans, and the model reads the prose slice of
 * each. Left out whole (and counted): headings, fenced and indented code, front matter, HTML
 * blocks, link reference definitions and thematic breaks. Blanked inside prose: link and image
 * targets (`[text](url "title")` reads `text`), reference labels, emphasis and code-span markers,
 * backslash escapes, inline HTML, tables' pipes and delimiter rows. Headings are kept aside: they
 * delimit topics' sections.
 *
 * Entities do not use this: names in code and link texts are still names.
 */
import { parse, postprocess, preprocess } from 'micromark';
import { frontmatter } from 'micromark-extension-frontmatter';
import { gfmTable } from 'micromark-extension-gfm-table';
import type { Span } from '../protocol';
import type { TextFormat } from '../tasks/textFormat';
import { trimmedSpan } from './segment';
import { disjointRanges } from '../ranges';

export interface Prose {
  /** The document with its markup blanked: the same length, line breaks where the document has them. */
  text: string;
  /** Markdown blocks left out as markup: headings, code blocks, front matter, HTML blocks, definitions, rules. */
  skippedBlocks: number;
  /** Each heading: where it starts in the document, and its text (inline markup included, as written). */
  headings: Array<{ start: number; text: string }>;
  /** The blanked ranges, sorted and disjoint: a span of prose is widened over those touching it (see {@link documentSpan}). */
  blanked: Array<[number, number]>;
}

/** Blocks that are markup through and through. */
const MARKUP_BLOCKS = new Set(['yaml', 'toml', 'atxHeading', 'setextHeading', 'codeFenced', 'codeIndented', 'htmlFlow', 'definition', 'thematicBreak']);
/** Markup inside prose. */
const MARKUP_INLINE = new Set([
  'resource',
  'reference',
  'labelMarker',
  'labelImageMarker',
  'emphasisSequence',
  'strongSequence',
  'codeTextSequence',
  'escapeMarker',
  'hardBreakEscape',
  'htmlText',
  'autolinkMarker',
  'tableCellDivider',
  'tableDelimiterRow',
]);

/** `source` as prose: Markdown's markup blanked, or plain text as it is. */
export function proseOf(source: string, format: TextFormat): Prose {
  if (format !== 'markdown') return { text: source, skippedBlocks: 0, headings: [], blanked: [] };
  const ranges: Array<[number, number]> = [];
  const headings: Prose['headings'] = [];
  let skippedBlocks = 0;
  for (const [from, to] of markdownChunks(source)) {
    // Front matter is only ever at the document's start.
    const extensions = from === 0 ? [frontmatter(['yaml', 'toml']), gfmTable()] : [gfmTable()];
    const chunk = source.slice(from, to);
    const events = postprocess(parse({ extensions }).document().write(preprocess()(chunk, undefined, true)));
    // Depth inside a block left out whole: its inner tokens add nothing.
    let insideBlock = 0;
    for (const [kind, token] of events) {
      const type: string = token.type;
      const [start, end] = [from + token.start.offset, from + token.end.offset];
      if (MARKUP_BLOCKS.has(type)) {
        if (kind === 'enter') {
          if (insideBlock++ === 0) {
            skippedBlocks++;
            ranges.push([start, end]);
            // An empty heading ("#") has no text token: it still starts a section, without a name.
            if (type === 'atxHeading' || type === 'setextHeading') headings.push({ start, text: '' });
          }
        } else insideBlock--;
        continue;
      }
      if (kind !== 'enter') continue;
      const heading = headings.at(-1);
      if ((type === 'atxHeadingText' || type === 'setextHeadingText') && heading) heading.text = source.slice(start, end).trim();
      else if (insideBlock === 0 && MARKUP_INLINE.has(type)) ranges.push([start, end]);
    }
  }
  const blanked = disjointRanges(ranges);
  return { text: blank(source, blanked), skippedBlocks, headings, blanked };
}

/** About how many characters micromark parses at a time. */
const CHUNK_CHARS = 32_768;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The document cut into parts that parse alone as they parse in the whole, so that the parser's
 * tokens (tens of objects a word: 850 MiB for 2 MB of Markdown parsed whole) are those of one part
 * at a time. A cut is made only before a line that starts at its first column after a blank line,
 * outside a fenced code block: no block (paragraph, list item, quote, indented code, table) goes
 * on across it. What is lost: a reference link (`[text][id]`) whose definition is in another
 * part is read as text, its `[id]` included.
 */
function* markdownChunks(source: string): Generator<[number, number]> {
  let from = 0;
  let fence: string | undefined;
  let blankBefore = false;
  for (const line of source.matchAll(/[^\r\n]*(?:\r\n|\r|\n|$)/g)) {
    if (line[0].length === 0) break;
    const content = line[0].replace(/[\r\n]+$/, '');
    if (!fence && blankBefore && line.index - from >= CHUNK_CHARS && /^\S/.test(content)) {
      yield [from, line.index];
      from = line.index;
    }
    const marker = FENCE.exec(content)?.[1];
    if (marker && !fence) fence = marker;
    else if (marker && fence && marker[0] === fence[0] && marker.length >= fence.length && content.trim() === marker) fence = undefined;
    blankBefore = content.trim() === '';
  }
  if (from < source.length) yield [from, source.length];
}

function blank(source: string, ranges: ReadonlyArray<[number, number]>): string {
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    parts.push(source.slice(at, start), source.slice(start, end).replace(/[^\r\n]/g, ' '));
    at = end;
  }
  parts.push(source.slice(at));
  return parts.join('');
}

/**
 * The document's span for a span of prose (trimmed in the prose text): widened over the blanked
 * markup it touches, so that a sentence starting or ending with a link keeps its brackets and
 * target ("[Docs](url) are here." stays whole), never below `floor` nor past `ceiling`.
 */
export function documentSpan(source: string, prose: Prose, span: Span, floor: number, ceiling: number): Span {
  let { start, end } = span;
  if (prose.blanked.length === 0) return span;
  for (let range = blankedAt(prose.blanked, start - 1); range && start > floor; range = blankedAt(prose.blanked, start - 1)) start = Math.max(floor, range[0]);
  for (let range = blankedAt(prose.blanked, end); range && end < ceiling; range = blankedAt(prose.blanked, end)) end = Math.min(ceiling, range[1]);
  if (start === span.start && end === span.end) return span;
  return trimmedSpan(source, start, end) ?? span;
}

/** The blanked range holding `at`, if any (binary search). */
function blankedAt(ranges: ReadonlyArray<[number, number]>, at: number): [number, number] | undefined {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [start, end] = ranges[mid];
    if (at < start) high = mid - 1;
    else if (at >= end) low = mid + 1;
    // A range ending in white space (a table row's trailing pipe and spaces) is not reached across that space.
    else return ranges[mid];
  }
  return undefined;
}
