/**
 * DistilBERT-, BERT- and RoBERTa-shaped (RoBERTa, XLM-R) encoder graphs with random weights, laid out node for node as
 * torch.onnx (opset 14) exports the Hugging Face models: embedding Gathers, decomposed LayerNorm,
 * per-head attention with an additive padding mask, Erf GELU and the task heads. ONNX Runtime's
 * graph optimizer therefore sees the patterns it sees in the real exports, and the compute is the
 * same as with trained weights.
 *
 * Linear and embedding weights and biases are normal with BERT's initializer standard deviation
 * (0.02), LayerNorm scales 1 and shifts 0; the PRNG is seeded by the model's seed and the tensor's
 * name, so the graph (and the file written from it) is the same on every run.
 */
import { GraphBuilder, type Graph } from '../../test/fixtures/onnx-builder';

export interface EncoderShape {
  family: 'distilbert' | 'bert' | 'roberta';
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  /**
   * BERT's token type (segment) vocabulary; DistilBERT has no token_type_ids input, and RoBERTa's
   * one type (a constant row added to every token) is not an input either.
   */
  typeVocabSize: number;
  layerNormEps: number;
  /**
   * RoBERTa's padding index: its position ids count real tokens from `padId + 1` (so 514 positions
   * hold 512 tokens), and pads sit at position `padId`. Absent: positions 0, 1, 2… (BERT).
   */
  padId?: number;
}

export const DISTILBERT_BASE: EncoderShape = {
  family: 'distilbert',
  vocabSize: 30522,
  hidden: 768,
  layers: 6,
  heads: 12,
  intermediate: 3072,
  maxPositions: 512,
  typeVocabSize: 0,
  layerNormEps: 1e-12,
};

export const BERT_BASE: EncoderShape = { ...DISTILBERT_BASE, family: 'bert', layers: 12, typeVocabSize: 2 };

/** roberta-base: BERT-base's encoder, a 50,265-piece byte-level BPE table and 514 positions with padding index 1. */
export const ROBERTA_BASE: EncoderShape = {
  family: 'roberta',
  vocabSize: 50265,
  hidden: 768,
  layers: 12,
  heads: 12,
  intermediate: 3072,
  maxPositions: 514,
  typeVocabSize: 1,
  layerNormEps: 1e-5,
  padId: 1,
};

/** xlm-roberta-base: RoBERTa-base with a 250,002-piece SentencePiece table (768 MB of the fp32 file). */
export const XLMR_BASE: EncoderShape = { ...ROBERTA_BASE, vocabSize: 250002 };

export type TaskHead =
  | { type: 'sequence-classification'; labels: number }
  | { type: 'token-classification'; labels: number }
  | { type: 'question-answering' };

const BATCH = 'batch_size';
const SEQUENCE = 'sequence_length';
const INIT_STD = 0.02;
const FLOAT32_MIN = -3.4028234663852886e38;
const ONNX_FLOAT = 1;
const ONNX_INT32 = 6;
const ONNX_INT64 = 7;

/**
 * Normal(0, std) by Box–Muller over mulberry32, seeded with FNV-1a of `seed/tensor`. A normal (not
 * uniform) spread gives each tensor its own absolute maximum, hence its own int8 scale, as trained
 * weights have: equal scales would let ORT merge the scale Muls and skip some int8 fusions.
 */
function randomNormal(seed: string, tensor: string, size: number, std: number): Float32Array {
  let state = 0x811c9dc5;
  for (const char of `${seed}/${tensor}`) state = Math.imul(state ^ char.codePointAt(0)!, 0x01000193);
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const data = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const radius = std * Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    data[i] = radius * Math.cos(angle);
    if (i + 1 < size) data[i + 1] = radius * Math.sin(angle);
  }
  return data;
}

class EncoderBuilder {
  readonly b: GraphBuilder;

  constructor(
    name: string,
    private readonly seed: string,
  ) {
    this.b = new GraphBuilder(name);
  }

  random(name: string, dims: number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    return this.b.initializer(name, 'float32', dims, randomNormal(this.seed, name, size, INIT_STD));
  }

  filled(name: string, size: number, value: number): string {
    return this.b.initializer(name, 'float32', [size], new Float32Array(size).fill(value));
  }

  scalar(value: number): string {
    return this.b.floatConst(value);
  }

  ints(values: number[], dims: number[] = [values.length]): string {
    return this.b.intConst(values, dims);
  }

  /** torch.nn.Linear: MatMul with the [in, out] weight, then Add bias. */
  linear(x: string, prefix: string, inputs: number, outputs: number, outputName?: string): string {
    const weight = this.random(`${prefix}.weight`, [inputs, outputs]);
    const bias = this.random(`${prefix}.bias`, [outputs]);
    return this.b.op('Add', [bias, this.b.op('MatMul', [x, weight])], {}, outputName);
  }

