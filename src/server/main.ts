/**
 * `text-analytics-ls`: the language server over the engine (issue 20), for any editor with an LSP
 * client. `text-analytics-ls --stdio` (or `--node-ipc`, `--socket=PORT`, `--pipe=NAME`, which the
 * library reads from the command line). What it offers is in src/server/server.ts; analyses run
 * in one inference worker process (dist/worker.js beside this file).
 */
// First: onnxruntime's telemetry is off in this process and every process it starts.
import '../engine/telemetry';
import { join } from 'node:path';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { EXTENSION_VERSION } from '../engine/version';
import { TextAnalyticsServer } from './server';

const USAGE = 'Usage: text-analytics-ls --stdio | --node-ipc | --socket=PORT | --pipe=NAME (a language server: your editor starts it)';

function main(argv: readonly string[]): void {
  if (argv.includes('--version')) {
    process.stdout.write(`text-analytics-ls ${EXTENSION_VERSION}\n`);
    return;
  }
  if (!argv.some((arg) => /^--(stdio|node-ipc|socket|pipe)(=|$)/.test(arg))) {
    process.stderr.write(`text-analytics-ls: say how the editor talks to the server. ${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const connection = createConnection(ProposedFeatures.all);
  const server = new TextAnalyticsServer(connection, { workerPath: join(__dirname, 'worker.js') });
  // However the server ends (exit notification, the client gone), its worker goes with it.
  process.on('exit', () => server.dispose());
  connection.listen();
}

main(process.argv.slice(2));
