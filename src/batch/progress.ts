/**
 * How a batch run shows its progress on stderr: a bar on a terminal (cli-progress: documents,
 * documents per second, time left once the documents are counted), a plain line about every ten
 * seconds on a pipe or a file (a log should not fill with redraws), nothing with --quiet.
 */
import { SingleBar } from 'cli-progress';
import type { BatchProgress } from './run';

export function batchProgress(stream: NodeJS.WriteStream, mode: 'quiet' | 'auto'): BatchProgress | undefined {
  if (mode === 'quiet') return undefined;
  return stream.isTTY ? new TerminalBar(stream) : new PlainLines(stream);
}

/** Documents per second over this run (a resumed run's earlier documents are not its speed). */
class Rate {
  private readonly started = performance.now();

  perSecond(done: number, resumed: number): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? (done - resumed) / seconds : 0;
  }
}

class TerminalBar implements BatchProgress {
  private readonly bar: SingleBar;
  private readonly rate = new Rate();
  private known = false;

  constructor(stream: NodeJS.WriteStream) {
    this.bar = new SingleBar({
      stream,
      format: (options, params, payload: { rate: string; left: string }) => {
        const bar = this.known ? `${options.barCompleteString?.slice(0, Math.round(params.progress * 30)) ?? ''}${options.barIncompleteString?.slice(0, 30 - Math.round(params.progress * 30)) ?? ''} ` : '';
        const of = this.known ? `/${params.total}` : '';
        return `${bar}${params.value}${of} documents · ${payload.rate}/s${payload.left}`;
      },
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    });
    this.bar.start(0, 0, { rate: '0', left: '' });
  }

  total(count: number): void {
    this.known = true;
    this.bar.setTotal(count);
  }

  update(done: number, resumed: number): void {
    const rate = this.rate.perSecond(done, resumed);
    const total = this.bar.getTotal();
    const left = this.known && rate > 0 ? ` · ${duration((total - done) / rate)} left` : '';
    this.bar.update(done, { rate: rate.toFixed(1), left });
  }

  stop(): void {
    this.bar.stop();
  }
}

class PlainLines implements BatchProgress {
  private readonly rate = new Rate();
  private count?: number;
  private last = performance.now();

  constructor(private readonly stream: NodeJS.WritableStream) {}

  total(count: number): void {
    this.count = count;
  }

  update(done: number, resumed: number): void {
    if (performance.now() - this.last < 10_000) return;
    this.last = performance.now();
    const rate = this.rate.perSecond(done, resumed);
    const of = this.count === undefined ? '' : `/${this.count} (${Math.floor((100 * done) / Math.max(1, this.count))}%)`;
    const left = this.count !== undefined && rate > 0 ? `, ${duration((this.count - done) / rate)} left` : '';
    this.stream.write(`batch: ${done}${of} documents, ${rate.toFixed(1)}/s${left}\n`);
  }

  stop(): void {}
}

/** 75 → "1m15s", 3700 → "1h01m". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
