/**
 * The control case of the system-call test (test/worker/systemCalls.test.ts): a preload
 * (`node --require <this file> dist/worker.js`) that undoes our switch, so that onnxruntime's
 * telemetry runs as it would without it and the test can show that it sees what it looks for.
 * src/engine/telemetry.ts sets ORT_DISABLE_TELEMETRY=1 just before onnxruntime-node is required;
 * this removes it at that moment (the library reads it when the first session is created). No
 * test hook in src/. Plain CommonJS, loaded by Node as it is.
 */
'use strict';

const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'onnxruntime-node') delete process.env.ORT_DISABLE_TELEMETRY;
  return load.call(this, request, ...rest);
};
