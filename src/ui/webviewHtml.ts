import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/**
 * The HTML of one of our webviews: a fixed shell — every document-derived string arrives later by
 * message — with a strict CSP, the bundled script `dist/webview/<script>.js` allowed by a fresh
 * nonce, and the stylesheet `media/<style>.css`.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: { script: string; style: string; title: string }): string {
  const nonce = randomBytes(16).toString('base64');
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${page.script}.js`));
  const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${page.style}.css`));
  const csp = `default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link href="${styleUri}" rel="stylesheet">
  <title>${page.title}</title>
</head>
<body>
  <main id="app"></main>
  <script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
