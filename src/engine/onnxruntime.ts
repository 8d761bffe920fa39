/**
 * onnxruntime-node, loaded only here, and only after its telemetry is off: ./telemetry (imported
 * first: an ES module's imports are evaluated in order) sets ORT_DISABLE_TELEMETRY for the Linux
 * and macOS builds; on Windows, whose build reads no such variable, the C API's switch is thrown
 * once the library is loaded and before any session exists. Import `* as ort` from this module,
 * never from 'onnxruntime-node' (the lint rules enforce it).
 */
import './telemetry';
import { dirname, join } from 'node:path';
import { disableTelemetryEvents } from './telemetryEvents';

export * from 'onnxruntime-node';

/**
 * Why onnxruntime's telemetry events could not be turned off in this process, or undefined when
 * they are off. The worker logs it as a warning at start; `text-analytics info` prints it.
 */
export const telemetryProblem: string | undefined = process.platform === 'win32' ? windowsTelemetryOff() : undefined;

function windowsTelemetryOff(): string | undefined {
  // The DLL beside the binding, which the binding has just loaded: the FFI gets the same image.
  const library = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', 'win32', process.arch, 'onnxruntime.dll');
  try {
    disableTelemetryEvents(library);
    return undefined;
  } catch (error) {
    return `onnxruntime's telemetry events could not be turned off (${error instanceof Error ? error.message : String(error)}); they may reach Windows' diagnostic data service.`;
  }
}
