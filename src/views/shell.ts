/**
 * The HTML every webview of the extension starts from: a fixed shell with a strict Content
 * Security Policy, one script allowed by its nonce, and one stylesheet. Every document-derived
 * string arrives later, by message, and goes into the page as text. Pure (no `vscode`, no DOM),
 * so that the end-to-end tests can load the very same shell in a plain browser.
 */

export interface WebviewShell {
  /** `webview.cspSource`: where stylesheets may come from. */
  cspSource: string;
  /** A fresh random value per page load (base64); the only script that runs carries it. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** A fixed title, never document text. */
  title: string;
}

/**
 * The Content Security Policy of every webview: nothing is allowed (`default-src 'none'`: no
 * images, fonts, frames, connections or inline styles) but stylesheets from the extension and the
 * one script with the nonce. `default-src` leaves out where a `<base>` may point and where a form
 * may go; nothing here needs either.
 */
export function webviewCsp(cspSource: string, nonce: string): string {
  return `default-src 'none'; style-src ${cspSource}; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none';`;
}

export function webviewShellHtml({ cspSource, nonce, scriptUri, styleUri, title }: WebviewShell): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attribute(webviewCsp(cspSource, nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link href="${attribute(styleUri)}" rel="stylesheet">
  <title>${text(title)}</title>
</head>
<body>
  <main id="app"></main>
  <script nonce="${attribute(nonce)}" src="${attribute(scriptUri)}"></script>
</body>
</html>`;
}

/** None of these values is document text, but an extension folder's path may hold `"` or `&`. */
function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;');
}

function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
