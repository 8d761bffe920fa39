// Preloaded (`node --require`) into a process whose peak memory a test reads after it has ended:
// on exit, its peak resident memory (VmHWM, Linux) is written to the file named by
// MEMORY_PEAK_FILE, in kB. Plain JavaScript, so that any `node` can preload it.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');

const file = process.env.MEMORY_PEAK_FILE;
if (file) {
  process.on('exit', () => {
    const peak = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (peak) writeFileSync(file, peak);
  });
}
