import type { DeviceInfo, Method, Task } from '../protocol';

/** The engine's state as the extension shows it (status bar, panel, commands). */
export type EngineStatus =
  | { state: 'stopped' }
  | { state: 'starting' }
  | { state: 'loading-model'; task: Task; message: string }
  | { state: 'downloading'; task: Task; received: number; total: number }
  | { state: 'ready'; device?: DeviceInfo }
  | { state: 'busy'; method: Method; device?: DeviceInfo }
  /** The worker is idle, but the last download of `task`'s model failed (`message` says why): the user has something to fix. */
  | { state: 'download-failed'; task: Task; message: string; device?: DeviceInfo }
  /** `permanent`: the worker crashed too often and will not be restarted until the user asks. */
  | { state: 'error'; message: string; permanent: boolean };
