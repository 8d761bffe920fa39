/**
 * Embedding tables read in place. A session copies every weight of a graph into memory, and an
 * encoder's word-embedding table is most of a multilingual model: XLM-R's 250,002 × 768 table is
 * 192 MB of its 278 MB int8 file (768 MB in fp32), while a document reads a few thousand of its
 * rows. onnxruntime maps weights kept as external data from their file instead of copying them
 * (only the pages read become resident). {@link mappedGraph} re-describes the large tables a
 * `Gather` reads as external data located in the model file itself, at their `raw_data` bytes, and
 * returns that graph (everything else copied unchanged) for a session created from memory with
 * the file's folder as the place of its external data. Nothing is written to disk; the model file
 * is read once, the tables not at all.
 *
 * @example
 * const mapped = await mappedGraph('/models/xlmr/onnx/model_quantized.onnx');
 * // mapped.graph: the graph, 86 MB instead of 278; mapped.tables: [{ name: '…word_embeddings…', bytes: 192001536 }]
 * await ort.InferenceSession.create(mapped.graph, { extra: { session: { model_external_initializers_file_folder_path: mapped.folder } } });
 */
import { open } from 'node:fs/promises';
import * as path from 'node:path';
import { LENGTH, MALFORMED, ProtoReader, VARINT } from './protoReader';

/**
 * Tables smaller than this are copied as before. Mapping costs the graph's copy in JavaScript
 * before the session is made: for DistilBERT int8 (30,522 × 768 table, 23 MB) that was ~150 ms
 * of a ~1.15 s cold start on a 2-core machine (first sentiment: 1.29 s mapped, 1.14 s copied) to
 * save 23 MB; the multilingual tables this is for are far larger (mBERT's 119,547 rows: 92 MB int8;
 * XLM-R's 250,002: 192 MB int8, 768 MB fp32), as is DistilBERT's in fp32 (94 MB).
 */
export const MIN_MAPPED_TABLE_BYTES = 64 * 1024 * 1024;

export interface MappedGraph {
  /** The graph, with the tables described as external data in the model file. */
  graph: Buffer;
  /** The model file's folder: where the session finds the data (`session.model_external_initializers_file_folder_path`). */
  folder: string;
  /** The tables mapped, with their sizes. */
  tables: { name: string; bytes: number }[];
}

// Field numbers of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const NODE_INPUT = 1;
const NODE_OP_TYPE = 4;
const NODE_DOMAIN = 7;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const EXTERNAL = 1;

/** A field of a message: where its tag starts and its content ends. */
interface Field {
  number: number;
  tagAt: number;
  end: number;
}

interface Table {
  field: Field;
  name: string;
  /** The tensor's own fields, to copy all but its raw_data. */
  fields: Field[];
  raw: [start: number, end: number];
}

/**
 * The graph of the ONNX file `file` with each table that a `Gather` reads (its first input) and
 * that holds at least `minBytes` of `raw_data` re-described as external data in `file` itself; or
 * undefined when there is none (small models, weights already external) or the file is not a
 * well-formed graph (onnxruntime then says what is wrong with it when it loads the file).
 */
export async function mappedGraph(file: string, minBytes = MIN_MAPPED_TABLE_BYTES): Promise<MappedGraph | undefined> {
  const handle = await open(file, 'r');
  try {
    const reader = new ProtoReader(handle, (await handle.stat()).size);
    const graphs: Field[] = [];
    await reader.message(0, reader.size, (number, wire, _start, end, _value, tagAt) => {
      if (number === MODEL_GRAPH && wire === LENGTH) graphs.push({ number, tagAt, end });
    });
    // A graph split over two fields (protobuf would merge them) is left to onnxruntime as it is.
    if (graphs.length !== 1) return undefined;
    const [graph] = graphs;
    const graphStart = await contentStart(reader, graph);

    const fields: Field[] = [];
    const gathered = new Set<string>();
    const initializers = new Map<Field, Table>();
    await reader.message(graphStart, graph.end, async (number, wire, start, end, _value, tagAt) => {
      const field = { number, tagAt, end };
      fields.push(field);
      if (wire !== LENGTH) return;
      if (number === GRAPH_NODE) {
        const table = await gatherTable(reader, start, end);
        if (table !== undefined) gathered.add(table);
      } else if (number === GRAPH_INITIALIZER) {
        const table = await tensorData(reader, field, start, end);
        if (table !== undefined && table.raw[1] - table.raw[0] >= minBytes) initializers.set(field, table);
      }
    });
    const tables = [...initializers.values()].filter((table) => gathered.has(table.name));
    if (tables.length === 0) return undefined;
    const moved = new Map(tables.map((table) => [table.field, table]));

    // The new graph: each field copied from the file, a moved table's without its raw_data and with where it is.
    const location = path.basename(file);
    const graphParts: Part[] = fields.flatMap((field): Part[] => {
      const table = moved.get(field);
      if (table === undefined) return [[field.tagAt, field.end]];
      const tensor: Part[] = [
        ...table.fields.filter((f) => f.number !== TENSOR_RAW_DATA).map((f): Part => [f.tagAt, f.end]),
        ...[
          ['location', location],
          ['offset', String(table.raw[0])],
          ['length', String(table.raw[1] - table.raw[0])],
        ].map(([key, value]) => lengthField(TENSOR_EXTERNAL_DATA, Buffer.concat([lengthField(ENTRY_KEY, Buffer.from(key)), lengthField(ENTRY_VALUE, Buffer.from(value))]))),
        Buffer.concat([varint(TENSOR_DATA_LOCATION * 8 + VARINT), varint(EXTERNAL)]),
      ];
      return [header(GRAPH_INITIALIZER, size(tensor)), ...tensor];
    });
    const modelParts: Part[] = [[0, graph.tagAt], header(MODEL_GRAPH, size(graphParts)), ...graphParts, [graph.end, reader.size]];

    const out = Buffer.allocUnsafe(size(modelParts));
    let at = 0;
    for (const part of coalesced(modelParts)) {
      if (Buffer.isBuffer(part)) at += part.copy(out, at);
      else {
        await reader.copy(part[0], part[1], out, at);
        at += part[1] - part[0];
      }
    }
    return { graph: out, folder: path.dirname(file), tables: tables.map((table) => ({ name: table.name, bytes: table.raw[1] - table.raw[0] })) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(MALFORMED)) return undefined;
    throw error;
  } finally {
    await handle.close();
  }
}

