/**
 * Checks the generated fixture models from the outside, the way the engine will use them: ids from
 * the `tokenizers` package, the ONNX files run directly by onnxruntime-node, and the layout read
 * by @huggingface/transformers. Every planted behaviour is checked on the fp32 and the int8 model.
 * The expectations are written out here, from the fixture-model spec (its summary is test/fixtures/planted.ts), not
 * taken from planted.ts; only the exported list of model folders is checked against it.
 *
 * Run `npm run fixtures` first.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ort from '../../src/engine/onnxruntime';
import { onnx } from 'onnx-proto';
import { Tokenizer, type JsEncoding } from 'tokenizers';
import { FAMILY_MODELS } from '../fixtures/families';
import { CLASSIFIERS as PLANTED_CLASSIFIERS, FIXTURE_MODELS as PLANTED_FIXTURE_MODELS } from '../fixtures/planted';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const MODELS = path.join(FIXTURES, 'models');
const TASKS = ['sentiment', 'topics', 'entities', 'qa'] as const;
/** The extra sequence classifiers, each `logits` [batch, labels]. */
const CLASSIFIERS = ['emotion', 'toxicity', 'sentiment-3class', 'sentiment-5star', 'language'] as const;
const ALL_MODELS = [...TASKS, ...CLASSIFIERS] as const;
type Classifier = (typeof CLASSIFIERS)[number];
type Task = (typeof ALL_MODELS)[number];

const VARIANTS = [
  { name: 'fp32', file: 'model.onnx' },
  { name: 'int8', file: 'model_quantized.onnx' },
] as const;
type Variant = (typeof VARIANTS)[number];

const EXPECTED_LABELS: Record<Exclude<Task, 'qa'>, string[]> = {
  sentiment: ['NEGATIVE', 'POSITIVE'],
  topics: ['contradiction', 'neutral', 'entailment'],
  entities: ['O', 'B-MISC', 'I-MISC', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC'],
  emotion: ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'],
  toxicity: ['toxic', 'insult', 'threat'],
  'sentiment-3class': ['negative', 'neutral', 'positive'],
  'sentiment-5star': ['1 star', '2 stars', '3 stars', '4 stars', '5 stars'],
  language: ['en', 'de', 'fr', 'es'],
};

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const config = (task: Task) => readJson(path.join(MODELS, task, 'config.json')) as { id2label: Record<string, string> };
const labelOf = (task: Task, id: number) => config(task).id2label[String(id)];

let tokenizer: Tokenizer;
const sessions = new Map<string, ort.InferenceSession>();

before(() => {
  assert.ok(existsSync(path.join(MODELS, 'qa', 'onnx', 'model_quantized.onnx')), `no fixture models in ${MODELS}: run \`npm run fixtures\` first`);
  tokenizer = Tokenizer.fromFile(path.join(MODELS, 'sentiment', 'tokenizer.json'));
});

after(async () => {
  for (const session of sessions.values()) await session.release();
});

async function session(task: Task, variant: Variant): Promise<ort.InferenceSession> {
  const key = `${task}/${variant.file}`;
  let found = sessions.get(key);
  if (!found) {
    // Fatal only: the over-length test makes ORT log an expected error.
    found = await ort.InferenceSession.create(path.join(MODELS, task, 'onnx', variant.file), { logSeverityLevel: 4 });
    sessions.set(key, found);
  }
  return found;
}

const encode = (text: string, pair?: string): Promise<JsEncoding> => tokenizer.encode(text, pair ?? null);
const idsOf = async (text: string, pair?: string) => (await encode(text, pair)).getIds();
const tokensOf = async (text: string) => (await tokenizer.encode(text, null, { addSpecialTokens: false })).getTokens();

/** Ids under attention_mask 0 in padded batches: planted words and [SEP], which must be ignored. */
let poison: number[] = [];
before(async () => {
  poison = await idsOf('excellent awful Paris Mozilla 1999 2345 football sports joyful adore rage trash idiot hurt', 'This text is about sports.');
});

interface BatchOptions {
  padding?: 'right' | 'left';
  /** Extra length to pad every row by, beyond the longest row. */
  extra?: number;
}

/**
 * Runs rows of ids as one batch and returns each output per row, cut back to the row's own tokens
 * for token-level outputs, so results can be compared across paddings.
 */
async function run(task: Task, variant: Variant, rows: number[][], options: BatchOptions = {}): Promise<Record<string, number[][]>> {
  const length = Math.max(...rows.map((r) => r.length)) + (options.extra ?? 0);
  const ids = new BigInt64Array(rows.length * length);
  const mask = new BigInt64Array(rows.length * length);
  const offsets = rows.map((row) => (options.padding === 'left' ? length - row.length : 0));
  rows.forEach((row, r) => {
    for (let i = 0; i < length; i++) {
      const j = i - offsets[r];
      const real = j >= 0 && j < row.length;
      ids[r * length + i] = BigInt(real ? row[j] : poison[i % poison.length]);
      mask[r * length + i] = real ? 1n : 0n;
    }
  });
  const result = await (
    await session(task, variant)
  ).run({
    input_ids: new ort.Tensor('int64', ids, [rows.length, length]),
    attention_mask: new ort.Tensor('int64', mask, [rows.length, length]),
  });
  const out: Record<string, number[][]> = {};
  for (const [name, tensor] of Object.entries(result)) {
    const data = Array.from(tensor.data as Float32Array);
    const [batch, ...rest] = tensor.dims;
    assert.equal(batch, rows.length);
    const rowSize = rest.reduce((a, b) => a * b, 1);
    const tokenLevel = task === 'entities' || task === 'qa';
    if (tokenLevel) assert.equal(rest[0], length, `${name} has a sequence axis`);
    const perToken = rowSize / length;
    out[name] = rows.map((row, r) => {
      const whole = data.slice(r * rowSize, (r + 1) * rowSize);
      return tokenLevel ? whole.slice(offsets[r] * perToken, (offsets[r] + row.length) * perToken) : whole;
    });
  }
  return out;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((x) => x / sum);
}

const argmax = (xs: number[]) => xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);
const chunk = (xs: number[], size: number) => Array.from({ length: xs.length / size }, (_, i) => xs.slice(i * size, (i + 1) * size));

