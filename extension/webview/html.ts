// The HTML of a Berth panel: a strict Content-Security-Policy with a fresh nonce per render, and
// nothing but files from dist/media. No server-provided text ever goes into this HTML: the
// script receives it as data and places it with textContent. No `vscode` import, so it is
// unit-tested.
import { randomBytes } from 'node:crypto';

export interface PageInput {
  /** `webview.cspSource`: where VS Code serves the extension's files to the webview from. */
  cspSource: string;
  /** `webview.asWebviewUri(dist/media)` as a string; every file the page loads is under it. */
  mediaBase: string;
  /** The panel's bundle in dist/media: `<entry>.js` and `<entry>.css`, built from webview/<entry>/. */
  entry: string;
  title: string;
}

/** 144 random bits, base64 (a valid CSP nonce). */
export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // The toolkit's icon component reads the codicon <link>'s nonce and puts it on the copies of
    // that link it makes inside each shadow root.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    // The toolkit draws a few of its glyphs as data: images in its own styles.
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export function panelHtml(p: PageInput, nonce: string = newNonce()): string {
  const media = (file: string) => attr(`${p.mediaBase.replace(/\/$/, '')}/${file}`);
  const n = attr(nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link id="vscode-codicon-stylesheet" rel="stylesheet" nonce="${n}" href="${media('codicon.css')}">
<link rel="stylesheet" nonce="${n}" href="${media(`${p.entry}.css`)}">
<title>${text(p.title)}</title>
</head>
<body>
<main id="root"></main>
<script nonce="${n}" src="${media(`${p.entry}.js`)}"></script>
</body>
</html>
`;
}

function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;');
}