/** A range of the file to copy, or bytes to write. */
type Part = [start: number, end: number] | Buffer;

/**
 * The parts with each run of adjacent file ranges joined into one: the graph's thousands of fields
 * lie end to end in the file, and one read per field made a BERT-base graph (86 MB) take about a
 * third longer to read on a 2-core machine (~500 ms instead of ~350).
 */
function coalesced(parts: Part[]): Part[] {
  const joined: Part[] = [];
  for (const part of parts) {
    const last = joined[joined.length - 1];
    if (!Buffer.isBuffer(part) && last !== undefined && !Buffer.isBuffer(last) && last[1] === part[0]) joined[joined.length - 1] = [last[0], part[1]];
    else joined.push(Buffer.isBuffer(part) ? part : [part[0], part[1]]);
  }
  return joined;
}

const size = (parts: Part[]) => parts.reduce((sum, part) => sum + (Buffer.isBuffer(part) ? part.length : part[1] - part[0]), 0);

/** The first input of a node when it is an ONNX `Gather`: the table it reads rows of. */
async function gatherTable(reader: ProtoReader, from: number, to: number): Promise<string | undefined> {
  let first: string | undefined;
  let gather = false;
  let domain = '';
  await reader.message(from, to, async (number, wire, start, end) => {
    if (wire !== LENGTH) return;
    if (number === NODE_INPUT && first === undefined) first = await reader.text(start, end);
    else if (number === NODE_OP_TYPE) gather = (await reader.text(start, end)) === 'Gather';
    else if (number === NODE_DOMAIN) domain = await reader.text(start, end);
  });
  return gather && (domain === '' || domain === 'ai.onnx') ? first : undefined;
}

/** A tensor whose data is in its raw_data: its name, fields and where the data is; undefined for one kept elsewhere. */
async function tensorData(reader: ProtoReader, field: Field, from: number, to: number): Promise<Table | undefined> {
  const fields: Field[] = [];
  let name: string | undefined;
  let raw: [number, number] | undefined;
  let elsewhere = false;
  await reader.message(from, to, async (number, wire, start, end, value, tagAt) => {
    fields.push({ number, tagAt, end });
    if (number === TENSOR_NAME && wire === LENGTH) name = await reader.text(start, end);
    else if (number === TENSOR_RAW_DATA && wire === LENGTH) raw = [start, end];
    else if (number === TENSOR_EXTERNAL_DATA || (number === TENSOR_DATA_LOCATION && value === EXTERNAL)) elsewhere = true;
  });
  if (name === undefined || raw === undefined || elsewhere || fields.filter((f) => f.number === TENSOR_RAW_DATA).length !== 1) return undefined;
  return { field, name, fields, raw };
}

/** Where a length-delimited field's content starts: past its tag and length. */
async function contentStart(reader: ProtoReader, field: Field): Promise<number> {
  let start = field.end;
  await reader.message(field.tagAt, field.end, (_number, _wire, contentAt) => {
    start = contentAt;
  });
  return start;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 128) {
    bytes.push((rest % 128) | 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

const header = (number: number, length: number) => Buffer.concat([varint(number * 8 + LENGTH), varint(length)]);
const lengthField = (number: number, content: Buffer) => Buffer.concat([header(number, content.length), content]);
