import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EngineError } from '../../src/engine/errors';
import { MAX_TEXT_LENGTH, type Answer, type AskResult, type EntitiesResult, type SentimentResult, type TopicsParams, type TopicsResult } from '../../src/protocol';
import { disposedAfterwards, fixtureOptions } from '../helpers';
import { assertCovers, assertSortedApart, assertSpans, type Bounds, mergedRanges } from '../spans';

// Hostile and malformed documents through the real engine on the planted fixture models (see
// test/fixtures/planted.ts): entities are the planted names (Angela/Merkel, Berlin, Paris, Tokyo,
// Buenos Aires, Google, Siemens…), the QA answer is the four-digit year 1000–2999, sentiment
// counts words such as good/terrible, topics find words such as football or election.
//
// For every input and every task: no crash (a refusal only for a blank document, as a
// `bad-input` EngineError that says why), and every reported span — sentences, paragraphs,
// entities, answers and their sentences, topic sections — is the document's own text at its
// offsets, never cuts a character in two, and lies inside what was analysed. The planted words
// sit in hostile surroundings, so spans are really produced and their offsets really tested.

const engine = disposedAfterwards()(fixtureOptions());

interface HostileInput {
  name: string;
  text: string;
  /** Empty or only whitespace: the tasks that need text refuse it. */
  blank?: true;
  /** The planted entities the model must find, in order, as [text, type]. */
  entities?: Array<[string, string]>;
  /** The QA fixture's answer: the one year in the text. */
  answer?: string;
  /** The document's sentiment. */
  sentiment?: SentimentResult['document']['label'];
  /** The document's best topic among sports, business, science and politics. */
  topic?: string;
}

const LONG = 200_000;

