// Moved to src/views/messages.ts (contracts both the host and the webview import); this re-export
// keeps old imports working while they move.
export * from '../views/messages';
