/**
 * The comments and string literals of source code, where the prose of a program lives: names of
 * people and places turn up in doc comments and messages, not in identifiers. Pure: no `vscode`.
 *
 * This is a scanner, not a parser, and good enough for highlighting: it knows each language's
 * line comments (`//`, `#`, `--`, `;`), block comments (`/* *\/`, `<!-- -->`, `{- -}`, `--[[ ]]`…)
 * and quotes (with backslash escapes, triple and template quotes spanning lines), and skips C-style
 * character literals so that `'"'` opens nothing. What it gets wrong, knowingly: regular-expression
 * literals in JavaScript (`/"/` opens a string), `$#` in shell scripts (opens a comment), nested
 * block comments, string interpolation (the code inside `${…}` counts as string), heredocs, and
 * raw strings with hashes (Rust's `r#"…"#`). A string left open ends at its line's end, so one
 * stray quote never swallows the rest of a file.
 *
 * Ranges hold the content only (no comment markers or quotes), are sorted and do not overlap.
 * Languages not listed here (Markdown, plain text, LaTeX, anything unknown) are prose: the caller
 * analyses all of their text.
 */
import { isBlank } from '../unicode';
import type { OffsetRange } from './offsetRanges';

interface Quote {
  open: string;
  close: string;
  /** Backslash escapes the next character. */
  escapes: boolean;
  /** May span lines (template strings, triple quotes, shell and SQL quotes). */
  multiline: boolean;
}

interface CodeSyntax {
  lineComments: string[];
  blockComments: [open: string, close: string][];
  quotes: Quote[];
  /** `'x'` and `'\n'` are characters, not strings; a lone `'` (a Rust lifetime) is skipped. */
  charLiterals?: boolean;
}

const quote = (open: string, options: Partial<Omit<Quote, 'open'>> = {}): Quote => ({
  open,
  close: options.close ?? open,
  escapes: options.escapes ?? true,
  multiline: options.multiline ?? false,
});

const DOUBLE = quote('"');
const SINGLE = quote("'");
const C_BLOCK: [string, string] = ['/*', '*/'];

const C_LIKE: CodeSyntax = { lineComments: ['//'], blockComments: [C_BLOCK], quotes: [DOUBLE], charLiterals: true };
const JS_LIKE: CodeSyntax = { lineComments: ['//'], blockComments: [C_BLOCK], quotes: [DOUBLE, SINGLE, quote('`', { multiline: true })] };
const HASH: CodeSyntax = { lineComments: ['#'], blockComments: [], quotes: [DOUBLE, SINGLE] };
const PYTHON: CodeSyntax = {
  lineComments: ['#'],
  blockComments: [],
  quotes: [quote('"""', { multiline: true }), quote("'''", { multiline: true }), DOUBLE, SINGLE],
};