const INPUTS: HostileInput[] = [
  { name: 'empty', text: '', blank: true },
  { name: 'spaces and tabs', text: ' \t  \t ', blank: true },
  { name: 'blank lines of every kind', text: '\n\r\n\r \u00a0\n\u3000\r\n\f\v\u0085\n', blank: true },
  { name: 'only NEL (U+0085), which JavaScript\'s trim() keeps', text: '\u0085\u0085 \u0085', blank: true },
  { name: 'only Unicode spaces (em, thin, narrow no-break, ideographic)', text: '\u2003\u2009\u202f\u205f\u1680\u3000\u2028\u2029', blank: true },
  {
    name: 'NUL and other control characters',
    text: 'Angela Merkel\u0000 had\u0000\u0000 a good day with Google in \u001b[1m Berlin \u001b[0m in 1958.\u0007',
    entities: [['Angela Merkel', 'PER'], ['Google', 'ORG'], ['Berlin', 'LOC']],
    answer: '1958',
    sentiment: 'POSITIVE',
  },
  {
    name: 'lone surrogates (they become U+FFFD in the tokenizer)',
    text: '\uD800Berlin and Angela\uDFFF Merkel met \uDBFF in 1958\uDC00. \uDC00\uD800Paris was terrible\uD83D',
    entities: [['Berlin', 'LOC'], ['Angela\uDFFF Merkel', 'PER'], ['Paris', 'LOC']],
    answer: '1958',
    sentiment: 'NEGATIVE',
  },
  {
    name: 'emoji: ZWJ sequences, skin tones, flags, keycaps',
    text: '👩‍👩‍👧 Angela Merkel 👨🏽‍💻 flew to Berlin 🏳️‍🌈 in 1958 🇩🇪. #️⃣ Great football 👍🏿!',
    entities: [['Angela Merkel', 'PER'], ['Berlin', 'LOC']],
    answer: '1958',
    sentiment: 'POSITIVE',
    topic: 'sports',
  },
  {
    name: 'emoji glued to names',
    text: '👩‍👩‍👧Angela Merkel👩‍👩‍👧 and 😀Berlin😀 in 1958',
    entities: [['Angela Merkel', 'PER'], ['Berlin', 'LOC']],
    answer: '1958',
  },
  {
    name: 'symbols glued to names and words: ™, ©, ®, arrows, currency and math signs, keycaps',
    text: 'Google™ and →Paris, ©Mozilla® in 1️⃣Tokyo€ in ∑1958≠ was ™great™',
    entities: [['Google', 'ORG'], ['Paris', 'LOC'], ['Mozilla', 'ORG'], ['Tokyo', 'LOC']],
    answer: '1958',
    sentiment: 'POSITIVE',
  },
  {
    name: 'form feed, vertical tab and NEL between words (white space that the BERT normaliser deletes)',
    text: 'Angela Merkel\fParis\vGoogle\f1989\u0085Berlin\vwas\ffootball',
    entities: [['Angela Merkel', 'PER'], ['Paris', 'LOC'], ['Google', 'ORG'], ['Berlin', 'LOC']],
    answer: '1989',
    topic: 'sports',
  },
  {
    name: 'combining marks, decomposed accents and Zalgo',
    text: 'Be\u0301rlin\u0301\u0300, A\u0300\u0316ngela Merkel\u0308 and B\u0336\u0301e\u0301\u0300r\u0336lin\u0336 in 1958\u0301. Pari\u0301s\u0301 is wonderful.',
    entities: [['Be\u0301rlin\u0301\u0300', 'LOC'], ['A\u0300\u0316ngela Merkel\u0308', 'PER'], ['B\u0336\u0301e\u0301\u0300r\u0336lin\u0336', 'LOC'], ['Pari\u0301s\u0301', 'LOC']],
    answer: '1958\u0301',
    sentiment: 'POSITIVE',
  },
  {
    name: 'right-to-left text, bidi marks and isolates',
    text: '\u202Bשָׁלוֹם עולם\u202C \u200FBerlin\u200F, \u2067مرحبا بالعالم\u2069 Angela Merkel \u061C1958\u200E. \u202EParis\u202C la\u200Fdo.',
    entities: [['Berlin', 'LOC'], ['Angela Merkel', 'PER'], ['Paris', 'LOC']],
    answer: '1958',
  },
  {
    name: 'CJK, Hangul and Indic scripts',
    text: '東京Berlin北京。株Siemens株式会社は1958年に서울 Paris 만났다. नमस्ते Tokyo। Angela Merkel 选举 election.',
    entities: [['Berlin', 'LOC'], ['Siemens', 'ORG'], ['Paris', 'LOC'], ['Tokyo', 'LOC'], ['Angela Merkel', 'PER']],
    topic: 'politics',
  },
  {
    name: 'zero-width characters',
    text: 'Angela\u200dMerkel \u200bBerlin\u200b \uFEFFParis\u2060 and Tokyo\u200c \u200c1958\u200c is \u200bgood\u200b',
    entities: [['Berlin', 'LOC'], ['Paris', 'LOC'], ['Tokyo\u200c', 'LOC']],
    answer: '1958\u200c',
    sentiment: 'POSITIVE',
  },
  {
    name: 'CRLF line ends',
    text: 'Angela Merkel\r\nwent to Berlin.\r\n\r\nIt was terrible\r\nin 1958.\r\n\r\n',
    entities: [['Angela Merkel', 'PER'], ['Berlin', 'LOC']],
    answer: '1958',
    sentiment: 'NEGATIVE',
  },
  {
    name: 'CR-only line ends',
    text: '\rAngela Merkel\rwent to Berlin.\r\rThe football match\rin 1958.\r\r\r',
    entities: [['Angela Merkel', 'PER'], ['Berlin', 'LOC']],
    answer: '1958',
    topic: 'sports',
  },
  {
    name: 'mixed line ends: LF, CR, CRLF, LF CR, U+2028, U+2029, NEL LF',
    text: 'Berlin\n\rParis\r\n\nTokyo\u2028Google\u2029\u2029Siemens\u0085\nMozilla\n\r\n\rAngela Merkel',
    entities: [['Berlin', 'LOC'], ['Paris', 'LOC'], ['Tokyo', 'LOC'], ['Google', 'ORG'], ['Siemens', 'ORG'], ['Mozilla', 'ORG'], ['Angela Merkel', 'PER']],
  },
  {
    name: 'case mappings that change length (İ, ß, final sigma, ligatures)',
    text: 'BERLİN, İstanbul, ANGELA MERKEL, Straße, ΣΊΣΥΦΟΣ, ﬁnance and ǅ in 1958',
    entities: [['BERLİN', 'LOC'], ['ANGELA MERKEL', 'PER']],
    answer: '1958',
  },
  {
    name: 'private-use, unassigned and noncharacter code points',
    text: '\uE000 Berlin \u{10FFFF} \u{E0001}Paris \uFFFE Tokyo \uFFFD 1958',
    entities: [['Berlin', 'LOC'], ['Paris', 'LOC'], ['Tokyo', 'LOC']],
    answer: '1958',
  },
  {
    name: 'Markdown with headings in fences and a heading of bidi marks only',
    text: '# Berlin 😀\r\n```\r\n# not a heading\r\n```\r\n## \u200f\r\nAngela Merkel scored a goal.\r\n#\r\n# Google made a profit',
    entities: [['Berlin', 'LOC'], ['Angela Merkel', 'PER'], ['Google', 'ORG']],
  },
  { name: `a single ${LONG.toLocaleString('en')}-character line with no spaces`, text: 'x'.repeat(LONG) },
  {
    name: `a ${LONG.toLocaleString('en')}-character line of names and punctuation, no spaces`,
    text: 'Berlin,Tokyo.'.repeat(LONG / 13),
    entities: Array.from({ length: LONG / 13 }, (): Array<[string, string]> => [['Berlin', 'LOC'], ['Tokyo', 'LOC']]).flat(),
  },
  // Every ideograph is a token of its own: 20,000 of them fill about 50 windows of the models.
  { name: 'a 20,000-character line of CJK ideographs', text: `Berlin ${'東京'.repeat(10_000)} 1958`, entities: [['Berlin', 'LOC']], answer: '1958' },
  {
    name: 'a word of 10,000 combining marks next to a name',
    text: `a${'\u0301'.repeat(10_000)} Berlin${'\u0300'.repeat(10_000)} Paris`,
    entities: [['Berlin' + '\u0300'.repeat(10_000), 'LOC'], ['Paris', 'LOC']],
  },
  {
    name: '5,000 one-line sentences',
    text: 'Berlin was good.\n'.repeat(5000),
    entities: Array.from({ length: 5000 }, (): [string, string] => ['Berlin', 'LOC']),
    sentiment: 'POSITIVE',
  },
];

