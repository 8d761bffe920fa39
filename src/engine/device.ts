import * as ort from './onnxruntime';
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { DeviceInfo, DevicePreference, ExecutionDevice } from '../protocol';
import { mappedGraph, type MappedGraph } from './mappedTables';
import { EngineError } from './errors';

/**
 * The GPU execution provider onnxruntime-node offers on a platform: CUDA on Linux x64 (its
 * libraries are installed separately, see README), DirectML on Windows (in the package), CoreML
 * on macOS.
 */
export function gpuProviderFor(platform: NodeJS.Platform = process.platform, arch: string = process.arch): ExecutionDevice | undefined {
  if (platform === 'linux' && arch === 'x64') return 'cuda';
  if (platform === 'win32') return 'dml';
  if (platform === 'darwin') return 'coreml';
  return undefined;
}

/**
 * Why the GPU cannot be used here, known without loading a model; undefined when it may work.
 * The CUDA provider's libraries are not in the npm package (its postinstall fetches them only with
 * ONNXRUNTIME_NODE_INSTALL=cuda12), so their absence is checked before any model is fetched or
 * loaded for the GPU.
 */
export function gpuUnavailableReason(nvidiaGpu: () => boolean = () => hasNvidiaGpu()): string | undefined {
  const provider = gpuProviderFor();
  if (!provider) return `onnxruntime offers no GPU execution provider on ${process.platform}-${process.arch}`;
  if (provider === 'cuda') {
    // Advice to reinstall for CUDA would send a user without an NVIDIA GPU after what cannot help.
    if (!nvidiaGpu()) return 'no NVIDIA GPU was found, which the CUDA execution provider needs';
    const binaries = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', 'linux', 'x64');
    if (!existsSync(join(binaries, 'libonnxruntime_providers_cuda.so'))) {
      return 'the CUDA execution provider is not installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12; see the README)';
    }
  }
  return undefined;
}

/** Where an NVIDIA GPU shows itself on Linux; tests point these elsewhere. */
export interface NvidiaProbe {
  /** Present once the NVIDIA driver is loaded. */
  driver: string;
  /** PCI devices: an NVIDIA one has vendor 0x10de and a display class (0x03…), driver or not. */
  pciDevices: string;
  /** Searched for `nvidia-smi`, which the driver installs (on WSL, the only sign: no /proc or PCI). */
  path: string | undefined;
}

