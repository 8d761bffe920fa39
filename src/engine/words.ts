/**
 * Tokens' spans and words as a reader sees them, whatever the tokenizer family. Entities are
 * grouped by word and answers widened to whole words, so both depend on what a "word" is:
 * - BERT's pre-tokenizer splits at white space and around punctuation, so its words are already
 *   a reader's words (and the engine splits glued symbols off, tokenizer.ts).
 * - Byte-level BPE (RoBERTa) splits letters from other characters, but its `Ġ` tokens' offsets
 *   take in the space before them (the post-processor's `trim_offsets` would take it out, but the
 *   engine post-processes its windows itself, which with trimming on trimmed them twice, cutting a
 *   letter off: it is turned off and done here from the text instead).
 * - SentencePiece with the `▁` metaspace (XLM-R, ALBERT, DeBERTa-v3) splits only at spaces:
 *   `Merkel's`, `😀Berlin`, `**Paris**` and `Berlin.` are each one word, and a lone `▁` piece
 *   shows the character of the piece after it.
 * Here every token's span is trimmed to the characters it shows (no white space at either end; a
 * piece that only marks a word start shows none), and words are split further where letters or
 * digits meet other characters, as BERT splits them, so that an entity is the name's letters.
 */
import { EXTENDING, isWhiteSpace } from '../unicode';

/**
 * Trims each content token's UTF-16 span (`[-1, -1]`: a special token, left alone) to the
 * characters it shows: white space at its ends left out (a token of only white space becomes an
 * empty span where the next character starts), and a word-start marker (`markers`: ids of pieces
 * such as a lone `▁`) an empty span where it stands. Changes `offsets` in place.
 */
export function trimToCharacters(text: string, offsets: Array<[number, number]>, ids: readonly number[], markers: ReadonlySet<number>): void {
  for (let t = 0; t < offsets.length; t++) {
    let [start, end] = offsets[t];
    if (start < 0) continue;
    while (start < end && isWhiteSpace(text.charCodeAt(start))) start++;
    while (end > start && isWhiteSpace(text.charCodeAt(end - 1))) end--;
    if (markers.has(ids[t])) end = start;
    offsets[t][0] = start;
    offsets[t][1] = end;
  }
}

/**
 * Scripts written without spaces between words: a tokenizer that splits only at spaces makes a
 * whole sentence of them one word, so each of their pieces counts as a word of its own, and the
 * model's tags join them into names.
 */
const SPACELESS = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}\p{sc=Tibetan}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}\p{M}]/u;

type Kind = 'word' | 'spaceless' | 'other';

function kind(char: string): Kind {
  const code = char.charCodeAt(0);
  if (code < 0x80) return (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a) ? 'word' : 'other';
  if (SPACELESS.test(char)) return 'spaceless';
  return LETTER_OR_DIGIT.test(char) ? 'word' : 'other';
}

/** The character (whole code point) at UTF-16 index `at`. */
function charAt(text: string, at: number): string {
  return String.fromCodePoint(text.codePointAt(at) as number);
}

/**
 * The last character of [start, end) that is not a mark or joiner (the base they extend: `❤️`
 * is a symbol, not the letter-like U+FE0F after it), or the last character when all are.
 */
function lastBase(text: string, start: number, end: number): string {
  let last: string | undefined;
  for (let at = end; at > start; ) {
    const low = text.charCodeAt(at - 1);
    const size = low >= 0xdc00 && low <= 0xdfff && at - 2 >= start ? 2 : 1;
    const char = text.slice(at - size, at);
    last ??= char;
    if (!EXTENDING.test(char)) return char;
    at -= size;
  }
  return last as string;
}

/**
 * Word ids refined from the tokenizer's (`library`, null for special tokens): a token starts a new
 * word where the tokenizer starts one, where its first character and the previous token's last
 * are of different kinds (letters and digits, a script without spaces, anything else), and at
 * each piece of a script without spaces. A token that starts with a combining mark or joiner, or
 * follows a zero-width joiner, never starts one: a character is never cut from what extends it.
 * Tokens that show no character (empty spans, see {@link trimToCharacters}) belong to the word of
 * the next token that does. `offsets` are trimmed UTF-16 spans; the result has -1 for special tokens.
 */
export function refineWords(text: string, offsets: ReadonlyArray<readonly [number, number]>, library: ReadonlyArray<number | null | undefined>): number[] {
  const words = new Array<number>(offsets.length).fill(-1);
  const pending: number[] = [];
  let word = -1;
  let previous: { library: number; end: number; last: string; joiner: boolean } | undefined;
  for (let t = 0; t < offsets.length; t++) {
    const [start, end] = offsets[t];
    const own = library[t];
    if (start < 0 || own == null) continue;
    if (start === end) {
      pending.push(t);
      continue;
    }
    const first = charAt(text, start);
    const firstKind = kind(first);
    // Byte-level BPE splits a character into byte pieces that share its span: one character, one word.
    const joined = previous !== undefined && (start < previous.end || EXTENDING.test(first) || previous.joiner);
    const starts = !previous || own !== previous.library || (!joined && (firstKind === 'spaceless' || firstKind !== kind(previous.last)));
    if (starts) word++;
    words[t] = word;
    for (const p of pending) words[p] = word;
    pending.length = 0;
    previous = { library: own, end, last: lastBase(text, start, end), joiner: text.charCodeAt(end - 1) === 0x200d };
  }
  for (const p of pending) words[p] = word + 1;
  return words;
}