/** What comes before and after the text when it is analysed as a selection of a larger document. */
const BEFORE = '😀 Intro\u0301\r\n\u200f';
const AFTER = '\r\n\uD800 tail';

const TOPIC_LABELS = ['sports', 'business', 'science', 'politics'];
const TEMPLATE = 'This text is about {}.';

describe('hostile input through every task', () => {
  for (const input of INPUTS) {
    describe(input.name, () => {
      for (const selection of [false, true]) {
        const where = selection ? 'as a selection' : 'as the whole document';
        const document = selection ? BEFORE + input.text + AFTER : input.text;
        const offset = selection ? BEFORE.length : 0;
        const bounds = { document, from: offset, to: offset + input.text.length };

        test(`sentiment ${where}`, async () => {
          const result = await refusedIfBlank(input, () => engine.sentiment({ text: input.text, neutralBand: 0.1, offset }));
          if (!result) return;
          assertSpans(bounds, result.paragraphs, 'paragraph');
          assertSpans(bounds, result.sentences, 'sentence');
          assertCovers(bounds, result.sentences, 'the sentences');
          for (const sentence of result.sentences) {
            const paragraph = result.paragraphs[sentence.paragraph];
            assert.ok(paragraph.start <= sentence.start && sentence.end <= paragraph.end, `sentence [${sentence.start}, ${sentence.end}) is in its paragraph`);
          }
          for (const score of [result.document, ...result.paragraphs, ...result.sentences]) assertProbability(score.score);
          if (input.sentiment) assert.equal(result.document.label, input.sentiment);
        });

        test(`entities ${where}`, async () => {
          const result = await engine.entities({ text: input.text, minScore: 0.5, offset });
          assertEntities(bounds, result);
          if (input.entities) assert.deepEqual(result.entities.map((e) => [e.text, e.type]), input.entities);
        });

        test(`question answering ${where}`, async () => {
          // The answers so far, reported while a long text is read, are shown too: they must be as exact.
          const early: Answer[] = [];
          const params = { text: input.text, question: 'When did it happen?', top: 3, minScore: 0.1, offset };
          const result = await refusedIfBlank(input, () => engine.ask(params, { onProgress: (progress) => early.push(...(progress.answers ?? [])) }));
          if (!result) return;
          assertAnswers(bounds, result);
          assertAnswers(bounds, { answers: early.slice(0, 3) });
          assertSpans(bounds, early, 'answer so far');
          if (input.answer) assert.equal(result.answers[0]?.text, input.answer);
        });

        for (const format of ['markdown', 'plaintext'] as const) {
          test(`topics (${format}) ${where}`, async () => {
            const params: TopicsParams = { text: input.text, labels: TOPIC_LABELS, multiLabel: false, hypothesisTemplate: TEMPLATE, format, offset };
            const result = await refusedIfBlank(input, () => engine.topics(params));
            if (!result) return;
            assertTopics(bounds, result);
            if (input.topic) assert.equal(result.document[0].label, input.topic);
          });
        }
      }

      test('entities of ranges that cut surrogate pairs, overlap and run past the text', async () => {
        const n = input.text.length;
        const third = Math.floor(n / 3);
        const ranges: Array<[number, number]> = [[-5, 3], [third, 2 * third + 1], [2 * third - 1, 2 * third + 7], [n - 2, n + 100], [7, 7], [9, 4]];
        const document = BEFORE + input.text + AFTER;
        const offset = BEFORE.length;
        const result = await engine.entities({ text: input.text, minScore: 0.5, offset, ranges });
        assertEntities({ document, from: offset, to: offset + n }, result, { wholeCharacters: false });
        const analysed = mergedRanges(ranges, n);
        for (const e of result.entities) {
          const inside = analysed.some(([start, end]) => offset + start <= e.start && e.end <= offset + end);
          assert.ok(inside, `entity ${JSON.stringify(e.text.slice(0, 40))} at [${e.start}, ${e.end}) lies inside one of the ranges`);
        }
      });
    });
  }
});

