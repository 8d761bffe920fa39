/**
 * onnxruntime's C API switch for its telemetry events, `DisableTelemetryEvents`, which the Node
 * binding does not expose: called here through an FFI (koffi).
 *
 * It matters on Windows. The Windows builds of onnxruntime-node have no network client of their
 * own and do not read ORT_DISABLE_TELEMETRY: they write TraceLogging (ETW) events from a provider
 * (`Microsoft.ML.ONNXRuntime`) that joins Microsoft's telemetry provider group, so Windows'
 * diagnostic data service may collect them and send them to Microsoft. The switch is process-wide
 * and is read whenever an event would be written, so it must be thrown before the first session.
 * On Linux and macOS it comes too late to help (their 1DS client starts with the environment, which
 * this call creates), which is why ./telemetry sets ORT_DISABLE_TELEMETRY there first.
 */
import type * as Koffi from 'koffi';

/** The oldest OrtApi version: the table's first entries, used here, have not moved since. */
const ORT_API_VERSION = 1;
/** Indices in the OrtApi function table (onnxruntime_c_api.h). */
const CREATE_ENV = 3;
const DISABLE_TELEMETRY_EVENTS = 6;
const GET_ERROR_MESSAGE = 2;
const ORT_LOGGING_LEVEL_WARNING = 2;
/** The log id onnxruntime-node gives the environment it creates (it shares this one). */
const LOG_ID = 'onnxruntime-node';

/**
 * Turns off the telemetry events of the onnxruntime library at `library` (the file the binding
 * loads, so that the loader hands back the same, already loaded image). The environment it creates
 * is kept for the life of the process: onnxruntime has one per process, and the binding's sessions
 * then use it. Throws, saying why, when the call cannot be made.
 */
export function disableTelemetryEvents(library: string): void {
  const { koffi, types } = ffi();
  const getApiBase = koffi.load(library).func('const void *OrtGetApiBase()');
  const base = koffi.decode(getApiBase(), types.OrtApiBase) as { GetApi: unknown };
  const api: unknown = koffi.call(base.GetApi, types.GetApi, ORT_API_VERSION);
  if (!api) throw new Error(`${library} does not offer onnxruntime's C API version ${ORT_API_VERSION}`);
  const table = koffi.decode(api, 'void *', DISABLE_TELEMETRY_EVENTS + 1) as unknown[];
  const check = (status: unknown, what: string) => {
    if (status) throw new Error(`${what} failed: ${String(koffi.call(table[GET_ERROR_MESSAGE], types.GetErrorMessage, status))}`);
  };
  const env: unknown[] = [null];
  check(koffi.call(table[CREATE_ENV], types.CreateEnv, ORT_LOGGING_LEVEL_WARNING, LOG_ID, env), 'CreateEnv');
  check(koffi.call(table[DISABLE_TELEMETRY_EVENTS], types.DisableTelemetryEvents, env[0]), 'DisableTelemetryEvents');
}

let loaded: { koffi: typeof Koffi; types: Record<'OrtApiBase' | 'GetApi' | 'CreateEnv' | 'DisableTelemetryEvents' | 'GetErrorMessage', Koffi.IKoffiCType> } | undefined;

/** koffi and the C types, declared once (koffi's type names are process-wide). */
function ffi(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  // Loaded only where it is used: only the Windows packages ship koffi.
  const koffi = require('koffi') as typeof Koffi;
  loaded = {
    koffi,
    types: {
      OrtApiBase: koffi.struct({ GetApi: 'void *', GetVersionString: 'void *' }),
      GetApi: koffi.proto('const void *OrtGetApi(uint32_t version)'),
      CreateEnv: koffi.proto('void *OrtCreateEnv(int level, const char *logid, _Out_ void **env)'),
      DisableTelemetryEvents: koffi.proto('void *OrtDisableTelemetryEvents(void *env)'),
      GetErrorMessage: koffi.proto('const char *OrtGetErrorMessage(void *status)'),
    },
  };
  return loaded;
}