/** Whether this machine has an NVIDIA GPU: the driver loaded, an NVIDIA display device on the PCI bus, or `nvidia-smi` on the PATH. */
export function hasNvidiaGpu(
  probe: NvidiaProbe = { driver: '/proc/driver/nvidia', pciDevices: '/sys/bus/pci/devices', path: process.env.PATH },
): boolean {
  if (existsSync(probe.driver)) return true;
  if ((probe.path ?? '').split(delimiter).some((dir) => dir && isExecutable(join(dir, 'nvidia-smi')))) return true;
  let devices: string[];
  try {
    devices = readdirSync(probe.pciDevices);
  } catch {
    return false;
  }
  return devices.some((device) => {
    try {
      const read = (name: string) => readFileSync(join(probe.pciDevices, device, name), 'utf8').trim();
      return read('vendor') === '0x10de' && read('class').startsWith('0x03');
    } catch {
      return false;
    }
  });
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface SessionSettings {
  threads: number;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  device: DeviceInfo;
  /** The embedding tables read from the model file in place (mappedTables.ts) rather than copied. */
  mapped?: MappedGraph['tables'];
}

/** The options of every session the engine creates, before its execution providers. */
export function sessionOptions(settings: SessionSettings): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // No arena: each session's arena kept the largest batch's activations for good (a 12-layer
    // encoder after batches of 16 × 512 tokens: +1 GB, and the worker holds up to five sessions);
    // without it a run's activations are freed when it ends.
    enableCpuMemArena: false,
    ...(settings.threads > 0 ? { intraOpNumThreads: settings.threads } : {}),
    // Idle pool threads sleep instead of spinning: the worker holds up to four sessions (a pool
    // each) on a laptop's few cores, and a spinning pool takes a core from the one that works.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/**
 * Creates a session on the GPU when the preference allows one and it works, otherwise on the CPU,
 * recording why the GPU was not used. `gpuUnavailable` short-circuits a GPU that already failed,
 * so each model does not pay for the same failure again.
 */
export async function createSession(
  file: string,
  preference: DevicePreference,
  settings: SessionSettings,
  gpuUnavailable?: string,
): Promise<CreatedSession> {
  const { create, mapped } = await sessionSource(file, sessionOptions(settings));
  let fallbackReason: string | undefined;
  if (preference !== 'cpu') {
    const provider = gpuProviderFor();
    fallbackReason = gpuUnavailable ?? gpuUnavailableReason();
    if (provider && !fallbackReason) {
      try {
        const session = await create([provider, 'cpu']);
        return { session, device: { requested: preference, used: provider }, mapped: mapped() };
      } catch (error) {
        if (isCorruptModel(error)) throw corruptModelError(file, error);
        fallbackReason = `the ${provider.toUpperCase()} execution provider could not start: ${firstLine(error)}`;
      }
    }
  }
  try {
    const session = await create(['cpu']);
    return { session, device: { requested: preference, used: 'cpu', fallbackReason }, mapped: mapped() };
  } catch (error) {
    throw isCorruptModel(error) ? corruptModelError(file, error) : new EngineError('internal', `The model file ${file} could not be loaded: ${firstLine(error)}`, { cause: error });
  }
}

type ExecutionProviders = NonNullable<ort.InferenceSession.SessionOptions['executionProviders']>;

interface SessionSource {
  create(providers: ExecutionProviders): Promise<ort.InferenceSession>;
  /** The tables the session that `create` made last reads in place, if any. */
  mapped(): MappedGraph['tables'] | undefined;
}

/**
 * How to create the model's sessions: from the graph whose large embedding tables are mapped from
 * the file (mappedTables.ts), or from the file as it is when it has none. Should onnxruntime refuse
 * the mapped graph, the file is loaded as it is: mapping only saves memory. Not on Windows, where a
 * mapped file cannot be replaced or deleted while it is loaded, and which no test here runs on.
 */
async function sessionSource(file: string, options: ort.InferenceSession.SessionOptions): Promise<SessionSource> {
  const fromFile = (providers: ExecutionProviders) => ort.InferenceSession.create(file, { ...options, executionProviders: providers });
  const graph = process.platform === 'win32' ? undefined : await mappedGraph(file);
  if (graph === undefined) return { create: fromFile, mapped: () => undefined };
  const extra = options.extra as { session?: object };
  const folder = { ...extra, session: { ...extra.session, model_external_initializers_file_folder_path: graph.folder } };
  let used = false;
  // The graph (86 MB for XLM-R int8) lives as long as this source, until the model's session exists.
  return {
    create: async (providers) => {
      used = false;
      const session = await ort.InferenceSession.create(graph.graph, { ...options, extra: folder, executionProviders: providers }).catch(() => undefined);
      used = session !== undefined;
      return session ?? fromFile(providers);
    },
    mapped: () => (used ? graph.tables : undefined),
  };
}

function isCorruptModel(error: unknown): boolean {
  return /protobuf parsing failed|invalid model|ModelProto|Load model from .* failed/i.test(String(error));
}

/**
 * Says what is wrong with a weights file onnxruntime cannot parse. What to do about it depends on
 * where the model came from, which the model store adds.
 */
function corruptModelError(file: string, error: unknown): EngineError {
  return new EngineError('model-corrupt', `The model file ${file} ${whatIsWrong(file, error)}.`, { cause: error });
}

function whatIsWrong(file: string, error: unknown): string {
  let head = Buffer.alloc(0);
  try {
    const fd = openSync(file, 'r');
    try {
      head = Buffer.alloc(64);
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    // Unreadable now: onnxruntime's reason is all there is.
  }
  if (head.length === 0) return 'is empty (0 bytes)';
  // What a clone of a Hub repo without Git LFS holds in place of the weights.
  if (head.toString('latin1').startsWith('version https://git-lfs')) {
    return 'is a Git LFS pointer, not the weights (fetch the real file, e.g. with `git lfs pull`)';
  }
  return `is not a loadable ONNX model: it is truncated or damaged (onnxruntime: ${ortReason(error)})`;
}

/** onnxruntime's reason without the file name and the C++ source location it wraps it in. */
function ortReason(error: unknown): string {
  const reason = firstLine(error).replace(/^(Error: )?Load model from .*? failed:/, '');
  return (/^\S+\.cc:\d+ .*?\) (.+)$/.exec(reason)?.[1] ?? reason).trim();
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].slice(0, 300);
}
