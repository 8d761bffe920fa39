import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { createSession } from '../../src/engine/device';
import { mappedGraph } from '../../src/engine/mappedTables';
import * as ort from '../../src/engine/onnxruntime';
import { encodeModel, GraphBuilder } from '../fixtures/onnx-builder';
import { fixtureModels, tempDir } from '../helpers';
import { externalized } from '../support/externalData';

// A session copies a graph's weights into memory; an embedding table that a Gather reads is
// instead described as external data in the model file itself, which onnxruntime maps (XLM-R's
// 192 MB int8 table: the worker's peak falls by about as much). What a user would notice if this
// went wrong: different results (a table read from the wrong bytes), or no saving.

/** A graph that returns the rows of a `rows` × 64 float table for the ids it is given. */
function tableModel(t: { after(fn: () => void): void }, rows: number): { file: string; table: Float32Array } {
  const table = Float32Array.from({ length: rows * 64 }, (_, i) => Math.sin(i) * 10);
  const b = new GraphBuilder('table');
  const ids = b.input('input_ids', 'int64', ['batch', 'sequence']);
  const weights = b.initializer('embeddings.word_embeddings.weight', 'float32', [rows, 64], table);
  b.output(b.op('Gather', [weights, ids], { axis: 0 }, 'rows'), 'float32', ['batch', 'sequence', 64]);
  const dir = join(tempDir(t), 'onnx');
  mkdirSync(dir);
  const file = join(dir, 'model.onnx');
  writeFileSync(file, encodeModel(b.build(), { docString: 'an embedding table' }));
  return { file, table };
}

/** Whether this process has the file mapped (Linux: /proc/self/maps names each mapped file). */
function isMapped(file: string): boolean {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .some((line) => line.endsWith(` ${file}`));
}

async function rowsOf(session: ort.InferenceSession, ids: number[]): Promise<Float32Array> {
  const output = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) });
  return output.rows.data as Float32Array;
}

test('a large embedding table is read from the model file in place, row for row', async (t) => {
  // 270,000 × 64 floats: 69 MB, over the 64 MiB from which tables are mapped.
  const { file, table } = tableModel(t, 270_000);
  const ids = [0, 1, 269_999, 123_456, 1];
  const { session, mapped } = await createSession(file, 'cpu', { threads: 1 });
  try {
    if (process.platform !== 'win32') assert.deepEqual(mapped, [{ name: 'embeddings.word_embeddings.weight', bytes: 270_000 * 64 * 4 }]);
    const expected = ids.flatMap((id) => [...table.subarray(id * 64, (id + 1) * 64)]);
    assert.deepEqual([...(await rowsOf(session, ids))], expected);
    if (process.platform === 'linux') assert.ok(isMapped(file), 'the model file is not mapped: the table was copied');
  } finally {
    await session.release();
  }
});

test('a small table is copied as before', async (t) => {
  const { file, table } = tableModel(t, 1_000);
  assert.equal(await mappedGraph(file), undefined);
  const { session, mapped } = await createSession(file, 'cpu', { threads: 1 });
  try {
    assert.equal(mapped, undefined);
    assert.deepEqual([...(await rowsOf(session, [999]))], [...table.subarray(999 * 64)]);
    if (process.platform === 'linux') assert.ok(!isMapped(file));
  } finally {
    await session.release();
  }
});

test('the rewritten graph is the same graph: only the tables moved, pointing at their own bytes', async () => {
  const file = join(fixtureModels(), 'entities-xlmr', 'onnx', 'model_quantized.onnx');
  const original = readFileSync(file);
  const mapped = await mappedGraph(file, 1);
  assert.ok(mapped);
  // The planted graphs' tables: the one the input ids index (piece_flags), the positions' limits.
  assert.ok(mapped.tables.length > 0);
  const model = onnx.ModelProto.decode(mapped.graph);
  for (const tensor of model.graph?.initializer ?? []) {
    if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const entry = Object.fromEntries((tensor.externalData ?? []).map(({ key, value }) => [key, value]));
    assert.equal(entry.location, 'model_quantized.onnx');
    const offset = Number(entry.offset);
    tensor.rawData = original.subarray(offset, offset + Number(entry.length));
    tensor.externalData = [];
    delete (tensor as { dataLocation?: unknown }).dataLocation; // unset, as in the file
  }
  const again = (bytes: Uint8Array) => Buffer.from(onnx.ModelProto.encode(onnx.ModelProto.decode(bytes)).finish());
  assert.ok(Buffer.from(onnx.ModelProto.encode(model).finish()).equals(again(original)), 'the graph differs once the tables are put back');
});

test("every family's model gives the same outputs with its tables mapped", async () => {
  const names = readdirSync(fixtureModels()).filter((name) => /^(entities|qa|sentiment|topics)-/.test(name));
  assert.ok(names.length >= 10, names.join(', '));
  for (const name of names) {
    const file = join(fixtureModels(), name, 'onnx', 'model_quantized.onnx');
    const mapped = await mappedGraph(file, 1);
    assert.ok(mapped && mapped.tables.length > 0, `${name}: no table found`);
    const vocabulary = (JSON.parse(readFileSync(join(fixtureModels(), name, 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;
    const fromFile = await ort.InferenceSession.create(file);
    const fromMapped = await ort.InferenceSession.create(mapped.graph, { extra: { session: { model_external_initializers_file_folder_path: mapped.folder } } });
    try {
      const ids = [0, 5, vocabulary - 1, 7, 2, 11, 3];
      const tensor = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);
      const feeds: Record<string, ort.Tensor> = {};
      for (const input of fromFile.inputNames) feeds[input] = input === 'input_ids' ? tensor(ids) : input === 'attention_mask' ? tensor(ids.map(() => 1)) : tensor(ids.map(() => 0));
      const [a, b] = [await fromFile.run(feeds), await fromMapped.run(feeds)];
      for (const output of fromFile.outputNames) assert.deepEqual([...(b[output].data as Float32Array)], [...(a[output].data as Float32Array)], `${name}: ${output}`);
    } finally {
      await fromFile.release();
      await fromMapped.release();
    }
  }
});

test('a graph whose weights are already external, or a damaged file, is left to onnxruntime as it is', async (t) => {
  const dir = tempDir(t);
  const source = readFileSync(join(fixtureModels(), 'entities-xlmr', 'onnx', 'model_quantized.onnx'));
  const { graph, files } = externalized(source, () => 'model.onnx_data');
  writeFileSync(join(dir, 'model.onnx'), graph);
  writeFileSync(join(dir, 'model.onnx_data'), files.get('model.onnx_data')!);
  assert.equal(await mappedGraph(join(dir, 'model.onnx'), 1), undefined);
  writeFileSync(join(dir, 'truncated.onnx'), source.subarray(0, Math.floor(source.length / 2)));
  assert.equal(await mappedGraph(join(dir, 'truncated.onnx'), 1), undefined);
  writeFileSync(join(dir, 'noise.onnx'), Buffer.from('not a graph at all, just text\n'));
  assert.equal(await mappedGraph(join(dir, 'noise.onnx'), 1), undefined);
});