/** A filler text of about `tokens` tokens (9 per sentence) with no planted word or number in it. */
function filler(tokens: number): string {
  return Array.from({ length: Math.round(tokens / 9) }, () => 'the quiet cat sat on a soft mat .').join(' ');
}

// ---------------------------------------------------------------------------------------------

describe('fixture layout', () => {
  test('planted.ts exports the list of model folders, and each is generated', () => {
    assert.deepEqual(PLANTED_CLASSIFIERS, CLASSIFIERS);
    assert.deepEqual(PLANTED_FIXTURE_MODELS, ALL_MODELS);
    const folders = readdirSync(MODELS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    // The other families' models are checked by fixtureFamilies.test.ts.
    assert.deepEqual(folders.sort(), [...ALL_MODELS, ...FAMILY_MODELS.map((m) => m.name)].sort());
  });

  test('every model has the Hugging Face / transformers.js file layout', () => {
    for (const task of ALL_MODELS) {
      for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
        assert.ok(statSync(path.join(MODELS, task, file)).size > 0, `${task}/${file}`);
      }
    }
  });

  test('config.json describes a DistilBERT model with the expected labels', () => {
    const architectures: Record<Task, string> = {
      sentiment: 'DistilBertForSequenceClassification',
      topics: 'DistilBertForSequenceClassification',
      entities: 'DistilBertForTokenClassification',
      qa: 'DistilBertForQuestionAnswering',
      emotion: 'DistilBertForSequenceClassification',
      toxicity: 'DistilBertForSequenceClassification',
      'sentiment-3class': 'DistilBertForSequenceClassification',
      'sentiment-5star': 'DistilBertForSequenceClassification',
      language: 'DistilBertForSequenceClassification',
    };
    for (const task of ALL_MODELS) {
      const c = readJson(path.join(MODELS, task, 'config.json'));
      assert.equal(c.model_type, 'distilbert');
      assert.equal(c._name_or_path, `local-text-analytics/fixture-${task}`);
      assert.equal(typeof c.fixture, 'string');
      assert.deepEqual(c.architectures, [architectures[task]]);
      // Only toxicity is multi-label; the others are softmax classifiers (no problem_type, the default).
      assert.equal(c.problem_type, task === 'toxicity' ? 'multi_label_classification' : undefined, task);
      assert.equal(c.max_position_embeddings, 512);
      assert.equal(c.pad_token_id, 0);
      assert.equal(c.vocab_size, tokenizer.getVocabSize(true));
      if (task !== 'qa') {
        const labels = EXPECTED_LABELS[task];
        assert.deepEqual(c.id2label, Object.fromEntries(labels.map((l, i) => [String(i), l])), task);
        assert.deepEqual(c.label2id, Object.fromEntries(labels.map((l, i) => [l, i])), task);
      }
      const tc = readJson(path.join(MODELS, task, 'tokenizer_config.json'));
      assert.equal(tc.model_max_length, 512);
      assert.equal(tc.do_lower_case, true);
    }
  });

  test('all models share one tokenizer', () => {
    const first = readFileSync(path.join(MODELS, TASKS[0], 'tokenizer.json'));
    for (const task of ALL_MODELS) assert.ok(readFileSync(path.join(MODELS, task, 'tokenizer.json')).equals(first), task);
  });

  test("each model's tokenizer.json loads in the tokenizers package", async () => {
    const text = 'Naïve QUESTION: joyful, trash and greatness?';
    const expected = await idsOf(text);
    for (const task of ALL_MODELS) {
      const own = Tokenizer.fromFile(path.join(MODELS, task, 'tokenizer.json'));
      assert.deepEqual((await own.encode(text)).getIds(), expected, task);
    }
  });

  test('models take input_ids and attention_mask and give the expected outputs', async () => {
    const outputs: Record<Task, string[]> = {
      sentiment: ['logits'],
      topics: ['logits'],
      entities: ['logits'],
      qa: ['start_logits', 'end_logits'],
      emotion: ['logits'],
      toxicity: ['logits'],
      'sentiment-3class': ['logits'],
      'sentiment-5star': ['logits'],
      language: ['logits'],
    };
    for (const task of ALL_MODELS) {
      for (const variant of VARIANTS) {
        const s = await session(task, variant);
        assert.deepEqual([...s.inputNames].sort(), ['attention_mask', 'input_ids'], `${task} ${variant.name}`);
        assert.deepEqual([...s.outputNames].sort(), [...outputs[task]].sort(), `${task} ${variant.name}`);
      }
    }
  });

  test('the classifiers give logits [batch, labels] for any batch size', async () => {
    for (const task of CLASSIFIERS) {
      for (const variant of VARIANTS) {
        for (const batch of [1, 2, 5, 16]) {
          const rows = await Promise.all(Array.from({ length: batch }, (_, i) => idsOf(`Sentence ${'number '.repeat(i)}${i}.`)));
          const { logits } = await run(task, variant, rows);
          assert.equal(logits.length, batch);
          for (const row of logits) assert.equal(row.length, EXPECTED_LABELS[task].length, `${task} ${variant.name} batch ${batch}`);
        }
      }
    }
  });

  test('the int8 models replace every MatMul with DynamicQuantizeLinear + MatMulInteger', () => {
    for (const task of ALL_MODELS) {
      const opTypes = (file: string) => {
        const model = onnx.ModelProto.decode(readFileSync(path.join(MODELS, task, 'onnx', file)));
        return new Set((model.graph?.node ?? []).map((n) => n.opType));
      };
      const fp32 = opTypes('model.onnx');
      const int8 = opTypes('model_quantized.onnx');
      assert.ok(fp32.has('MatMul') && !fp32.has('MatMulInteger'), `${task} fp32`);
      assert.ok(!int8.has('MatMul') && int8.has('MatMulInteger') && int8.has('DynamicQuantizeLinear'), `${task} int8`);
    }
  });

  test('the generator is deterministic and skips work when up to date', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'fixtures-'));
    try {
      const generate = (...args: string[]) =>
        execFileSync(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'make-models.ts'), '--out', out, ...args], { encoding: 'utf8' });
      generate('--force');
      const files = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
      const written = files(out).filter((f) => !f.startsWith('.'));
      assert.equal(written.length, (ALL_MODELS.length + FAMILY_MODELS.length) * 6);
      for (const file of written) {
        assert.ok(readFileSync(path.join(out, file)).equals(readFileSync(path.join(MODELS, file))), `${file} differs from a fresh run (rerun npm run fixtures?)`);
      }
      // The stamp lists every file written, so that a changed or missing one is regenerated.
      const stamp = JSON.parse(readFileSync(path.join(out, '.fixtures-stamp.json'), 'utf8')) as { files: Record<string, string> };
      assert.deepEqual(Object.keys(stamp.files).sort(), [...written].sort());
      assert.match(generate(), /up to date/);
      rmSync(path.join(out, 'toxicity', 'onnx', 'model_quantized.onnx'));
      assert.doesNotMatch(generate(), /up to date/);
      assert.ok(readFileSync(path.join(out, 'toxicity', 'onnx', 'model_quantized.onnx')).equals(readFileSync(path.join(MODELS, 'toxicity', 'onnx', 'model_quantized.onnx'))));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('tokenizer', () => {
  const samples: [string, string?][] = [
    ['Angela Merkel met Barack Obama in Buenos Aires.'],
    ['Tōkyō 😀 in naïve café, Crème Brûlée!'],
    ['The UNESCO report (2019) said: "GOODNESS gracious" — it\'s 19999 or 1999s?'],
    ['中文字符 mixed with English and 日本語.'],
    ['tab\tnew\nline  double  spaces\u00a0nbsp\u200bzero-width'],
    [`${'x'.repeat(120)} supercalifragilisticexpialidocious`],
    ['When was it founded?', 'The company was founded in 1923 in Paris.'],
    ['The football match ended with a late goal.', 'This text is about sports.'],
  ];

  test('@huggingface/transformers gives the same ids as tokenizers', async () => {
    const { AutoTokenizer, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = FIXTURES;
    const reference = await AutoTokenizer.from_pretrained('models/sentiment');
    for (const [text, pair] of samples) {
      const encoded = reference(text, pair === undefined ? {} : { text_pair: pair }) as { input_ids: { tolist(): bigint[][] } };
      const theirs = encoded.input_ids.tolist()[0].map(Number);
      assert.deepEqual(theirs, await idsOf(text, pair), JSON.stringify([text, pair]));
    }
  });

  test('is uncased BERT WordPiece with [CLS]/[SEP] templates', async () => {
    const encoding = await encode('Naïve QUESTION?', 'Answer.');
    assert.deepEqual(encoding.getTokens(), ['[CLS]', 'naive', 'question', '?', '[SEP]', 'answer', '.', '[SEP]']);
    assert.deepEqual(encoding.getTypeIds(), [0, 0, 0, 0, 0, 1, 1, 1]);
    assert.deepEqual(await tokensOf('Merkel'), ['mer', '##kel']);
    assert.ok((await tokensOf('😀')).includes('[UNK]'));
  });
});

// ---------------------------------------------------------------------------------------------

for (const variant of VARIANTS) {
  describe(`sentiment (${variant.name})`, () => {
    async function classify(texts: string[]) {
      const { logits } = await run('sentiment', variant, await Promise.all(texts.map((t) => idsOf(t))));
      return logits.map((l) => {
        const scores = softmax(l);
        return { label: labelOf('sentiment', argmax(scores)), score: Math.max(...scores), scores };
      });
    }

    test('more positive than negative words is POSITIVE with score >= 0.9', async () => {
      const texts = ['What a wonderful day.', 'GOOD', 'I love it, the best, but sad.', 'Great great great, bad.', 'happy!', 'Excellent—just excellent.'];
      for (const [i, result] of (await classify(texts)).entries()) {
        assert.equal(result.label, 'POSITIVE', texts[i]);
        assert.ok(result.score >= 0.9, `${texts[i]}: ${result.score}`);
      }
    });

    test('more negative than positive words is NEGATIVE with score >= 0.9', async () => {
      const texts = ['This is terrible.', 'awful, horrible, worst', 'I hate it; good but bad and sad.', 'HORRIBLE'];
      for (const [i, result] of (await classify(texts)).entries()) {
        assert.equal(result.label, 'NEGATIVE', texts[i]);
        assert.ok(result.score >= 0.9, `${texts[i]}: ${result.score}`);
      }
    });

    test('equal counts, including none, score 0.5 ± 0.05', async () => {
      const texts = ['', 'A plain sentence about a table.', 'Good and bad.', 'love, hate, happy, sad', 'Greatness and badness are not words of the list.'];
      for (const [i, result] of (await classify(texts)).entries()) {
        for (const score of result.scores) assert.ok(Math.abs(score - 0.5) <= 0.05, `${texts[i]}: ${result.scores}`);
      }
    });

    test('planted words count only as whole words', async () => {
      for (const [longer, word] of [['greatness', 'great'], ['sadder', 'sad'], ['bester', 'best']]) {
        const pieces = await tokensOf(longer);
        assert.equal(pieces[0], word, `precondition: ${longer} starts with the piece ${word}`);
        assert.ok(pieces.length > 1);
      }
      const [result] = await classify(['greatness sadder bester']);
      for (const score of result.scores) assert.ok(Math.abs(score - 0.5) <= 0.05, String(result.scores));
    });

    test('holds for a 500-token input', async () => {
      const long = `${filler(495)} but the ending was excellent.`;
      const ids = await idsOf(long);
      assert.ok(ids.length >= 500 && ids.length <= 512, `length ${ids.length}`);
      const [positive, balanced] = await classify([long, `Bad start. ${filler(495)} excellent ending.`]);
      assert.equal(positive.label, 'POSITIVE');
      assert.ok(positive.score >= 0.9);
      for (const score of balanced.scores) assert.ok(Math.abs(score - 0.5) <= 0.05, String(balanced.scores));
    });
  });

  describe(`entities (${variant.name})`, () => {
    async function tag(text: string) {
      const encoding = await encode(text);
      const { logits } = await run('entities', variant, [encoding.getIds()]);
      const perToken = chunk(logits[0], EXPECTED_LABELS.entities.length).map(softmax);
      return { encoding, labels: perToken.map((p) => labelOf('entities', argmax(p))), scores: perToken.map((p) => Math.max(...p)) };
    }

    /** Groups B-/I- runs of one type into entities, as the engine is expected to. */
    function entities(text: string, encoding: JsEncoding, labels: string[]) {
      const found: { type: string; text: string }[] = [];
      let current: { type: string; start: number; end: number } | undefined;
      const flush = () => {
        if (current) found.push({ type: current.type, text: text.slice(current.start, current.end) });
        current = undefined;
      };
      const offsets = encoding.getOffsets();
      labels.forEach((label, i) => {
        const type = label.slice(2);
        if (label === 'O' || label.startsWith('B-') || (current && current.type !== type)) flush();
        if (label === 'O') return;
        if (current) current.end = offsets[i][1];
        else current = { type, start: offsets[i][0], end: offsets[i][1] };
      });
      flush();
      return found;
    }

    test('finds PER, LOC as whole multi-piece entities', async () => {
      const text = 'Angela Merkel met Barack Obama in Buenos Aires.';
      const { encoding, labels } = await tag(text);
      assert.deepEqual(encoding.getTokens().slice(1, 4), ['angela', 'mer', '##kel'], 'precondition: Merkel is two pieces');
      assert.deepEqual(labels.slice(1, -1), ['B-PER', 'I-PER', 'I-PER', 'O', 'B-PER', 'I-PER', 'O', 'B-LOC', 'I-LOC', 'O']);
      assert.deepEqual(entities(text, encoding, labels), [
        { type: 'PER', text: 'Angela Merkel' },
        { type: 'PER', text: 'Barack Obama' },
        { type: 'LOC', text: 'Buenos Aires' },
      ]);
    });

    test('labels every planted word, continuation pieces I-<type>', async () => {
      const text = 'Marie Curie visited Paris, Berlin and Tokyo for Google, UNESCO, Siemens and Mozilla at the Olympics with German and French friends; Merkel.';
      const { encoding, labels } = await tag(text);
      assert.deepEqual(entities(text, encoding, labels), [
        { type: 'PER', text: 'Marie Curie' },
        { type: 'LOC', text: 'Paris' },
        { type: 'LOC', text: 'Berlin' },
        { type: 'LOC', text: 'Tokyo' },
        { type: 'ORG', text: 'Google' },
        { type: 'ORG', text: 'UNESCO' },
        { type: 'ORG', text: 'Siemens' },
        { type: 'ORG', text: 'Mozilla' },
        { type: 'MISC', text: 'Olympics' },
        { type: 'MISC', text: 'German' },
        { type: 'MISC', text: 'French' },
        { type: 'PER', text: 'Merkel' },
      ]);
      const tokens = encoding.getTokens();
      const mozilla = tokens.indexOf('mo');
      assert.deepEqual(tokens.slice(mozilla, mozilla + 3), ['mo', '##zi', '##lla'], 'precondition: Mozilla is three pieces');
      assert.deepEqual(labels.slice(mozilla, mozilla + 3), ['B-ORG', 'I-ORG', 'I-ORG']);
      const merkel = tokens.lastIndexOf('mer');
      assert.deepEqual(labels.slice(merkel, merkel + 2), ['I-PER', 'I-PER'], 'a lone Merkel starts with I-PER');
    });

    test('every other token is O with score >= 0.9', async () => {
      const text = 'Parisian Berliners, Merkels and Mozillas met the curiel Obamas at UNESCOs; the 1999 match was great.';
      for (const [longer, first] of [['Merkels', 'mer'], ['Mozillas', 'mo'], ['Berliners', 'berlin'], ['curiel', 'cu']]) {
        assert.equal((await tokensOf(longer))[0], first, `precondition: ${longer} starts like a planted word`);
      }
      const { labels, scores } = await tag(text);
      labels.forEach((label, i) => {
        assert.equal(label, 'O', `token ${i}`);
        assert.ok(scores[i] >= 0.9, `token ${i}: ${scores[i]}`);
      });
    });

    test('holds for a 500-token input', async () => {
      const text = `${filler(495)} Then Buenos Aires.`;
      const { encoding, labels, scores } = await tag(text);
      assert.ok(encoding.getIds().length >= 500 && encoding.getIds().length <= 512);
      const at = encoding.getTokens().lastIndexOf('buenos');
      labels.forEach((label, i) => {
        const expected = i === at ? 'B-LOC' : i === at + 1 ? 'I-LOC' : 'O';
        assert.equal(label, expected, `token ${i}`);
        assert.ok(scores[i] >= 0.9);
      });
    });
  });

  describe(`qa (${variant.name})`, () => {
    /** Start/end probabilities over the whole sequence, and the pieces of `answer` in the context. */
    async function answer(question: string, context: string, expected?: string) {
      const encoding = await encode(question, context);
      const result = await run('qa', variant, [encoding.getIds()]);
      const start = softmax(result.start_logits[0]);
      const end = softmax(result.end_logits[0]);
      let pieces: number[] = [];
      if (expected !== undefined) {
        const from = context.indexOf(expected);
        assert.ok(from >= 0, `precondition: ${expected} in context`);
        const sequence = encoding.getSequenceIds();
        pieces = encoding
          .getOffsets()
          .map((o, i) => (sequence[i] === 1 && o[0] >= from && o[1] <= from + expected.length && o[1] > o[0] ? i : -1))
          .filter((i) => i >= 0);
      }
      return { encoding, start, end, pieces, uniform: 1 / start.length };
    }

    test('starts on the first and ends on the last piece of a year in the context', async () => {
      const cases: [string, string, string][] = [
        ['When was it founded?', 'The company was founded in 1923 in Paris.', '1923'],
        ['When?', 'It was built in 2345 or so.', '2345'],
        ['What year?', 'In 1066, there was a battle.', '1066'],
        ['Which year?', 'Between (1000) and nothing else.', '1000'],
        ['Which year?', 'Until 2999!', '2999'],
      ];
      for (const [question, context, year] of cases) {
        const { start, end, pieces, encoding } = await answer(question, context, year);
        assert.ok(pieces.length >= 1);
        const first = pieces[0];
        const last = pieces[pieces.length - 1];
        const label = `${context} → ${encoding.getTokens().join(' ')}`;
        assert.ok(start[first] >= 0.9, `${label}: start ${start[first]}`);
        assert.ok(end[last] >= 0.9, `${label}: end ${end[last]}`);
      }
      const multi = await answer('When?', 'It was built in 2345 or so.', '2345');
      assert.ok(multi.pieces.length > 1, 'precondition: 2345 is several pieces');
    });

    test('a year in the question is never the answer', async () => {
      const { start, end, pieces, encoding } = await answer('Was it founded in 1850 or 1999?', 'The company was founded in 1923 in Paris.', '1923');
      assert.ok(start[pieces[0]] >= 0.9 && end[pieces[pieces.length - 1]] >= 0.9);
      const sequence = encoding.getSequenceIds();
      encoding.getTokens().forEach((token, i) => {
        if (sequence[i] === 0 && /^\d/.test(token)) assert.ok(start[i] < 0.01 && end[i] < 0.01, `question token ${token}`);
      });
    });

    test('no four-digit number from 1000 to 2999 means no confident answer', async () => {
      const contexts = [
        'Nothing happened here at all, nothing at all.',
        'It was 19999 or maybe 1999s, or 999 or 3000 or 0999.',
        'The value 12345 and 1,999 and 20 00 and 1999th are not years here.',
        'Only the question has one.',
      ];
      for (const context of contexts) {
        const { start, end, uniform, encoding } = await answer('Which year, 1999?', context);
        assert.ok(Math.max(...start) < 2 * uniform, `${encoding.getTokens().join(' ')}: start ${Math.max(...start)}`);
        assert.ok(Math.max(...end) < 2 * uniform, `${context}: end ${Math.max(...end)}`);
      }
    });

    test('several years share the probability', async () => {
      const { start, encoding } = await answer('When?', 'From 1914 to 1918, and 2001.');
      const tokens = encoding.getTokens();
      const high = start.map((p, i) => (p > 0.2 ? tokens[i] : '')).filter(Boolean);
      assert.deepEqual(high, ['1914', '1918', '2001']);
    });

    test('holds for a 500-token input', async () => {
      const context = `${filler(495)} It ended in 1984.`;
      const { start, end, pieces, encoding } = await answer('When did it end?', context, '1984');
      assert.ok(encoding.getIds().length >= 500 && encoding.getIds().length <= 512, `length ${encoding.getIds().length}`);
      assert.ok(start[pieces[0]] >= 0.9 && end[pieces[pieces.length - 1]] >= 0.9);
    });
  });

  describe(`topics (${variant.name})`, () => {
    const hypothesis = (topic: string) => `This text is about ${topic}.`;

    async function entailment(pairs: [string, string][]) {
      const { logits } = await run('topics', variant, await Promise.all(pairs.map(([p, h]) => idsOf(p, h))));
      const index = Number(Object.entries(config('topics').id2label).find(([, label]) => label === 'entailment')![0]);
      return logits.map((l) => ({ logits: l, entailment: softmax(l)[index], index }));
    }

    test('entailment is high iff the hypothesis names a topic the premise has a word of', async () => {
      const cases: [string, string, boolean][] = [
        ['The football match ended with a late goal.', hypothesis('sports'), true],
        ['The football match ended with a late goal.', hypothesis('business'), false],
        ['Stocks fell as company revenue missed.', hypothesis('business'), true],
        ['The laboratory experiment confirmed the physics.', hypothesis('science'), true],
        ['Parliament will vote after the election.', hypothesis('politics'), true],
        ['Parliament will vote after the election.', hypothesis('SPORTS'), false],
        ['A TEAM played TENNIS.', hypothesis('Sports'), true],
        ['We talked about the weather.', hypothesis('sports'), false],
        // Roles matter: topic words only in the hypothesis do not entail.
        ['We talked about the weather.', 'football sports goal', false],
        ['This text is about sports.', 'The football match ended.', false],
        // Whole words only: "teams", "footballer", "goalie" are not words of the topic.
        ['The teams had a footballer and a goalie.', hypothesis('sports'), false],
      ];
      const results = await entailment(cases.map(([p, h]) => [p, h]));
      results.forEach((result, i) => {
        const [premise, hyp, high] = cases[i];
        if (high) {
          assert.equal(argmax(result.logits), result.index, `${premise} / ${hyp}`);
          assert.ok(result.entailment >= 0.9, `${premise} / ${hyp}: ${result.entailment}`);
        } else {
          assert.notEqual(argmax(result.logits), result.index, `${premise} / ${hyp}`);
          assert.ok(result.entailment < 0.1, `${premise} / ${hyp}: ${result.entailment}`);
        }
      });
    });

    test('zero-shot over the four topics puts sports first, the others far below', async () => {
      const topics = ['sports', 'business', 'science', 'politics'];
      const premise = 'The football match ended with a late goal.';
      const results = await entailment(topics.map((t) => [premise, hypothesis(t)]));
      const scores = softmax(results.map((r) => r.logits[r.index]));
      assert.equal(argmax(scores), 0);
      for (const score of scores.slice(1)) assert.ok(score < 0.05 * scores[0], String(scores));
    });
  });

  /** Softmax (or, for the multi-label toxicity, a sigmoid per label) of each text's logits, by label. */
  async function classifierScores(task: Classifier, texts: string[]) {
    const { logits } = await run(task, variant, await Promise.all(texts.map((t) => idsOf(t))));
    return logits.map((l) => {
      const scores = task === 'toxicity' ? l.map(sigmoid) : softmax(l);
      return { scores, byLabel: Object.fromEntries(scores.map((score, id) => [labelOf(task, id), score])), top: labelOf(task, argmax(scores)) };
    });
  }

  /** Each text's chosen label scores >= 0.9 (single-label). */
  async function assertChosen(task: Classifier, cases: [string, string][]) {
    const results = await classifierScores(task, cases.map(([text]) => text));
    results.forEach((result, i) => {
      const [text, label] = cases[i];
      assert.equal(result.top, label, `${task}: ${JSON.stringify(text)} ${JSON.stringify(result.byLabel)}`);
      assert.ok(result.byLabel[label] >= 0.9, `${task}: ${JSON.stringify(text)} ${label} ${result.byLabel[label]}`);
    });
  }

  describe(`emotion (${variant.name})`, () => {
    const WORDS: Record<string, string[]> = {
      sadness: ['grief', 'tears', 'lonely'],
      joy: ['delighted', 'cheerful', 'joyful'],
      love: ['adore', 'cherish', 'beloved'],
      anger: ['furious', 'rage', 'outraged'],
      fear: ['afraid', 'terrified', 'scared'],
      surprise: ['astonished', 'unexpected', 'stunned'],
    };

    async function assertUniform(texts: string[]) {
      for (const [i, result] of (await classifierScores('emotion', texts)).entries()) {
        for (const score of result.scores) assert.ok(Math.abs(score - 1 / 6) <= 0.05, `${JSON.stringify(texts[i])}: ${result.scores}`);
      }
    }

    test('each word alone gives its label >= 0.9, in any case', async () => {
      const cases = Object.entries(WORDS).flatMap(([label, words]) =>
        words.flatMap((word): [string, string][] => [
          [`They were ${word} today.`, label],
          [word.toUpperCase(), label],
          [`${word[0].toUpperCase()}${word.slice(1)}!`, label],
        ]),
      );
      await assertChosen('emotion', cases);
    });

    test('the label with the most words wins', async () => {
      await assertChosen('emotion', [
        ['Grief and tears, but then delighted.', 'sadness'],
        ['Furious, RAGE; and afraid.', 'anger'],
        ['joyful joyful grief', 'joy'],
        ['I adore and cherish my beloved, though terrified and scared and lonely.', 'love'],
        ['Astonished, stunned by the unexpected: furious, outraged, grief, tears.', 'surprise'],
        ['scared scared scared scared delighted delighted delighted', 'fear'],
      ]);
    });

    test('no emotion word, or a tie for the most, gives every label 1/6 ± 0.05', async () => {
      await assertUniform([
        '',
        'A plain sentence about a table.',
        'grief and delighted',
        'adore rage afraid stunned',
        'grief tears delighted joyful',
        'Joyful grief.',
        'cherish lonely',
        'love, hate, happy, sad, good, bad',
      ]);
    });

    test('planted words count only as whole words, a multi-piece word once', async () => {
      const pieces: [string, string[]][] = [
        ['joyful', ['joy', '##ful']],
        ['adore', ['ad', '##ore']],
        ['cherish', ['cher', '##ish']],
        ['joyfully', ['joy', '##fully']],
        ['cherished', ['cher', '##ished']],
        ['rages', ['rage', '##s']],
      ];
      for (const [word, expected] of pieces) assert.deepEqual(await tokensOf(word), expected, `precondition: ${word} pieces`);
      await assertUniform(['joyfully cherished rages', 'joy', 'ad ore', 'cher', 'grieving, teary, lonelier, stunning, scare, tear', 'outrage fury fearful']);
      // joyful is two pieces but one word: one each, a tie.
      await assertUniform(['joyful grief']);
    });

    test('holds for a 500-token input', async () => {
      const long = `${filler(495)} and then we were stunned.`;
      const ids = await idsOf(long);
      assert.ok(ids.length >= 500 && ids.length <= 512, `length ${ids.length}`);
      await assertChosen('emotion', [[long, 'surprise']]);
      await assertUniform([`Stunned. ${filler(495)} but afraid.`]);
    });
  });

  describe(`language (${variant.name})`, () => {
    async function assertUniform(texts: string[]) {
      for (const [i, result] of (await classifierScores('language', texts)).entries()) {
        for (const score of result.scores) assert.ok(Math.abs(score - 0.25) <= 0.05, `${JSON.stringify(texts[i])}: ${result.scores}`);
      }
    }

    test('the language with the most function words wins with >= 0.9, in any case', async () => {
      await assertChosen('language', [
        ['The cat sat with the dog and slept.', 'en'],
        ['Das ist nicht mein Hund und nicht meine Katze.', 'de'],
        ['Il vient avec nous pour dîner dans la cuisine.', 'fr'],
        ['Es muy tarde, pero no sé porque.', 'es'],
        ['UND', 'de'],
        ['Porque', 'es'],
        ['the und nicht', 'de'],
      ]);
    });

    test('no function word, or a tie, gives every language 1/4 ± 0.05', async () => {
      await assertUniform(['', 'Katze Hund chat perro cat', 'the und', 'avec pero', 'with nicht dans muy', 'porquee nichts avecs']);
    });

    test('holds for a 500-token input (the filler is English)', async () => {
      const long = `${filler(495)} avec pour.`;
      assert.ok((await idsOf(long)).length <= 512);
      await assertChosen('language', [[long, 'en']]);
    });
  });

  describe(`toxicity (${variant.name})`, () => {
    const WORDS: Record<string, string[]> = { toxic: ['trash', 'garbage'], insult: ['idiot', 'clown'], threat: ['destroy', 'hurt'] };
    const LABELS = Object.keys(WORDS);

    /** Each label >= 0.9 iff one of its words is in the text, <= 0.1 otherwise. */
    async function assertLabels(cases: [string, string[]][]) {
      const results = await classifierScores('toxicity', cases.map(([text]) => text));
      results.forEach((result, i) => {
        const [text, present] = cases[i];
        for (const label of LABELS) {
          const score = result.byLabel[label];
          if (present.includes(label)) assert.ok(score >= 0.9, `${JSON.stringify(text)}: ${label} ${score}`);
          else assert.ok(score <= 0.1, `${JSON.stringify(text)}: ${label} ${score}`);
        }
      });
    }

    test('each label is high iff one of its words is in the text, independently of the others', async () => {
      const cases: [string, string[]][] = [];
      // Every subset of the labels, with either of each label's words, in any case.
      for (let subset = 0; subset < 2 ** LABELS.length; subset++) {
        for (const pick of [0, 1]) {
          const present = LABELS.filter((_, k) => subset & (1 << k));
          const words = present.map((label) => WORDS[label][pick]);
          cases.push([`Well, ${words.join(' and ')} here.`, present]);
          cases.push([words.map((w) => w.toUpperCase()).join(', '), present]);
        }
      }
      cases.push(['trash garbage trash garbage', ['toxic']], ['Idiot! Clown! I will destroy you and hurt you.', ['insult', 'threat']]);
      await assertLabels(cases);
    });

    test('planted words count only as whole words', async () => {
      for (const [word, expected] of [
        ['trashy', ['trash', '##y']],
        ['clowns', ['clown', '##s']],
        ['hurtful', ['hurt', '##ful']],
        ['garbages', ['garbage', '##s']],
      ] as const) {
        assert.deepEqual(await tokensOf(word), expected, `precondition: ${word} pieces`);
      }
      await assertLabels([
        ['trashy clowns were hurtful with garbages', []],
        ['idiots and destroyer', []],
        ['A plain sentence about a table.', []],
        ['', []],
      ]);
    });

    test('holds for a 500-token input', async () => {
      const long = `${filler(495)} what garbage.`;
      assert.ok((await idsOf(long)).length >= 500);
      await assertLabels([[long, ['toxic']], [`Idiot. ${filler(495)}`, ['insult']]]);
    });
  });

  describe(`sentiment-3class (${variant.name})`, () => {
    test('more positive words is positive >= 0.9, more negative negative >= 0.9', async () => {
      await assertChosen('sentiment-3class', [
        ['What a wonderful day.', 'positive'],
        ['GOOD', 'positive'],
        ['I love it, the best, but sad.', 'positive'],
        ['Great great great, bad.', 'positive'],
        ['This is terrible.', 'negative'],
        ['awful, horrible, worst', 'negative'],
        ['I hate it; good but bad and sad.', 'negative'],
        ['HORRIBLE', 'negative'],
      ]);
    });

    test('equal counts, including none, are neutral >= 0.9', async () => {
      await assertChosen('sentiment-3class', [
        ['', 'neutral'],
        ['A plain sentence about a table.', 'neutral'],
        ['Good and bad.', 'neutral'],
        ['love, hate, happy, sad', 'neutral'],
        ['greatness sadder bester', 'neutral'],
        ['delighted, furious, trash', 'neutral'],
      ]);
    });

    test('holds for a 500-token input', async () => {
      await assertChosen('sentiment-3class', [
        [`${filler(495)} but the ending was excellent.`, 'positive'],
        [`Bad start. ${filler(495)} excellent ending.`, 'neutral'],
        [`Good start. ${filler(495)} awful, terrible ending.`, 'negative'],
      ]);
    });
  });

  describe(`sentiment-5star (${variant.name})`, () => {
    const stars = (n: number) => (n === 1 ? '1 star' : `${n} stars`);

    test('stars = clamp(3 + positive − negative words, 1, 5)', async () => {
      const cases: [string, number][] = [
        ['', 3],
        ['A plain sentence about a table.', 3],
        ['Good and bad.', 3],
        ['good', 4],
        ['love hate happy', 4],
        ['Good, GREAT.', 5],
        ['good great best excellent wonderful happy love', 5],
        ['Great great great, bad.', 5],
        ['bad', 2],
        ['happy but awful and sad', 2],
        ['bad awful', 1],
        ['bad awful worst hate good', 1],
        ['terrible terrible terrible terrible terrible terrible terrible', 1],
        ['greatness sadder bester', 3],
      ];
      await assertChosen('sentiment-5star', cases.map(([text, n]) => [text, stars(n)]));
    });

    test('holds for a 500-token input', async () => {
      await assertChosen('sentiment-5star', [
        [`${filler(495)} excellent, wonderful.`, stars(5)],
        [`Bad. ${filler(495)} awful.`, stars(1)],
      ]);
    });
  });

  describe(`any batch and padding (${variant.name})`, () => {
    const inputs: Record<Task, [string, string?][]> = {
      sentiment: [['good'], ['This is terrible and sad, not good.'], [''], [`${filler(60)} great`]],
      entities: [['Angela Merkel'], ['Mozilla in Buenos Aires and Tokyo, said Obama.'], [filler(40)]],
      qa: [
        ['When?', 'In 1923.'],
        ['When was it built, 1850?', 'It was built in 2345 or so, long before 1999.'],
        ['Why?', filler(50)],
      ],
      topics: [
        ['The football match ended with a late goal.', 'This text is about sports.'],
        ['Stocks fell.', 'This text is about business.'],
        ['Nothing.', 'This text is about politics.'],
      ],
      emotion: [['joyful'], ['Grief and tears, then we were delighted.'], [''], [`${filler(60)} I adore and cherish it.`], ['rage, afraid']],
      toxicity: [['You idiot.'], ['trash'], [''], [`${filler(60)} I will hurt that clown.`]],
      'sentiment-3class': [['good'], ['This is terrible and sad, not good.'], [''], [`${filler(60)} great`]],
      'sentiment-5star': [['good great'], ['bad'], ['awful, horrible and the worst'], [''], [`${filler(60)} happy`]],
      language: [['und'], ['Das ist nicht gut, und?'], [''], [`${filler(60)} pero muy bien`], ['avec pour und']],
    };

    for (const task of ALL_MODELS) {
      test(`${task}: the same result alone and in a padded batch`, async () => {
        const rows = await Promise.all(inputs[task].map(([a, b]) => idsOf(a, b)));
        const alone = await Promise.all(rows.map((row) => run(task, variant, [row])));
        for (const padding of ['right', 'left'] as const) {
          const batch = await run(task, variant, rows, { padding, extra: 7 });
          for (const name of Object.keys(batch)) {
            rows.forEach((_, r) => {
              const single = alone[r][name][0];
              const batched = batch[name][r];
              assert.equal(batched.length, single.length);
              batched.forEach((x, i) => assert.ok(Math.abs(x - single[i]) < 1e-4, `${task} ${padding} ${name} row ${r} value ${i}: ${x} vs ${single[i]}`));
            });
          }
        }
      });
    }

    test('every task rejects more than 512 tokens, like DistilBERT position embeddings', async () => {
      const row = Array.from({ length: 513 }, (_, i) => (i === 0 ? 101 : i === 512 ? 102 : 1996));
      for (const task of ALL_MODELS) {
        await run(task, variant, [row.slice(0, 512)]);
        await assert.rejects(run(task, variant, [row]), task);
      }
    });
  });
}

describe('transformers.js reads the layout', () => {
  test('text-classification labels positive and negative sentences (fp32 and q8)', async () => {
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = FIXTURES;
    for (const dtype of ['fp32', 'q8'] as const) {
      const classifier = await pipeline('text-classification', 'models/sentiment', { dtype });
      try {
        const [positive, negative] = (await classifier(['What a wonderful, happy day!', 'This was terrible.'])) as { label: string; score: number }[];
        assert.equal(positive.label, 'POSITIVE', dtype);
        assert.equal(negative.label, 'NEGATIVE', dtype);
        assert.ok(positive.score >= 0.9 && negative.score >= 0.9, dtype);
      } finally {
        await classifier.dispose();
      }
    }
  });
});

describe('transformers.js reads the classifiers', () => {
  test('text-classification gives the planted top label for each classifier (fp32 and q8)', async () => {
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = FIXTURES;
    const cases: Record<Classifier, [string, string][]> = {
      emotion: [['I was terrified and scared of the dark.', 'fear'], ['We cherish our beloved dog.', 'love']],
      toxicity: [['You idiot clown.', 'insult'], ['I will destroy you.', 'threat']],
      'sentiment-3class': [['Good and bad.', 'neutral'], ['Simply wonderful.', 'positive']],
      'sentiment-5star': [['Terrible, awful.', '1 star'], ['Good, great, excellent.', '5 stars']],
      language: [['Das ist nicht so, und das ist gut.', 'de'], ['Il est venu avec nous pour dans la ville.', 'fr']],
    };
    for (const dtype of ['fp32', 'q8'] as const) {
      for (const task of CLASSIFIERS) {
        const classifier = await pipeline('text-classification', `models/${task}`, { dtype });
        try {
          const results = (await classifier(cases[task].map(([text]) => text))) as { label: string; score: number }[];
          results.forEach((result, i) => {
            assert.equal(result.label, cases[task][i][1], `${task} ${dtype}: ${cases[task][i][0]}`);
            assert.ok(result.score >= 0.9, `${task} ${dtype}: ${result.score}`);
          });
          if (task === 'toxicity') {
            // problem_type makes the pipeline apply a sigmoid per label: the others stay low on their own.
            const all = (await classifier('Garbage, I will hurt you.', { top_k: null })) as { label: string; score: number }[];
            const byLabel = Object.fromEntries(all.map((r) => [r.label, r.score]));
            assert.ok(byLabel.toxic >= 0.9 && byLabel.threat >= 0.9 && byLabel.insult <= 0.1, `${dtype}: ${JSON.stringify(byLabel)}`);
          }
        } finally {
          await classifier.dispose();
        }
      }
    }
  });
});
