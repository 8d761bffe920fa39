/**
 * Giving freed native memory back to the system while a large request runs (Linux with glibc).
 *
 * The tokenizers binding allocates each encoding's vectors with malloc, from its own threads, and
 * frees them only when V8 collects the JavaScript objects that hold them. glibc keeps what was
 * freed in its arenas, between blocks still in use, so the process's resident memory stays at its
 * high-water mark: after tokenizing 5,000,000 characters of one-word paragraphs about 400 MB that
 * nothing uses any more, on top of which the result is then built (the CLI peaked at 1.04 GiB
 * there; giving it back each second, 0.78 GiB). `malloc_trim(0)` returns those free pages.
 *
 * It is called through koffi where koffi is installed (the npm package, and the Linux and Windows
 * VSIXs). Where it is not, or the C library is not glibc, nothing is done. It is also what
 * gives an unloaded model's memory back (src/engine/modelStore.ts).
 */
import type * as Koffi from 'koffi';

/** How often freed memory is given back while a large request runs. */
const TRIM_EVERY_MS = 1000;

let trim: (() => void) | null | undefined;

/** `malloc_trim(0)`, or null where it cannot be called. */
function mallocTrim(): (() => void) | null {
  if (trim !== undefined) return trim;
  trim = null;
  if (process.platform !== 'linux') return trim;
  try {
    const koffi = require('koffi') as typeof Koffi;
    const call = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
    trim = () => void call(0);
  } catch {
    // No koffi here, or a C library other than glibc (musl has no malloc_trim).
  }
  return trim;
}

/**
 * Gives back, once, what loading a model left free: the parse of its tokenizer.json (JavaScript's
 * and the library's) and onnxruntime's copy of the graph file while it builds the session — a few
 * hundred MB for a 250,000-piece vocabulary that would otherwise stay resident. The worker runs
 * with --expose-gc, so the JavaScript side is collected first; elsewhere only the native side.
 */
export function returnLoadLeftovers(): void {
  (globalThis as { gc?: () => void }).gc?.();
  mallocTrim()?.();
}

/** Gives freed native memory back every second until the function returned is called; does nothing where it cannot. */
export function returnFreedMemory(): () => void {
  const trimNow = mallocTrim();
  if (!trimNow) return () => undefined;
  const timer = setInterval(trimNow, TRIM_EVERY_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    trimNow();
  };
}
