/**
 * What a benchmark run measured: one case per comparison, printed as a table and written to
 * bench/results/latest.json with the machine it ran on.
 */
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Case {
  name: string;
  task: string;
  value: number;
  unit: string;
  /** What the value is compared with, if anything. */
  baseline?: string;
  baselineValue?: number;
  /** value ÷ baselineValue, or the other way round where lower is better (see `better`). */
  ratio?: number;
  /** Whether a higher value is better (throughput) or a lower one (time, memory). */
  better: 'higher' | 'lower';
  /** The target for this case, and whether it was met. */
  target?: string;
  met?: boolean;
  /** How the value was obtained, where the name does not say. */
  note?: string;
}

/**
 * A case comparing `value` with a baseline; the ratio says how many times better `value` is, and
 * the target is met when it is at least `minRatio` (unless `met` says otherwise).
 */
export function compared(fields: Omit<Case, 'ratio'> & { baselineValue: number; minRatio?: number }): Case {
  const { minRatio, ...rest } = fields;
  const ratio = fields.better === 'higher' ? fields.value / fields.baselineValue : fields.baselineValue / fields.value;
  return { ...rest, ratio: round(ratio, 3), ...(minRatio === undefined ? {} : { met: ratio >= minRatio }) };
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  onnxruntime: string;
  platform: string;
}

export function machine(onnxruntime: string): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.versions.node,
    onnxruntime,
    platform: `${process.platform}-${process.arch}`,
  };
}

const format = (value: number | undefined) =>
  value === undefined ? '' : Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);

/** A Markdown table, so the README can show it as printed. */
export function table(cases: readonly Case[]): string {
  const rows = cases.map((c) => [
    c.name,
    `${format(c.value)} ${c.unit}`,
    c.baseline ? `${format(c.baselineValue)} ${c.unit} (${c.baseline})` : '',
    c.ratio === undefined ? '' : `${c.ratio.toFixed(2)}×`,
    c.target ? `${c.target} ${c.met === undefined ? '' : c.met ? '✓' : '✗'}`.trim() : '',
  ]);
  const header = ['case', 'ours', 'baseline', 'ratio', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function writeResults(file: string, results: { machine: Machine; date: string; settings: object; cases: Case[] }): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