describe('hostile questions, labels and templates', () => {
  const text = 'Angela Merkel visited Berlin in 1958 and the football team won.';

  test('questions of emoji, lone surrogates, RTL and zero-width characters are answered from the text', async () => {
    for (const question of ['😀?', '\uD800 when \uDFFF', '\u202Bמתי?\u202C', 'When\u200b\u200d?', '1999?', '\u0000When?']) {
      const result = await engine.ask({ text, question, top: 1, minScore: 0.1 });
      assert.deepEqual(result.answers.map((a) => a.text), ['1958'], JSON.stringify(question));
      assertAnswers({ document: text, from: 0, to: text.length }, result);
    }
  });

  test('an empty, blank or overlong question is refused with a message that says so', async () => {
    for (const [question, message] of [['', /question is empty/], [' \t\r\n', /question is empty/], ['\u200b', /question is empty/], ['when '.repeat(200), /question is too long \(\d+ tokens; at most 64\)/]] as const) {
      await assert.rejects(engine.ask({ text, question, top: 1, minScore: 0.1 }), (error: unknown) => isBadInput(error, message), JSON.stringify(question.slice(0, 20)));
    }
  });

  test('topic labels in any script, with emoji and lone surrogates, are scored; blank labels and a bad template are refused', async () => {
    const labels = ['sports', '😀 emoji', '\uD800', 'السياسة', '政治', 'a\u0301'];
    const result = await engine.topics({ text, labels, multiLabel: true, hypothesisTemplate: TEMPLATE, format: 'plaintext' });
    assert.deepEqual(new Set(result.document.map((t) => t.label)), new Set(labels));
    assert.equal(result.document[0].label, 'sports');
    assertTopics({ document: text, from: 0, to: text.length }, result);

    const topics = (labels: string[], hypothesisTemplate = TEMPLATE) => engine.topics({ text, labels, multiLabel: false, hypothesisTemplate, format: 'plaintext' });
    await assert.rejects(topics(['', ' \t', '\r\n']), (error: unknown) => isBadInput(error, /at least one topic label/));
    await assert.rejects(topics(['sports'], 'No placeholder here.'), (error: unknown) => isBadInput(error, /has no \{\} for the label/));
    await assert.rejects(topics(['word '.repeat(600)]), (error: unknown) => isBadInput(error, /topic label is too long/));
  });
});

