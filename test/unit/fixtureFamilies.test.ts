/**
 * Checks the planted models of the other encoder families from the outside: ids from the
 * `tokenizers` package, the ONNX files run directly by onnxruntime-node, the tokenizer files read by
 * @huggingface/transformers. Expectations are written out here from the spec
 * (the team's fixture-model notes, "More planted models"; test/fixtures/families.ts says the same), not taken from the generator.
 *
 * Run `npm run fixtures` first.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ort from '../../src/engine/onnxruntime';
import { Tokenizer, type JsEncoding } from 'tokenizers';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const MODELS = path.join(FIXTURES, 'models');
const ENTITY_LABELS = ['O', 'B-MISC', 'I-MISC', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC'];

interface Expected {
  modelType: string;
  architecture: string;
  tokenizerClass: string;
  positions: number;
  pad: string;
  cls: string;
  sep: string;
  tokenTypeIds: boolean;
  /** `<s> A </s></s> B </s>` rather than `[CLS] A [SEP] B [SEP]`. */
  robertaPairs: boolean;
  /** Planted names are matched only as written (Paris, UNESCO), not in lower case. */
  casedNames: boolean;
}

const ROBERTA = { positions: 514, pad: '<pad>', cls: '<s>', sep: '</s>', tokenTypeIds: false, robertaPairs: true };
const BERT = { positions: 512, pad: '[PAD]', cls: '[CLS]', sep: '[SEP]', tokenTypeIds: true, robertaPairs: false };

const ENTITY_MODELS: Record<string, Expected> = {
  'entities-multilingual': { modelType: 'distilbert', architecture: 'DistilBertForTokenClassification', tokenizerClass: 'BertTokenizer', ...BERT, tokenTypeIds: false, casedNames: false },
  'entities-roberta': { modelType: 'roberta', architecture: 'RobertaForTokenClassification', tokenizerClass: 'RobertaTokenizer', ...ROBERTA, casedNames: true },
  'entities-xlmr': { modelType: 'xlm-roberta', architecture: 'XLMRobertaForTokenClassification', tokenizerClass: 'XLMRobertaTokenizer', ...ROBERTA, casedNames: true },
  'entities-deberta': { modelType: 'deberta-v2', architecture: 'DebertaV2ForTokenClassification', tokenizerClass: 'DebertaV2Tokenizer', ...BERT, casedNames: true },
  'entities-electra': { modelType: 'electra', architecture: 'ElectraForTokenClassification', tokenizerClass: 'ElectraTokenizer', ...BERT, casedNames: false },
  'entities-albert': { modelType: 'albert', architecture: 'AlbertForTokenClassification', tokenizerClass: 'AlbertTokenizer', ...BERT, pad: '<pad>', casedNames: false },
  'entities-mpnet': { modelType: 'mpnet', architecture: 'MPNetForTokenClassification', tokenizerClass: 'MPNetTokenizer', ...ROBERTA, casedNames: false },
  'entities-mobilebert': { modelType: 'mobilebert', architecture: 'MobileBertForTokenClassification', tokenizerClass: 'MobileBertTokenizer', ...BERT, casedNames: false },
};
const OTHER_MODELS: Record<string, Expected> = {
  'qa-roberta': { modelType: 'roberta', architecture: 'RobertaForQuestionAnswering', tokenizerClass: 'RobertaTokenizer', ...ROBERTA, casedNames: true },
  'sentiment-xlmr': { modelType: 'xlm-roberta', architecture: 'XLMRobertaForSequenceClassification', tokenizerClass: 'XLMRobertaTokenizer', ...ROBERTA, casedNames: true },
  'topics-xlmr': { modelType: 'xlm-roberta', architecture: 'XLMRobertaForSequenceClassification', tokenizerClass: 'XLMRobertaTokenizer', ...ROBERTA, casedNames: true },
  'topics-deberta': { modelType: 'deberta-v2', architecture: 'DebertaV2ForSequenceClassification', tokenizerClass: 'DebertaV2Tokenizer', ...BERT, casedNames: true },
  'qa-xlmr': { modelType: 'xlm-roberta', architecture: 'XLMRobertaForQuestionAnswering', tokenizerClass: 'XLMRobertaTokenizer', ...ROBERTA, casedNames: true },
  'qa-deberta': { modelType: 'deberta-v2', architecture: 'DebertaV2ForQuestionAnswering', tokenizerClass: 'DebertaV2Tokenizer', ...BERT, casedNames: true },
  'sentiment-roberta': { modelType: 'roberta', architecture: 'RobertaForSequenceClassification', tokenizerClass: 'RobertaTokenizer', ...ROBERTA, casedNames: true },
  'sentiment-albert': { modelType: 'albert', architecture: 'AlbertForSequenceClassification', tokenizerClass: 'AlbertTokenizer', ...BERT, pad: '<pad>', casedNames: false },
};
/** id2label in id order, as the real models these stand for have it. */
const CLASS_LABELS: Record<string, string[]> = {
  'sentiment-xlmr': ['NEGATIVE', 'POSITIVE'],
  // joeddav/xlm-roberta-large-xnli
  'topics-xlmr': ['contradiction', 'neutral', 'entailment'],
  // MoritzLaurer/mDeBERTa-v3-base-mnli-xnli
  'topics-deberta': ['entailment', 'neutral', 'contradiction'],
  // cardiffnlp/twitter-roberta-base-sentiment-latest
  'sentiment-roberta': ['negative', 'neutral', 'positive'],
  'sentiment-albert': ['NEGATIVE', 'POSITIVE'],
};
const ALL: Record<string, Expected> = { ...ENTITY_MODELS, ...OTHER_MODELS };
const VARIANTS = ['model.onnx', 'model_quantized.onnx'] as const;

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const tokenizers = new Map<string, Tokenizer>();
const sessions = new Map<string, ort.InferenceSession>();

