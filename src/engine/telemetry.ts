/**
 * onnxruntime's telemetry, off before the native library loads.
 *
 * The Linux and macOS builds of onnxruntime-node 1.30 carry Microsoft's 1DS telemetry client. As
 * a process creates its first session, it writes `$TMPDIR/mat-debug-<pid>.log`, `$TMPDIR/.ses` and
 * `~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db}` (queued events that
 * name the model file, the graph, the OS and a persistent device id), and within seconds looks up
 * `mobile.events.data.microsoft.com` to upload them. It does none of this when
 * `ORT_DISABLE_TELEMETRY` holds a true value (`1`, `true`, `yes`) at that moment; `0`, an empty
 * value or another word leaves it on. So the value is forced here, whatever the user's shell or
 * editor passed in, and src/engine/onnxruntime.ts (the only module that loads onnxruntime-node)
 * imports this module first. Assigning to `process.env` calls setenv(3), so the native library sees it.
 *
 * The C API's `DisableTelemetryEvents` is not exposed by onnxruntime-node's binding; called
 * through an FFI after the environment exists it is too late on Linux (the files are written, and
 * the uploads still tried: checked with strace).
 */
import { ONNXRUNTIME_TELEMETRY_OFF } from '../protocol';

Object.assign(process.env, ONNXRUNTIME_TELEMETRY_OFF);
