/**
 * Makes a real inference worker die, with no fault-injection code in src/: the integration suite
 * (suite/faults.test.ts) puts `--require <this file>` in the extension host's NODE_OPTIONS, which
 * the worker inherits when it is forked. TEXT_ANALYTICS_TEST_WORKER_FAULT says how it dies:
 *
 * - `load`: onnxruntime's InferenceSession.create kills the process (SIGKILL), as a native crash
 *   while loading a model would; the worker starts and says it is ready as usual.
 * - `startup`: the process fails before it can say it is ready, as a broken install would.
 *
 * Only the worker has TEXT_ANALYTICS_ENGINE_OPTIONS: any other Node process that NODE_OPTIONS
 * reaches is left alone. Plain CommonJS, loaded by Node as it is.
 */
'use strict';

const fault = process.env.TEXT_ANALYTICS_ENGINE_OPTIONS ? process.env.TEXT_ANALYTICS_TEST_WORKER_FAULT : undefined;

if (fault === 'startup') {
  throw new Error('Planted fault (test/integration/worker-faults.js): the worker fails at startup.');
}

if (fault === 'load') {
  const Module = require('node:module');
  const load = Module._load;
  let planted = false;
  Module._load = function (request, ...rest) {
    const exports = load.call(this, request, ...rest);
    if (request === 'onnxruntime-node' && !planted) {
      planted = true;
      exports.InferenceSession.create = () => {
        process.kill(process.pid, 'SIGKILL');
        return new Promise(() => {});
      };
    }
    return exports;
  };
}