before(() => {
  for (const name of Object.keys(ALL)) {
    assert.ok(existsSync(path.join(MODELS, name, 'onnx', 'model_quantized.onnx')), `no fixture model ${name}: run \`npm run fixtures\` first`);
    tokenizers.set(name, Tokenizer.fromFile(path.join(MODELS, name, 'tokenizer.json')));
  }
});

after(async () => {
  for (const session of sessions.values()) await session.release();
});

async function session(name: string, file: string): Promise<ort.InferenceSession> {
  const key = `${name}/${file}`;
  let found = sessions.get(key);
  if (!found) {
    found = await ort.InferenceSession.create(path.join(MODELS, name, 'onnx', file), { logSeverityLevel: 4 });
    sessions.set(key, found);
  }
  return found;
}

const encode = (name: string, text: string, pair?: string): Promise<JsEncoding> => tokenizers.get(name)!.encode(text, pair ?? null);
const padId = (name: string) => tokenizers.get(name)!.tokenToId(ALL[name].pad)!;

/**
 * Runs rows of ids as one batch, right-padded with the pad id (plus `extra`), each output cut back
 * to its row. token_type_ids, where the model takes them, are `types` (zeros where not given).
 */
async function run(name: string, file: string, rows: number[][], extra = 0, types?: number[][]): Promise<Record<string, number[][]>> {
  const length = Math.max(...rows.map((r) => r.length)) + extra;
  const ids = new BigInt64Array(rows.length * length).fill(BigInt(padId(name)));
  const mask = new BigInt64Array(rows.length * length);
  rows.forEach((row, r) => row.forEach((id, i) => ((ids[r * length + i] = BigInt(id)), (mask[r * length + i] = 1n))));
  const s = await session(name, file);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [rows.length, length]),
    attention_mask: new ort.Tensor('int64', mask, [rows.length, length]),
  };
  if (s.inputNames.includes('token_type_ids')) {
    const typeIds = new BigInt64Array(rows.length * length);
    types?.forEach((row, r) => row.forEach((type, i) => (typeIds[r * length + i] = BigInt(type))));
    feeds.token_type_ids = new ort.Tensor('int64', typeIds, [rows.length, length]);
  }
  const result = await s.run(feeds);
  const out: Record<string, number[][]> = {};
  for (const [output, tensor] of Object.entries(result)) {
    const data = Array.from(tensor.data as Float32Array);
    const rowSize = data.length / rows.length;
    // Sequence classifiers give `logits` [batch, labels]; the others one row (or more) per token.
    const tokenLevel = tensor.dims.length === 3 || output !== 'logits';
    const perToken = tokenLevel ? rowSize / length : rowSize;
    out[output] = rows.map((row, r) => data.slice(r * rowSize, r * rowSize + (tokenLevel ? row.length * perToken : rowSize)));
  }
  return out;
}

