/**
 * A fixture graph re-encoded as exports over 2 GB are saved: its weights moved out of the graph
 * into external data files named by each tensor's `external_data` location. Used by the tests of
 * loading (test/unit/externalData.test.ts) and of downloading (externalDataDownload.test.ts).
 */
import { onnx } from 'onnx-proto';

export interface ExternalizedGraph {
  /** The graph without the weights it moved out. */
  graph: Buffer;
  /** Each location's bytes (the tensors named there, one after another), in the order first named. */
  files: Map<string, Buffer>;
}

/**
 * Moves the weights of the ONNX graph `bytes` out: `locate(i)` names the file of the i-th tensor
 * moved (as the graph will say it, relative to the graph's folder). As onnx.save_model does, small
 * tensors (shapes, constants, which onnxruntime reads while inferring shapes) stay in the graph.
 */
export function externalized(bytes: Uint8Array, locate: (tensor: number) => string): ExternalizedGraph {
  const model = onnx.ModelProto.decode(bytes);
  const parts = new Map<string, Buffer[]>();
  (model.graph?.initializer ?? []).filter((tensor) => (tensor.rawData?.length ?? 0) >= 1024).forEach((tensor, i) => {
    const location = locate(i);
    const data = Buffer.from(tensor.rawData as Uint8Array);
    const before = parts.get(location) ?? [];
    const offset = before.reduce((sum, part) => sum + part.length, 0);
    parts.set(location, [...before, data]);
    tensor.rawData = new Uint8Array(0);
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(data.length) },
    ];
  });
  const files = new Map([...parts].map(([location, data]) => [location, Buffer.concat(data)]));
  return { graph: Buffer.from(onnx.ModelProto.encode(model).finish()), files };
}
