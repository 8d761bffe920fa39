/**
 * ONNX exports over 2 GB keep their weights in files beside the graph (`onnx/model.onnx_data`, or
 * one file per tensor), named in each tensor's `external_data` `location`; onnxruntime opens them
 * relative to the graph's folder when given the graph's path. A location is text inside a file
 * that came from the internet: an absolute path, `../../…` or a symbolic link could make it read
 * any file on the machine as weights. {@link checkExternalData} reads every location without
 * loading the weights (the graph file is walked field by field, a few KB at a time, skipping
 * `raw_data`) and refuses any that leaves the model's folder, before a session is created.
 *
 * @example
 * await checkExternalData('/models/xlmr', 'onnx/model.onnx'); // throws model-corrupt naming the file
 * const names = await externalDataFiles('/models/xlmr/onnx/model.onnx'); // ['model.onnx_data']
 */
import { open, realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { EngineError } from './errors';
import { LENGTH, MALFORMED, ProtoReader, VARINT } from './protoReader';

/**
 * Refuses, naming the file, a graph (`file`, relative to `dir`) whose tensors name an external
 * data file outside `dir`: an absolute location, one that climbs out with `..`, or one that is
 * (or passes through) a symbolic link to elsewhere; or one that is missing.
 */
export async function checkExternalData(dir: string, file: string): Promise<void> {
  const graph = path.join(dir, file);
  const locations = await externalDataFiles(graph);
  if (locations.length === 0) return;
  const root = await realpath(dir);
  for (const location of locations) {
    const refuse = (why: string): never => {
      throw new EngineError('model-corrupt', `The model ${graph} names the external data file "${location}", ${why}; only files inside the model folder ${dir} are read.`);
    };
    if (path.isAbsolute(location) || path.win32.isAbsolute(location)) refuse('an absolute path');
    const target = path.resolve(path.dirname(graph), location);
    if (!inside(path.resolve(dir), target)) refuse('which is outside the model folder');
    const real = await realpath(target).catch(() => undefined);
    if (real === undefined) {
      throw new EngineError('model-corrupt', `The model ${graph} keeps weights in "${location}", which is missing: put ${target} beside it (it is part of the export).`);
    }
    if (!inside(root, real)) refuse(`a link to ${real}, outside the model folder`);
  }
}

function inside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The distinct external data locations the graph's tensors name, as written (relative to the graph's folder). */
export async function externalDataFiles(graph: string): Promise<string[]> {
  const handle = await open(graph, 'r');
  try {
    const reader = new ProtoReader(handle, (await handle.stat()).size);
    const found = new Set<string>();
    await reader.message(0, reader.size, async (field, wire, start, end) => {
      if (field === MODEL_GRAPH && wire === LENGTH) await walkGraph(reader, start, end, found);
      else if (field === MODEL_FUNCTIONS && wire === LENGTH) await walkFunction(reader, start, end, found);
    });
    return [...found];
  } catch (error) {
    // A file that is not a well-formed ONNX graph (truncated, damaged) names no weights file that
    // onnxruntime would open: it fails to load it, with its own words for the damage.
    if (error instanceof Error && error.message.startsWith(MALFORMED)) return [];
    throw error;
  } finally {
    await handle.close();
  }
}

// Field numbers of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
const MODEL_GRAPH = 7;
const MODEL_FUNCTIONS = 25;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const FUNCTION_NODE = 7;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_TENSOR = 5;
const ATTRIBUTE_GRAPH = 6;
const ATTRIBUTE_TENSORS = 10;
const ATTRIBUTE_GRAPHS = 11;
const ATTRIBUTE_SPARSE_TENSOR = 22;
const ATTRIBUTE_SPARSE_TENSORS = 23;
const SPARSE_VALUES = 1;
const SPARSE_INDICES = 2;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const EXTERNAL = 1;

async function walkGraph(reader: ProtoReader, from: number, to: number, found: Set<string>): Promise<void> {
  await reader.message(from, to, async (field, wire, start, end) => {
    if (wire !== LENGTH) return;
    if (field === GRAPH_INITIALIZER) await walkTensor(reader, start, end, found);
    else if (field === GRAPH_SPARSE_INITIALIZER) await walkSparse(reader, start, end, found);
    else if (field === GRAPH_NODE) await walkNode(reader, start, end, found);
  });
}

async function walkFunction(reader: ProtoReader, from: number, to: number, found: Set<string>): Promise<void> {
  await reader.message(from, to, async (field, wire, start, end) => {
    if (field === FUNCTION_NODE && wire === LENGTH) await walkNode(reader, start, end, found);
  });
}

async function walkNode(reader: ProtoReader, from: number, to: number, found: Set<string>): Promise<void> {
  await reader.message(from, to, async (field, wire, start, end) => {
    if (field !== NODE_ATTRIBUTE || wire !== LENGTH) return;
    await reader.message(start, end, async (attribute, type, s, e) => {
      if (type !== LENGTH) return;
      if (attribute === ATTRIBUTE_TENSOR || attribute === ATTRIBUTE_TENSORS) await walkTensor(reader, s, e, found);
      else if (attribute === ATTRIBUTE_GRAPH || attribute === ATTRIBUTE_GRAPHS) await walkGraph(reader, s, e, found);
      else if (attribute === ATTRIBUTE_SPARSE_TENSOR || attribute === ATTRIBUTE_SPARSE_TENSORS) await walkSparse(reader, s, e, found);
    });
  });
}

async function walkSparse(reader: ProtoReader, from: number, to: number, found: Set<string>): Promise<void> {
  await reader.message(from, to, async (field, wire, start, end) => {
    if ((field === SPARSE_VALUES || field === SPARSE_INDICES) && wire === LENGTH) await walkTensor(reader, start, end, found);
  });
}

/** A TensorProto: its `location` when its data_location is EXTERNAL (raw_data and the values are skipped, unread). */
async function walkTensor(reader: ProtoReader, from: number, to: number, found: Set<string>): Promise<void> {
  let external = false;
  let location: string | undefined;
  await reader.message(from, to, async (field, wire, start, end, value) => {
    if (field === TENSOR_DATA_LOCATION && wire === VARINT) external = value === EXTERNAL;
    if (field !== TENSOR_EXTERNAL_DATA || wire !== LENGTH) return;
    let key: string | undefined;
    let text: string | undefined;
    await reader.message(start, end, async (entry, type, s, e) => {
      if (type !== LENGTH) return;
      if (entry === ENTRY_KEY) key = await reader.text(s, e);
      if (entry === ENTRY_VALUE) text = await reader.text(s, e);
    });
    if (key === 'location') location = text;
  });
  if (external && location !== undefined) found.add(location);
}