  /** LayerNorm over the last axis as opset 14 exports it (LayerNormalization is opset 17). */
  layerNorm(x: string, prefix: string, size: number, eps: number): string {
    const { b } = this;
    const mean = b.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
    const centred = b.op('Sub', [x, mean]);
    const variance = b.op('ReduceMean', [b.op('Pow', [centred, this.scalar(2)])], { axes: [-1], keepdims: 1 });
    const normalized = b.op('Div', [centred, b.op('Sqrt', [b.op('Add', [variance, this.scalar(eps)])])]);
    return b.op('Add', [b.op('Mul', [normalized, this.filled(`${prefix}.weight`, size, 1)]), this.filled(`${prefix}.bias`, size, 0)]);
  }

  /** x * 0.5 * (1 + erf(x / sqrt(2))), the exact GELU of the HF models. */
  gelu(x: string): string {
    const { b } = this;
    const erf = b.op('Erf', [b.op('Div', [x, this.scalar(Math.SQRT2)])]);
    return b.op('Mul', [b.op('Mul', [x, b.op('Add', [erf, this.scalar(1)])]), this.scalar(0.5)]);
  }

}

interface LayerNames {
  q: string;
  k: string;
  v: string;
  out: string;
  attentionNorm: string;
  ffnIn: string;
  ffnOut: string;
  outputNorm: string;
}

function layerNames(family: EncoderShape['family'], layer: number): LayerNames {
  if (family === 'distilbert') {
    const p = `distilbert.transformer.layer.${layer}`;
    return {
      q: `${p}.attention.q_lin`,
      k: `${p}.attention.k_lin`,
      v: `${p}.attention.v_lin`,
      out: `${p}.attention.out_lin`,
      attentionNorm: `${p}.sa_layer_norm`,
      ffnIn: `${p}.ffn.lin1`,
      ffnOut: `${p}.ffn.lin2`,
      outputNorm: `${p}.output_layer_norm`,
    };
  }
  const p = `${family}.encoder.layer.${layer}`;
  return {
    q: `${p}.attention.self.query`,
    k: `${p}.attention.self.key`,
    v: `${p}.attention.self.value`,
    out: `${p}.attention.output.dense`,
    attentionNorm: `${p}.attention.output.LayerNorm`,
    ffnIn: `${p}.intermediate.dense`,
    ffnOut: `${p}.output.dense`,
    outputNorm: `${p}.output.LayerNorm`,
  };
}

/**
 * RoBERTa's position ids, as HF's create_position_ids_from_input_ids exports:
 * `cumsum(input_ids != pad) * (input_ids != pad) + pad`, so real tokens count from pad + 1 and
 * pads stay at the padding index, wherever they are.
 */
function positionIdsFromInputIds(e: EncoderBuilder, inputIds: string, padId: number): string {
  const { b } = e;
  const mask = b.op('Cast', [b.op('Not', [b.op('Equal', [inputIds, e.ints([padId], [])])])], { to: ONNX_INT32 });
  const incremental = b.op('Mul', [b.op('Cast', [b.op('CumSum', [mask, e.ints([1], [])])], { to: ONNX_INT32 }), mask]);
  return b.op('Add', [b.op('Cast', [incremental], { to: ONNX_INT64 }), e.ints([padId], [])]);
}

/**
 * The encoder and head: inputs `input_ids`, `attention_mask` (and `token_type_ids` for BERT),
 * int64 [batch_size, sequence_length]; outputs `logits` ([batch, labels] or [batch, sequence,
 * labels]) or `start_logits` and `end_logits` ([batch, sequence]).
 */
