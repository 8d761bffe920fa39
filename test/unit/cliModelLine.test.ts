/**
 * The line the command line's tables end with says truly where the model came from and why the
 * GPU is not used, with no CUDA advice on a machine that has no NVIDIA GPU to use it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelLine } from '../../src/cliAdvice';
import { gpuProviderFor, gpuUnavailableReason } from '../../src/engine/device';
import type { DeviceInfo, ModelInfo } from '../../src/protocol';

function model(source: ModelInfo['source'], dir: string): ModelInfo {
  return { task: 'sentiment', id: 'sentiment', source, dir, file: 'onnx/model_quantized.onnx', precision: 'int8' };
}
const cpu: DeviceInfo = { requested: 'cpu', used: 'cpu' };

test('a model from the models folder is named by its folder, relative to where the command ran', () => {
  assert.equal(modelLine({ model: model('bundled', '/work/proj/models/sentiment'), device: cpu }, '/work/proj'), 'sentiment (onnx/model_quantized.onnx from models/sentiment) on CPU');
  assert.equal(modelLine({ model: model('bundled', '/opt/ta/models/sentiment'), device: cpu }, '/work/proj'), 'sentiment (onnx/model_quantized.onnx from /opt/ta/models/sentiment) on CPU');
  assert.doesNotMatch(modelLine({ model: model('bundled', '/x/sentiment'), device: cpu }, '/'), /bundled/);
  assert.match(modelLine({ model: model('cache', '/home/u/.cache/m/sentiment'), device: cpu }, '/work'), /from the download cache, \/home\/u\/\.cache\/m\/sentiment\)/);
  assert.match(modelLine({ model: model('download', '/home/u/.cache/m/sentiment'), device: cpu }, '/work'), /downloaded now into /);
});

test('no CUDA reinstall advice where the machine has no NVIDIA GPU; the line keeps the reason the engine gave', () => {
  if (gpuProviderFor() === 'cuda') {
    assert.match(gpuUnavailableReason(() => false) ?? '', /no NVIDIA GPU was found/);
    assert.doesNotMatch(gpuUnavailableReason(() => false) ?? '', /reinstall|cuda12/);
  }
  const reason = 'no NVIDIA GPU was found, which the CUDA execution provider needs';
  const line = modelLine({ model: model('bundled', '/m/sentiment'), device: { requested: 'auto', used: 'cpu', fallbackReason: reason } }, '/work');
  assert.equal(line, `sentiment (onnx/model_quantized.onnx from /m/sentiment) on CPU — ${reason}`);
});
