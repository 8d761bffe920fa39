import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { webviewShellHtml } from '../views/shell';

/**
 * The HTML of one of our webviews: the fixed shell of `src/views/shell.ts` — every
 * document-derived string arrives later by message — with a strict CSP, the bundled script
 * `dist/webview/<script>.js` allowed by a fresh nonce, and the stylesheet `media/<style>.css`.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: { script: string; style: string; title: string }): string {
  return webviewShellHtml({
    cspSource: webview.cspSource,
    // From the operating system's CSPRNG, fresh on every load: a nonce that can be guessed is none.
    nonce: randomBytes(16).toString('base64'),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${page.script}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${page.style}.css`)).toString(),
    title: page.title,
  });
}