export function buildEncoderGraph(name: string, shape: EncoderShape, head: TaskHead, seed: string): Graph {
  const e = new EncoderBuilder(name, seed);
  const { b } = e;
  const { family, hidden, heads } = shape;
  const headSize = hidden / heads;

  const inputIds = b.input('input_ids', 'int64', [BATCH, SEQUENCE]);
  const attentionMask = b.input('attention_mask', 'int64', [BATCH, SEQUENCE]);
  const tokenTypeIds = family === 'bert' ? b.input('token_type_ids', 'int64', [BATCH, SEQUENCE]) : undefined;

  const sequenceLength = b.op('Unsqueeze', [b.op('Gather', [b.op('Shape', [inputIds]), e.ints([1], [])], { axis: 0 }), e.ints([0])]);
  /** The first `sequence_length` columns of a [1, maxPositions] buffer, as the exports slice theirs. */
  const slicedBuffer = (name: string, values: (i: number) => number) =>
    b.op('Slice', [
      b.ints(name, Array.from({ length: shape.maxPositions }, (_, i) => values(i)), [1, shape.maxPositions]),
      e.ints([0]),
      sequenceLength,
      e.ints([1]),
      e.ints([1]),
    ]);
  const positionIds =
    shape.padId === undefined ? slicedBuffer(`${family}.embeddings.position_ids`, (i) => i) : positionIdsFromInputIds(e, inputIds, shape.padId);

  const wordTable = e.random(`${family}.embeddings.word_embeddings.weight`, [shape.vocabSize, hidden]);
  const positionTable = e.random(`${family}.embeddings.position_embeddings.weight`, [shape.maxPositions, hidden]);
  let embeddings = b.op('Gather', [wordTable, inputIds], { axis: 0 });
  if (shape.typeVocabSize > 0) {
    // RoBERTa's forward without token_type_ids: a buffer of zeros, sliced and expanded to the input's shape.
    const typeIds = tokenTypeIds ?? b.op('Expand', [slicedBuffer(`${family}.embeddings.token_type_ids`, () => 0), b.op('Shape', [inputIds])]);
    const typeTable = e.random(`${family}.embeddings.token_type_embeddings.weight`, [shape.typeVocabSize, hidden]);
    embeddings = b.op('Add', [embeddings, b.op('Gather', [typeTable, typeIds], { axis: 0 })]);
  }
  embeddings = b.op('Add', [embeddings, b.op('Gather', [positionTable, positionIds], { axis: 0 })]);
  let hiddenState = e.layerNorm(embeddings, `${family}.embeddings.LayerNorm`, hidden, shape.layerNormEps);

  // attention_mask[:, None, None, :] → (1 - mask) * finfo(float32).min, added to every head's scores.
  const extendedMask = b.op('Cast', [b.op('Unsqueeze', [b.op('Unsqueeze', [attentionMask, e.ints([1])]), e.ints([2])])], { to: ONNX_FLOAT });
  const additiveMask = b.op('Mul', [b.op('Sub', [e.scalar(1), extendedMask]), e.scalar(FLOAT32_MIN)]);
  const splitHeads = e.ints([0, 0, heads, headSize]);
  const mergeHeads = e.ints([0, 0, hidden]);

  for (let layer = 0; layer < shape.layers; layer++) {
    const n = layerNames(family, layer);
    const perHead = (x: string, perm: number[]) => b.op('Transpose', [b.op('Reshape', [x, splitHeads])], { perm });
    const query = perHead(e.linear(hiddenState, n.q, hidden, hidden), [0, 2, 1, 3]);
    const keyT = perHead(e.linear(hiddenState, n.k, hidden, hidden), [0, 2, 3, 1]);
    const value = perHead(e.linear(hiddenState, n.v, hidden, hidden), [0, 2, 1, 3]);
    const scores = b.op('Add', [b.op('Div', [b.op('MatMul', [query, keyT]), e.scalar(Math.sqrt(headSize))]), additiveMask]);
    const context = b.op('MatMul', [b.op('Softmax', [scores], { axis: -1 }), value]);
    const merged = b.op('Reshape', [b.op('Transpose', [context], { perm: [0, 2, 1, 3] }), mergeHeads]);
    const attention = e.linear(merged, n.out, hidden, hidden);
    hiddenState = e.layerNorm(b.op('Add', [attention, hiddenState]), n.attentionNorm, hidden, shape.layerNormEps);

    const ffn = e.linear(e.gelu(e.linear(hiddenState, n.ffnIn, hidden, shape.intermediate)), n.ffnOut, shape.intermediate, hidden);
    hiddenState = e.layerNorm(b.op('Add', [ffn, hiddenState]), n.outputNorm, hidden, shape.layerNormEps);
  }

  switch (head.type) {
    case 'sequence-classification': {
      const cls = b.op('Gather', [hiddenState, e.ints([0], [])], { axis: 1 });
      if (family === 'roberta') {
        // RobertaClassificationHead: dense, tanh, out_proj on <s>, without BERT's pooler.
        const dense = b.op('Tanh', [e.linear(cls, 'classifier.dense', hidden, hidden)]);
        b.output(e.linear(dense, 'classifier.out_proj', hidden, head.labels, 'logits'), 'float32', [BATCH, head.labels]);
        break;
      }
      const pooled =
        family === 'distilbert'
          ? b.op('Relu', [e.linear(cls, 'pre_classifier', hidden, hidden)])
          : b.op('Tanh', [e.linear(cls, 'bert.pooler.dense', hidden, hidden)]);
      b.output(e.linear(pooled, 'classifier', hidden, head.labels, 'logits'), 'float32', [BATCH, head.labels]);
      break;
    }
    case 'token-classification': {
      b.output(e.linear(hiddenState, 'classifier', hidden, head.labels, 'logits'), 'float32', [BATCH, SEQUENCE, head.labels]);
      break;
    }
    case 'question-answering': {
      const [start, end] = b.multiOp('Split', [e.linear(hiddenState, 'qa_outputs', hidden, 2)], 2, { axis: -1 });
      b.output(b.op('Squeeze', [start, e.ints([-1])], {}, 'start_logits'), 'float32', [BATCH, SEQUENCE]);
      b.output(b.op('Squeeze', [end, e.ints([-1])], {}, 'end_logits'), 'float32', [BATCH, SEQUENCE]);
      break;
    }
  }
  return b.build();
}
