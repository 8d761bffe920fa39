/**
 * Readers for the standard evaluation sets, as their public files are laid out: SST-2 dev (GLUE
 * TSV), SQuAD v1.1 dev (JSON), CoNLL-2003 (column format, IOB1 or IOB2) and AG News (CSV). Each
 * reader takes the file's text and refuses a malformed file with the line at fault, so a wrong
 * file is named rather than scored as zero.
 */

/** A data set file that cannot be read as the format asked for; the message names file and line. */
export class DatasetError extends Error {}

/** An SST-2 sentence; label 1 is positive, 0 negative. */
export interface Sst2Example {
  sentence: string;
  label: 0 | 1;
}

/** A SQuAD question with the gold answers its annotators gave. */
export interface SquadExample {
  id: string;
  context: string;
  question: string;
  answers: string[];
}

/** A CoNLL sentence: its tokens and their NER tags (the last column). */
export interface ConllSentence {
  tokens: string[];
  tags: string[];
}

/** An AG News article; class 1 World, 2 Sports, 3 Business, 4 Sci/Tech. */
export interface AgNewsExample {
  label: number;
  title: string;
  description: string;
}

/** GLUE's SST-2 dev.tsv: a `sentence<TAB>label` header, then one sentence per line. */
export function readSst2(text: string, file: string): Sst2Example[] {
  const lines = splitLines(text);
  const header = lines[0]?.split('\t').map((column) => column.trim());
  if (header?.[0] !== 'sentence' || header[1] !== 'label') {
    throw new DatasetError(`${file}:1: expected the SST-2 header "sentence<TAB>label", found "${clip(lines[0] ?? '')}".`);
  }
  const examples: Sst2Example[] = [];
  lines.slice(1).forEach((line, index) => {
    if (line.trim() === '') return;
    const columns = line.split('\t');
    const where = `${file}:${index + 2}`;
    if (columns.length !== 2) throw new DatasetError(`${where}: expected 2 tab-separated columns (sentence, label), found ${columns.length}.`);
    const label = columns[1].trim();
    if (label !== '0' && label !== '1') throw new DatasetError(`${where}: the label must be 0 or 1, not "${clip(label)}".`);
    if (columns[0].trim() === '') throw new DatasetError(`${where}: the sentence is empty.`);
    examples.push({ sentence: columns[0].trim(), label: label === '1' ? 1 : 0 });
  });
  return examples;
}

/** SQuAD v1.1's dev-v1.1.json: articles → paragraphs (context) → questions with gold answers. */
export function readSquad(text: string, file: string): SquadExample[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(`${file} is not valid JSON (${(error as Error).message}); give SQuAD v1.1's dev-v1.1.json.`);
  }
  // Anything JSON can hold may be here (null, a number, a list): only an object has fields.
  const articles = typeof json === 'object' && json !== null ? (json as { data?: unknown }).data : undefined;
  if (!Array.isArray(articles)) throw new DatasetError(`${file} has no "data" list of articles; give SQuAD v1.1's dev-v1.1.json.`);
  const examples: SquadExample[] = [];
  articles.forEach((article: { paragraphs?: unknown }, a) => {
    const paragraphs = article?.paragraphs;
    if (!Array.isArray(paragraphs)) throw new DatasetError(`${file}: data[${a}] has no "paragraphs" list.`);
    paragraphs.forEach((paragraph: { context?: unknown; qas?: unknown }, p) => {
      const where = `${file}: data[${a}].paragraphs[${p}]`;
      if (typeof paragraph?.context !== 'string' || !Array.isArray(paragraph.qas)) throw new DatasetError(`${where} needs a "context" string and a "qas" list.`);
      const context = paragraph.context;
      paragraph.qas.forEach((qa: { id?: unknown; question?: unknown; answers?: unknown }, q) => {
        const answers = Array.isArray(qa?.answers) ? qa.answers.map((answer: { text?: unknown }) => answer?.text) : undefined;
        if (typeof qa?.question !== 'string' || !answers?.every((answer): answer is string => typeof answer === 'string')) {
          throw new DatasetError(`${where}.qas[${q}] needs a "question" string and "answers" with a "text" each.`);
        }
        examples.push({ id: String(qa.id ?? `${a}.${p}.${q}`), context, question: qa.question, answers });
      });
    });
  });
  return examples;
}

/**
 * CoNLL-2003 column format: the token first, its NER tag last, a blank line between sentences,
 * `-DOCSTART-` lines between documents. Tags may be IOB1 (the original eng.testa/testb) or IOB2;
 * {@link entitySpans} reads both.
 */
export function readConll(text: string, file: string): ConllSentence[] {
  const sentences: ConllSentence[] = [];
  let current: ConllSentence = { tokens: [], tags: [] };
  const flush = () => {
    if (current.tokens.length > 0) sentences.push(current);
    current = { tokens: [], tags: [] };
  };
  splitLines(text).forEach((line, index) => {
    const columns = line.trim().split(/\s+/);
    if (line.trim() === '') return flush();
    if (columns[0] === '-DOCSTART-') return flush();
    const tag = columns[columns.length - 1];
    if (columns.length < 2 || !/^(O|[BI]-\S+)$/.test(tag)) {
      throw new DatasetError(
        `${file}:${index + 1}: expected a token and its NER tag (O, B-TYPE or I-TYPE) as the last column, found "${clip(line.trim())}".`,
      );
    }
    current.tokens.push(columns[0]);
    current.tags.push(tag);
  });
  flush();
  return sentences;
}

/**
 * AG News test.csv: `"class","title","description"`, every field quoted, `""` for a quote. The
 * published file marks line breaks in the text with a backslash and keeps some HTML character
 * references without their ampersand (` #36;` for `$`); both are turned back into text.
 */
export function readAgNews(text: string, file: string): AgNewsExample[] {
  return csvRows(text, file).map(({ fields, line }) => {
    if (fields.length !== 3) throw new DatasetError(`${file}:${line}: expected 3 fields ("class","title","description"), found ${fields.length}.`);
    const label = Number(fields[0]);
    if (![1, 2, 3, 4].includes(label)) throw new DatasetError(`${file}:${line}: the class must be 1, 2, 3 or 4, not "${clip(fields[0])}".`);
    return { label, title: agNewsText(fields[1]), description: agNewsText(fields[2]) };
  });
}

function agNewsText(field: string): string {
  return field
    .replace(/\\+/g, ' ')
    .replace(/&?#(\d{2,5});/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ')
    .trim();
}

/** RFC 4180 rows (quoted or bare fields, `""` inside quotes), each with the line it starts on. */
export function csvRows(text: string, file: string): Array<{ fields: string[]; line: number }> {
  const rows: Array<{ fields: string[]; line: number }> = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new DatasetError(`${file}:${start}: a quoted field is never closed.`);
          const c = text[i++];
          if (c === '"') {
            if (text[i] !== '"') break;
            i++;
          } else if (c === '\n') {
            line++;
          }
          field += c;
        }
        if (i < text.length && !/[,\r\n]/.test(text[i])) throw new DatasetError(`${file}:${line}: unexpected text after a closing quote.`);
      } else {
        while (i < text.length && !/[,\r\n]/.test(text[i])) field += text[i++];
      }
      fields.push(field);
      if (text[i] !== ',') break;
      i++;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (fields.length > 1 || fields[0] !== '') rows.push({ fields, line: start });
  }
  return rows;
}

function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