const SYNTAX: Readonly<Record<string, CodeSyntax>> = {
  javascript: JS_LIKE,
  javascriptreact: JS_LIKE,
  typescript: JS_LIKE,
  typescriptreact: JS_LIKE,
  c: C_LIKE,
  cpp: C_LIKE,
  'objective-c': C_LIKE,
  'objective-cpp': C_LIKE,
  csharp: C_LIKE,
  java: C_LIKE,
  kotlin: C_LIKE,
  scala: C_LIKE,
  swift: C_LIKE,
  rust: C_LIKE,
  zig: C_LIKE,
  go: { ...C_LIKE, quotes: [DOUBLE, quote('`', { escapes: false, multiline: true })] },
  dart: { lineComments: ['//'], blockComments: [C_BLOCK], quotes: [quote('"""', { multiline: true }), quote("'''", { multiline: true }), DOUBLE, SINGLE] },
  groovy: JS_LIKE,
  php: { lineComments: ['//', '#'], blockComments: [C_BLOCK], quotes: [DOUBLE, SINGLE] },
  css: { lineComments: [], blockComments: [C_BLOCK], quotes: [DOUBLE, SINGLE] },
  scss: { lineComments: ['//'], blockComments: [C_BLOCK], quotes: [DOUBLE, SINGLE] },
  less: { lineComments: ['//'], blockComments: [C_BLOCK], quotes: [DOUBLE, SINGLE] },
  json: { lineComments: [], blockComments: [], quotes: [DOUBLE] },
  jsonc: { lineComments: ['//'], blockComments: [C_BLOCK], quotes: [DOUBLE] },
  python: PYTHON,
  toml: PYTHON,
  shellscript: { ...HASH, quotes: [quote('"', { multiline: true }), quote("'", { escapes: false, multiline: true })] },
  ruby: HASH,
  perl: HASH,
  r: HASH,
  yaml: HASH,
  dockerfile: HASH,
  makefile: HASH,
  cmake: { lineComments: ['#'], blockComments: [], quotes: [DOUBLE] },
  powershell: { lineComments: ['#'], blockComments: [['<#', '#>']], quotes: [DOUBLE, SINGLE] },
  coffeescript: { lineComments: ['#'], blockComments: [['###', '###']], quotes: [quote('"""', { multiline: true }), DOUBLE, SINGLE] },
  elixir: { lineComments: ['#'], blockComments: [], quotes: [quote('"""', { multiline: true }), DOUBLE] },
  julia: { lineComments: ['#'], blockComments: [['#=', '=#']], quotes: [quote('"""', { multiline: true }), DOUBLE] },
  ini: { lineComments: [';', '#'], blockComments: [], quotes: [DOUBLE] },
  properties: { lineComments: ['#', '!'], blockComments: [], quotes: [] },
  sql: { lineComments: ['--'], blockComments: [C_BLOCK], quotes: [quote("'", { escapes: false, multiline: true })] },
  lua: { lineComments: ['--'], blockComments: [['--[[', ']]']], quotes: [DOUBLE, SINGLE, quote('[[', { close: ']]', escapes: false, multiline: true })] },
  haskell: { lineComments: ['--'], blockComments: [['{-', '-}']], quotes: [DOUBLE] },
  elm: { lineComments: ['--'], blockComments: [['{-', '-}']], quotes: [quote('"""', { multiline: true }), DOUBLE] },
};

/** Markup: text between tags, comments and attribute values are prose; tags and scripts are not. */
const MARKUP = new Set(['html', 'xml', 'xsl', 'svg']);

/** Whether {@link codeRanges} knows the language (so analysing "comments and strings" means something). */
export function isCodeLanguage(languageId: string): boolean {
  return languageId in SYNTAX || MARKUP.has(languageId);
}

/**
 * The comment and string contents of `text` in `languageId`, sorted; undefined for a language
 * this module treats as prose (see the module comment).
 */
export function codeRanges(text: string, languageId: string): OffsetRange[] | undefined {
  if (MARKUP.has(languageId)) return markupRanges(text);
  const syntax = SYNTAX[languageId];
  return syntax ? scan(text, syntax) : undefined;
}

type Opener = { token: string; kind: 'line' } | { token: string; kind: 'block'; close: string } | { token: string; kind: 'quote'; quote: Quote } | { token: string; kind: 'char' };