describe('a 20 MB document', () => {
  // 20 MiB of ordinary sentences: tokenized whole it would take the worker gigabytes and most of a
  // minute before the first progress report, so every task refuses it before any work.
  const sentence = 'Angela Merkel had a wonderful day in Berlin in 1990. ';
  const huge = sentence.repeat(Math.ceil((20 * 1024 * 1024) / sentence.length));
  const tooLarge = new RegExp(`The text has ${huge.length.toLocaleString('en')} characters, more than the ${MAX_TEXT_LENGTH.toLocaleString('en')} one request can take\\. Analyse a part of it`);

  test('is refused by every task at once with a message that says how to analyse a part', async () => {
    const runs = {
      sentiment: () => engine.sentiment({ text: huge, neutralBand: 0.1 }),
      entities: () => engine.entities({ text: huge, minScore: 0.5 }),
      ask: () => engine.ask({ text: huge, question: 'When was it?', top: 3, minScore: 0.1 }),
      topics: () => engine.topics({ text: huge, labels: TOPIC_LABELS, multiLabel: false, hypothesisTemplate: TEMPLATE, format: 'plaintext' }),
    };
    for (const [task, run] of Object.entries(runs)) {
      await assert.rejects(run(), (error: unknown) => isBadInput(error, tooLarge), task);
    }
  });

  test('a part of it at the limit is analysed, with offsets into that part', async () => {
    const part = huge.slice(0, MAX_TEXT_LENGTH - (MAX_TEXT_LENGTH % sentence.length));
    const result = await engine.entities({ text: part, minScore: 0.5, offset: 1000, ranges: [[0, sentence.length * 2]] });
    assert.deepEqual(
      result.entities.map((e) => [e.text, e.start]),
      [['Angela Merkel', 1000], ['Berlin', 1000 + sentence.indexOf('Berlin')], ['Angela Merkel', 1000 + sentence.length], ['Berlin', 1000 + sentence.length + sentence.indexOf('Berlin')]],
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** A blank input must be refused with a `bad-input` EngineError that says why; any other must not be. */
async function refusedIfBlank<T>(input: HostileInput, run: () => Promise<T>): Promise<T | undefined> {
  if (!input.blank) return run();
  await assert.rejects(run(), (error: unknown) => isBadInput(error, /no text to (analyse|search|classify): the document is empty or only whitespace/));
  return undefined;
}

function isBadInput(error: unknown, message: RegExp): boolean {
  assert.ok(error instanceof EngineError, `an EngineError, not ${String(error)}`);
  assert.equal(error.code, 'bad-input');
  assert.match(error.message, message);
  return true;
}

function assertProbability(score: number): void {
  assert.ok(Number.isFinite(score) && score >= 0 && score <= 1, `a probability, not ${score}`);
}

function assertEntities(bounds: Bounds, result: EntitiesResult, options?: { wholeCharacters: boolean }): void {
  assertSpans(bounds, result.entities, 'entity', options);
  assertSortedApart(result.entities, 'entities');
  for (const e of result.entities) {
    assert.ok(['PER', 'LOC', 'ORG', 'MISC'].includes(e.type), e.type);
    assert.ok(e.score >= 0.5 && e.score <= 1, `${e.text}: ${e.score}`);
  }
}

function assertAnswers(bounds: Bounds, result: Pick<AskResult, 'answers'>): void {
  assertSpans(bounds, result.answers, 'answer');
  assertSpans(bounds, result.answers.map((a) => a.sentence), 'answer sentence');
  assert.ok(result.answers.length <= 3);
  for (const a of result.answers) {
    assert.ok(a.sentence.start <= a.start && a.end <= a.sentence.end, `answer ${a.text} is in its sentence`);
    assert.ok(a.score >= 0.1 && a.score <= 1, `answer score ${a.score}`);
  }
  assertSortedApart([...result.answers].sort((a, b) => a.start - b.start), 'answers');
}

function assertTopics(bounds: Bounds, result: TopicsResult): void {
  assertSpans(bounds, result.sections, 'section');
  assertSortedApart(result.sections, 'sections');
  assertCovers(bounds, result.sections, 'the sections');
  for (const scores of [result.document, ...result.sections.map((s) => s.labels)]) {
    for (const { score } of scores) assertProbability(score);
    const sorted = scores.map((s) => s.score);
    assert.deepEqual(sorted, [...sorted].sort((a, b) => b - a), 'best first');
  }
}
