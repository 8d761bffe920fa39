import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { EngineError } from '../../src/engine/errors';
import { disposedAfterwards, fixtureModels, fixtureOptions, tempDir } from '../helpers';

// An export the engine cannot run is refused when it loads, with one message naming what is
// missing or what it is: missing inputs, inputs the engine does not feed (position_ids, past key
// values), an architecture that is no encoder, a slow tokenizer without tokenizer.json, a
// tokenizer.json the library cannot read. Each folder is a copy of a fixture, broken one way.

const newEngine = disposedAfterwards();

function copyOf(t: { after(fn: () => void): void }, name = 'entities-roberta'): string {
  const dir = join(tempDir(t), name);
  cpSync(join(fixtureModels(), name), dir, { recursive: true });
  // One precision, so the message is about the file that was read.
  rmSync(join(dir, 'onnx', 'model_quantized.onnx'));
  return dir;
}

async function refusal(dir: string): Promise<EngineError> {
  const engine = newEngine(fixtureOptions({ modelSources: { entities: dir } }));
  const error = await engine.entities({ text: 'Angela Merkel met Barack Obama.', minScore: 0.5 }).then(
    () => assert.fail('the model loaded'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EngineError, String(error));
  return error;
}

/** Rewrites the inputs the fp32 graph declares. */
function editInputs(dir: string, edit: (inputs: onnx.IValueInfoProto[]) => onnx.IValueInfoProto[]): void {
  const file = join(dir, 'onnx', 'model.onnx');
  const model = onnx.ModelProto.decode(readFileSync(file));
  const graph = model.graph as onnx.GraphProto;
  graph.input = edit(graph.input).map((input) => onnx.ValueInfoProto.create(input));
  writeFileSync(file, onnx.ModelProto.encode(model).finish());
}

const int64Input = (name: string): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'sequence' }] } } },
});

test('a graph without attention_mask is refused, naming the inputs it has and those expected', async (t) => {
  const dir = copyOf(t);
  // The graph reads the mask under another name: an export of another kind.
  const file = join(dir, 'onnx', 'model.onnx');
  const model = onnx.ModelProto.decode(readFileSync(file));
  const graph = model.graph as onnx.GraphProto;
  for (const input of graph.input) if (input.name === 'attention_mask') input.name = 'mask';
  for (const node of graph.node) node.input = (node.input ?? []).map((name) => (name === 'attention_mask' ? 'mask' : name));
  writeFileSync(file, onnx.ModelProto.encode(model).finish());
  const error = await refusal(dir);
  assert.equal(error.code, 'model-corrupt');
  assert.match(error.message, /lacks the input\(s\) attention_mask \(its inputs are input_ids, mask\)/);
  assert.match(error.message, /takes input_ids and attention_mask/);
});

test('a graph that needs position_ids is refused, naming the input the engine does not feed', async (t) => {
  const dir = copyOf(t);
  editInputs(dir, (inputs) => [...inputs, int64Input('position_ids')]);
  const error = await refusal(dir);
  assert.match(error.message, /needs the input\(s\) position_ids, which this extension does not feed/);
});

test('a decoder export (past key values) is refused as not an encoder', async (t) => {
  const dir = copyOf(t);
  editInputs(dir, (inputs) => [...inputs, int64Input('past_key_values.0.key')]);
  const error = await refusal(dir);
  assert.match(error.message, /past_key_values\.0\.key/);
  assert.match(error.message, /decoder or encoder-decoder export, not an encoder/);
});

test('an architecture that is not a supported encoder is refused, naming it and the supported ones', async (t) => {
  const dir = copyOf(t);
  const configFile = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(configFile, JSON.stringify({ ...config, model_type: 'gpt2', architectures: ['GPT2ForTokenClassification'] }));
  const error = await refusal(dir);
  assert.match(error.message, /model_type "gpt2" \(GPT2ForTokenClassification\), which is not an encoder model/);
  assert.match(error.message, /supported: bert, distilbert, roberta, xlm-roberta/);
});

test('a folder with a SentencePiece model but no tokenizer.json says so, and how to get one', async (t) => {
  const dir = copyOf(t, 'entities-xlmr');
  rmSync(join(dir, 'tokenizer.json'));
  writeFileSync(join(dir, 'sentencepiece.bpe.model'), 'a SentencePiece model');
  const error = await refusal(dir);
  assert.match(error.message, /tokenizer\.json \(it has sentencepiece\.bpe\.model, a slow tokenizer's vocabulary/);
  assert.match(error.message, /save_pretrained/);
});

test('a tokenizer.json the library cannot load is refused, naming the file', async (t) => {
  const dir = copyOf(t, 'entities-xlmr');
  const file = join(dir, 'tokenizer.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { model: Record<string, unknown> };
  json.model = { type: 'NoSuchModel' };
  writeFileSync(file, JSON.stringify(json));
  const error = await refusal(dir);
  assert.equal(error.code, 'model-corrupt');
  assert.ok(error.message.includes(`The tokenizer file ${file} is not a valid tokenizer.json`), error.message);
});