function scan(text: string, syntax: CodeSyntax): OffsetRange[] {
  const openers: Opener[] = [
    ...syntax.lineComments.map((token): Opener => ({ token, kind: 'line' })),
    ...syntax.blockComments.map(([token, close]): Opener => ({ token, kind: 'block', close })),
    ...syntax.quotes.map((q): Opener => ({ token: q.open, kind: 'quote', quote: q })),
    ...(syntax.charLiterals ? [{ token: "'", kind: 'char' } as Opener] : []),
  ];
  // Longest first, so that `"""` wins over `"` and `--[[` over `--` at the same position.
  openers.sort((a, b) => b.token.length - a.token.length);
  const byToken = new Map<string, Opener>();
  for (const opener of openers) if (!byToken.has(opener.token)) byToken.set(opener.token, opener);
  if (byToken.size === 0) return [];
  const next = new RegExp([...byToken.keys()].map(escapeRegExp).join('|'), 'g');

  const ranges: OffsetRange[] = [];
  const push = (start: number, end: number) => {
    if (end > start) ranges.push([start, end]);
  };
  let position = 0;
  while (position < text.length) {
    next.lastIndex = position;
    const match = next.exec(text);
    if (!match) break;
    const opener = byToken.get(match[0]) as Opener;
    const start = match.index + opener.token.length;
    switch (opener.kind) {
      case 'line': {
        const end = lineEnd(text, start);
        push(start, end);
        position = end;
        break;
      }
      case 'block': {
        const close = text.indexOf(opener.close, start);
        const end = close < 0 ? text.length : close;
        push(start, end);
        position = close < 0 ? text.length : close + opener.close.length;
        break;
      }
      case 'quote': {
        const [end, after] = quoteEnd(text, start, opener.quote);
        push(start, end);
        position = after;
        break;
      }
      case 'char': {
        CHAR_LITERAL.lastIndex = match.index;
        position = CHAR_LITERAL.test(text) ? CHAR_LITERAL.lastIndex : start;
        break;
      }
    }
  }
  return ranges;
}

/** `'x'`, `'\n'`, `'\u{1F600}'`: a character literal in C, Java, Rust and friends. */
const CHAR_LITERAL = /'(?:\\[^'\n]{1,10}|[^\\'\n]{1,2})'/y;

/** Where a quote's content ends and scanning resumes: after the closing quote, or at the line's end if it never closes. */
function quoteEnd(text: string, from: number, quote: Quote): [end: number, after: number] {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote.escapes && c === '\\') {
      i++;
      continue;
    }
    if (text.startsWith(quote.close, i)) return [i, i + quote.close.length];
    if (c === '\n' && !quote.multiline) {
      const end = i > from && text[i - 1] === '\r' ? i - 1 : i;
      return [end, i];
    }
  }
  return [text.length, text.length];
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  if (newline < 0) return text.length;
  return newline > from && text[newline - 1] === '\r' ? newline - 1 : newline;
}

/** Elements whose content is code or data, not prose. */
const RAW_TEXT = /^(script|style)$/i;

function markupRanges(text: string): OffsetRange[] {
  const ranges: OffsetRange[] = [];
  const push = (start: number, end: number) => {
    if (end > start && !isBlank(text.slice(start, end))) ranges.push([start, end]);
  };
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf('<', position);
    if (open < 0) {
      push(position, text.length);
      break;
    }
    push(position, open);
    if (text.startsWith('<!--', open)) {
      const close = text.indexOf('-->', open + 4);
      push(open + 4, close < 0 ? text.length : close);
      position = close < 0 ? text.length : close + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', open)) {
      const close = text.indexOf(']]>', open + 9);
      push(open + 9, close < 0 ? text.length : close);
      position = close < 0 ? text.length : close + 3;
      continue;
    }
    // A tag: attribute values in quotes are prose ("alt", "title"); the rest is markup.
    let i = open + 1;
    for (; i < text.length && text[i] !== '>'; i++) {
      const c = text[i];
      if (c === '"' || c === "'") {
        const close = text.indexOf(c, i + 1);
        if (close < 0) break;
        push(i + 1, close);
        i = close;
      }
    }
    position = Math.min(text.length, i + 1);
    const name = /^<([A-Za-z][\w:-]*)/.exec(text.slice(open, open + 40))?.[1];
    if (name && RAW_TEXT.test(name) && text[i - 1] !== '/') {
      const closing = new RegExp(`</${name}`, 'gi');
      closing.lastIndex = position;
      const close = closing.exec(text)?.index ?? -1;
      position = close < 0 ? text.length : close;
    }
  }
  return ranges;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