const softmax = (xs: number[]) => {
  const max = Math.max(...xs);
  const exps = xs.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((x) => x / sum);
};
const argmax = (xs: number[]) => xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);
const chunk = (xs: number[], size: number) => Array.from({ length: xs.length / size }, (_, i) => xs.slice(i * size, (i + 1) * size));

/** Labels per token and the entities they make: B-/I- runs of one type, text by the tokenizer's code-point offsets, trimmed. */
async function entities(name: string, text: string, file: (typeof VARIANTS)[number] = 'model.onnx') {
  const encoding = await encode(name, text);
  const { logits } = await run(name, file, [encoding.getIds()]);
  const labels = chunk(logits[0], ENTITY_LABELS.length).map((l) => ENTITY_LABELS[argmax(softmax(l))]);
  const chars = [...text];
  const found: string[] = [];
  let current: { type: string; start: number; end: number } | undefined;
  const flush = () => {
    if (current) found.push(`${current.type} ${chars.slice(current.start, current.end).join('').trim()}`);
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
  return { found, labels, tokens: encoding.getTokens() };
}

// ---------------------------------------------------------------------------------------------

describe('family fixture layout', () => {
  test('config.json and tokenizer_config.json describe each family', () => {
    for (const [name, expected] of Object.entries(ALL)) {
      const config = readJson(path.join(MODELS, name, 'config.json'));
      assert.equal(config.model_type, expected.modelType, name);
      assert.deepEqual(config.architectures, [expected.architecture], name);
      assert.equal(config.max_position_embeddings, expected.positions, name);
      assert.equal(config.pad_token_id, padId(name), name);
      assert.equal(config.vocab_size, tokenizers.get(name)!.getVocabSize(true), name);
      const tc = readJson(path.join(MODELS, name, 'tokenizer_config.json'));
      assert.equal(tc.tokenizer_class, expected.tokenizerClass, name);
      assert.equal(tc.model_max_length, 512, name);
      assert.equal(readJson(path.join(MODELS, name, 'special_tokens_map.json')).pad_token, expected.pad, name);
    }
  });

  test('the sequence classifiers list their labels in the order of the models they stand for', () => {
    for (const [name, labels] of Object.entries(CLASS_LABELS)) {
      const config = readJson(path.join(MODELS, name, 'config.json')) as { id2label: Record<string, string>; label2id: Record<string, number> };
      assert.deepEqual(config.id2label, Object.fromEntries(labels.map((label, id) => [String(id), label])), name);
      assert.deepEqual(config.label2id, Object.fromEntries(labels.map((label, id) => [label, id])), name);
    }
  });

  test('each model takes token_type_ids exactly where its family does', async () => {
    for (const [name, expected] of Object.entries(ALL)) {
      for (const file of VARIANTS) {
        const inputs = [...(await session(name, file)).inputNames].sort();
        assert.deepEqual(inputs, expected.tokenTypeIds ? ['attention_mask', 'input_ids', 'token_type_ids'] : ['attention_mask', 'input_ids'], `${name} ${file}`);
      }
    }
  });

  test('single sequences and pairs use the family special tokens', async () => {
    for (const [name, expected] of Object.entries(ALL)) {
      const tokens = (await encode(name, 'Who?', 'Paris.')).getTokens();
      assert.equal(tokens[0], expected.cls, name);
      assert.equal(tokens.at(-1), expected.sep, name);
      const seps = tokens.filter((t) => t === expected.sep).length;
      assert.equal(seps, expected.robertaPairs ? 3 : 2, `${name}: ${tokens.join(' ')}`);
    }
  });
});

describe('family tokenizers load in @huggingface/transformers', () => {
  const hostile: [string, string?][] = [
    ['Angela Merkel met Barack Obama in Buenos Aires.'],
    ['😀Berlin, **Paris** and Merkel\'s 👩‍👩‍👧 family'],
    ['Cafe\u0301 naïve Crème Brûlée, Ångström'],
    ['東京に行きます。中文字符 and 日本語'],
    ['שלום עולם مرحبا بالعالم (RTL) 123'],
    ['München, Zürich, Москва — François Dupont, Gazprom'],
    ['tab\tnew\nline  double  spaces\u00a0nbsp\u200bzero-width'],
    ['When was it founded?', 'The company was founded in 1923 in Paris.'],
  ];

  test('AutoTokenizer gives the same ids as tokenizers, singles and pairs', async () => {
    const { AutoTokenizer, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = FIXTURES;
    const seen = new Set<string>();
    for (const name of Object.keys(ALL)) {
      const json = readFileSync(path.join(MODELS, name, 'tokenizer.json'), 'utf8');
      if (seen.has(json)) continue;
      seen.add(json);
      const reference = await AutoTokenizer.from_pretrained(`models/${name}`);
      for (const [text, pair] of hostile) {
        const encoded = reference(text, pair === undefined ? {} : { text_pair: pair }) as { input_ids: { tolist(): bigint[][] } };
        const theirs = encoded.input_ids.tolist()[0].map(Number);
        assert.deepEqual(theirs, (await encode(name, text, pair)).getIds(), `${name}: ${JSON.stringify([text, pair])}`);
      }
    }
  });
});

for (const [name, expected] of Object.entries(ENTITY_MODELS)) {
  describe(name, () => {
    test('finds the planted people and places as whole, multi-piece entities (fp32 and int8 agree)', async () => {
      const text = 'Angela Merkel met Barack Obama in Buenos Aires.';
      const fp32 = await entities(name, text, 'model.onnx');
      assert.deepEqual(fp32.found, ['PER Angela Merkel', 'PER Barack Obama', 'LOC Buenos Aires'], fp32.tokens.join(' '));
      assert.deepEqual((await entities(name, text, 'model_quantized.onnx')).labels, fp32.labels);
      const all = await entities(name, 'Marie Curie saw Paris, Berlin and Tokyo for Google, UNESCO, Siemens and Mozilla at the Olympics with German and French friends.');
      assert.deepEqual(all.found, [
        'PER Marie Curie',
        'LOC Paris',
        'LOC Berlin',
        'LOC Tokyo',
        'ORG Google',
        'ORG UNESCO',
        'ORG Siemens',
        'ORG Mozilla',
        'MISC Olympics',
        'MISC German',
        'MISC French',
      ]);
    });

    test('a name glued to an emoji, inside Markdown or before \'s is the name alone', async () => {
      const { found, labels, tokens } = await entities(name, "😀Berlin, **Paris**, Merkel's (Tokyo)");
      // WordPiece knows no emoji: "😀Berlin" is one word and that word is [UNK], as with real BERTs.
      const wordPiece = ['entities-multilingual', 'entities-electra', 'entities-mpnet', 'entities-mobilebert'].includes(name);
      assert.deepEqual(found, [...(wordPiece ? [] : ['LOC Berlin']), 'LOC Paris', 'PER Merkel', 'LOC Tokyo'], tokens.join(' '));
      const s = tokens.findIndex((t, i) => i > 0 && /s$/.test(t) && tokens[i - 1].includes("'"));
      if (s > 0) assert.equal(labels[s], 'O');
    });

    test('a name inside a longer word is not matched', async () => {
      const { found, tokens } = await entities(name, 'Parisian Berliners xParis Googleplex Merkelism');
      assert.deepEqual(found, [], tokens.join(' '));
    });

    test(expected.casedNames ? 'names match only as written' : 'names match in lower case too', async () => {
      const { found, tokens } = await entities(name, 'paris and angela merkel');
      assert.deepEqual(found, expected.casedNames ? [] : ['LOC paris', 'PER angela merkel'], tokens.join(' '));
    });

    test('padding never changes a result', async () => {
      const rows = await Promise.all(['Angela Merkel', 'Mozilla in Buenos Aires and Tokyo, said Obama.', 'nothing here'].map(async (t) => (await encode(name, t)).getIds()));
      for (const file of VARIANTS) {
        const alone = await Promise.all(rows.map((row) => run(name, file, [row])));
        const batch = await run(name, file, rows, 9);
        rows.forEach((_, r) => assert.deepEqual(batch.logits[r], alone[r].logits[0], `${file} row ${r}`));
      }
    });

    test(`fails past 512 tokens like its ${expected.positions} position embeddings`, async () => {
      const ids = (await encode(name, 'Paris '.repeat(600))).getIds();
      const row = [...ids.slice(0, 511), ids.at(-1)!];
      await run(name, 'model.onnx', [row]);
      // Positions counted from the padding id: padding past 512 costs no position.
      if (expected.positions === 514) await run(name, 'model.onnx', [row], 100);
      else await assert.rejects(run(name, 'model.onnx', [row], 1));
      await assert.rejects(run(name, 'model.onnx', [[...ids.slice(0, 512), ids.at(-1)!]]));
    });
  });
}

describe('entities-multilingual', () => {
  test('finds names in other scripts and in any case', async () => {
    const { found, tokens } = await entities('entities-multilingual', 'François Dupont flog von MÜNCHEN über Zürich nach Москва und 東京に, für Gazprom; PARIS, berlin.');
    assert.deepEqual(found, ['PER François Dupont', 'LOC MÜNCHEN', 'LOC Zürich', 'LOC Москва', 'LOC 東京', 'ORG Gazprom', 'LOC PARIS', 'LOC berlin'], tokens.join(' '));
  });
});

/**
 * The QA model's best span, as the context's characters (trimmed: a `▁` piece's offsets take in the
 * space before it). `zeroTypes` sends token_type_ids of 0 for the context too.
 */
async function answer(name: string, question: string, context: string, file: (typeof VARIANTS)[number] = 'model_quantized.onnx', zeroTypes = false) {
  const encoding = await encode(name, question, context);
  const types = zeroTypes ? undefined : [encoding.getTypeIds()];
  const { start_logits: start, end_logits: end } = await run(name, file, [encoding.getIds()], 0, types);
  const s = argmax(start[0]);
  const e = argmax(end[0]);
  if (start[0][s] < 0) return undefined;
  const offsets = encoding.getOffsets();
  return [...context].slice(offsets[s][0], offsets[e][1]).join('').trim();
}

for (const name of ['qa-roberta', 'qa-xlmr', 'qa-deberta']) {
  describe(name, () => {
    test('answers the four-digit year from the context, never from the question (fp32 and int8)', async () => {
      for (const file of VARIANTS) {
        assert.equal(await answer(name, 'Was it 1850?', 'The company was founded in 1923 in Paris.', file), '1923', file);
        assert.equal(await answer(name, 'When?', 'Built (2019) by hand.', file), '2019', file);
        assert.equal(await answer(name, 'When?', 'Tōkyō 😀 1932.', file), '1932', file);
        assert.equal(await answer(name, 'Was it 1850?', 'Nobody knows, 19999 or 3000 maybe.', file), undefined, file);
        assert.equal(await answer(name, 'Was it 1850?', 'Nobody knows.', file), undefined, file);
      }
    });
  });
}

test('qa-deberta reads the context only with token type 1: zeros there mean no answer', async () => {
  assert.equal(await answer('qa-deberta', 'When?', 'The company was founded in 1923 in Paris.', 'model.onnx', true), undefined);
});

/** Entailment, neutral and contradiction probabilities of premise/hypothesis pairs, by label name. */
async function nli(name: string, pairs: [string, string][], file: (typeof VARIANTS)[number], zeroTypes = false) {
  const encodings = await Promise.all(pairs.map(([premise, hypothesis]) => encode(name, premise, hypothesis)));
  const { logits } = await run(name, file, encodings.map((e) => e.getIds()), 3, zeroTypes ? undefined : encodings.map((e) => e.getTypeIds()));
  const labels = CLASS_LABELS[name];
  return logits.map((row) => Object.fromEntries(softmax(row).map((p, i) => [labels[i], p])) as Record<'entailment' | 'neutral' | 'contradiction', number>);
}

for (const name of ['topics-xlmr', 'topics-deberta']) {
  describe(name, () => {
    test('entailment iff the hypothesis names a topic the premise has a word of, whatever the label order (fp32 and int8)', async () => {
      const pairs: [string, string, boolean][] = [
        ['The football team scored a late goal.', 'This text is about sports.', true],
        ['The football team scored a late goal.', 'This text is about politics.', false],
        ['Shares fell as the market closed; profit was down.', 'This text is about business.', true],
        ['Tōkyō 😀 voted in an election.', 'This text is about politics.', true],
        ['Nothing here but the weather.', 'This text is about science.', false],
        // The premise names the topic and the hypothesis has its word: the roles are not swapped.
        ['This text is about sports.', 'The football team won.', false],
        // Topic words count as whole lower-case words only.
        ['Footballs and matches everywhere.', 'This text is about sports.', false],
      ];
      for (const file of VARIANTS) {
        const scores = await nli(name, pairs.map(([premise, hypothesis]) => [premise, hypothesis]), file);
        pairs.forEach(([premise, hypothesis, entailed], i) => {
          const { entailment, contradiction } = scores[i];
          const message = `${file}: ${premise} / ${hypothesis}: ${JSON.stringify(scores[i])}`;
          if (entailed) assert.ok(entailment >= 0.9 && contradiction < 0.01, message);
          else assert.ok(contradiction >= 0.9 && entailment < 0.01, message);
        });
      }
    });

    test('a long premise of some 470 tokens still entails', async () => {
      const premise = `${'the long quiet road ran on and on past fields '.repeat(46)}and then a tennis match.`;
      const [{ entailment }] = await nli(name, [[premise, 'This text is about sports.']], 'model.onnx');
      assert.ok(entailment >= 0.9, `${entailment}`);
    });
  });
}

test('topics-deberta reads the hypothesis only with token type 1: zeros there mean no entailment', async () => {
  const [scores] = await nli('topics-deberta', [['The football team scored a late goal.', 'This text is about sports.']], 'model.onnx', true);
  assert.ok(scores.contradiction >= 0.9, JSON.stringify(scores));
});

/** Probabilities by label of single sentences, batched and padded. */
async function classify(name: string, sentences: string[], file: (typeof VARIANTS)[number]) {
  const rows = await Promise.all(sentences.map(async (t) => (await encode(name, t)).getIds()));
  const { logits } = await run(name, file, rows, 2);
  return logits.map((row) => Object.fromEntries(softmax(row).map((p, i) => [CLASS_LABELS[name][i], p])));
}

describe('sentiment-roberta', () => {
  test('three classes: more positive words positive, more negative negative, equal neutral, each >= 0.9', async () => {
    const cases: [string, string][] = [
      ['What a wonderful, happy day.', 'positive'],
      ['This was terrible and sad.', 'negative'],
      ['good and bad', 'neutral'],
      ['The train leaves at nine.', 'neutral'],
      ['😀great!', 'positive'],
      // Cased: the sentiment words count in lower case, as written in sentences.
      ['A wonderfully badly day. Awful.', 'neutral'],
    ];
    for (const file of VARIANTS) {
      const scores = await classify('sentiment-roberta', cases.map(([text]) => text), file);
      cases.forEach(([text, label], i) => assert.ok(scores[i][label] >= 0.9, `${file} ${text}: ${JSON.stringify(scores[i])}`));
    }
  });
});

describe('sentiment-albert', () => {
  test('two classes, words counted in any case (ALBERT lower-cases)', async () => {
    for (const file of VARIANTS) {
      const [positive, negative, even] = await classify('sentiment-albert', ['What a WONDERFUL, Happy day.', 'This was Terrible and sad.', 'good and bad'], file);
      assert.ok(positive.POSITIVE >= 0.9, `${file} ${JSON.stringify(positive)}`);
      assert.ok(negative.NEGATIVE >= 0.9, `${file} ${JSON.stringify(negative)}`);
      assert.ok(Math.abs(even.POSITIVE - 0.5) <= 0.05, `${file} ${JSON.stringify(even)}`);
    }
  });
});

describe('sentiment-xlmr', () => {
  test('counts the lower-case sentiment words as written', async () => {
    const rows = await Promise.all(['What a wonderful, happy day.', 'This was terrible and sad.', 'good and bad', 'A wonderfully badly day.'].map(async (t) => (await encode('sentiment-xlmr', t)).getIds()));
    for (const file of VARIANTS) {
      const { logits } = await run('sentiment-xlmr', file, rows);
      const scores = logits.map(softmax);
      assert.ok(scores[0][1] >= 0.9, `${file} ${scores[0]}`);
      assert.ok(scores[1][0] >= 0.9, `${file} ${scores[1]}`);
      for (const row of scores.slice(2)) assert.ok(Math.abs(row[0] - 0.5) <= 0.05, `${file} ${row}`);
    }
  });
});
