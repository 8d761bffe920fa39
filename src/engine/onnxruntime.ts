/**
 * onnxruntime-node, loaded only here, and only after its telemetry is off (./telemetry, imported
 * first: an ES module's imports are evaluated in order). Import `* as ort` from this module, never
 * from 'onnxruntime-node' (the lint rules enforce it).
 */
import './telemetry';

export * from 'onnxruntime-node';
