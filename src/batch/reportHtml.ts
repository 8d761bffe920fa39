/**
 * The report's page: one self-contained HTML file that opens from disk in any browser, with no
 * network at all. Chart.js (its UMD build, read from node_modules at run time) and the page's own
 * script are inlined and allowed by their sha256 hashes in a `default-src 'none'` policy, so no
 * other script can run, whatever the documents said. Every table is plain HTML, readable without
 * the charts (or a canvas, or scripts); the charts read their numbers from a JSON data block.
 * Every string that came from a document or a model (ids, sources, labels, entity texts, error
 * messages, file names) is shown inert: control and bidirectional characters as visible escapes
 * (src/printable.ts), then HTML-escaped in the tables and `<`-escaped in the JSON.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { counted } from '../cliTasks';
import { printableProse } from '../printable';
import { languageName } from '../tasks/languages';
import { REGISTRY } from '../tasks/registry';
import type { Dropped, EntityTable, ReportData, Tally, TaskReport, Timeline } from './report';

/** What the page script draws: one chart per canvas, its numbers and the colour of each series. */
interface ChartSpec {
  canvas: string;
  /** `share`: 100%-stacked bars of each label's share per bucket; `count`: one bar per key. */
  kind: 'count' | 'share';
  labels: string[];
  series: { name: string; values: number[]; colours: ColourKey[] }[];
}

/** CSS custom properties of the page (light and dark): the script never takes a colour from the data. */
type ColourKey = 'positive' | 'negative' | 'neutral' | `c${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`;

/**
 * Where the page is shown inside VS Code (src/ui/reportPanel.ts): in a webview, it follows the
 * editor's theme (its `--vscode-*` colours, not the system's light or dark), and its header has
 * buttons that post `{ type: 'action', action: id }` to the extension.
 */
export interface WebviewPage {
  actions: { id: string; label: string }[];
}

/** The self-contained HTML page for `data` (no network: chart.js inlined, data inlined as JSON). */
export function reportHtml(data: ReportData, options: { title: string; generated: Date; webview?: WebviewPage }): string {
  const page = new Page();
  const body = [overview(data, options.generated), ...data.tasks.map((task) => taskSection(task, page))].join('\n');
  const json = JSON.stringify({ charts: page.charts })
    // In a <script> element only `</script` or `<!--` can end or change it; no `<` at all is simpler.
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  const library = chartLibrary();
  const webview = options.webview;
  // The webview's additions are hashed too: nothing but these exact elements runs or styles.
  const scripts = [library, PAGE_SCRIPT, ...(webview ? [WEBVIEW_SCRIPT] : [])];
  const styles = [PAGE_STYLE, ...(webview ? [WEBVIEW_STYLE] : [])];
  const actions = webview?.actions.length
    ? `\n<nav class="actions">${webview.actions.map((action) => `<button type="button" data-action="${text(action.id)}">${text(action.label)}</button>`).join('')}</nav>`
    : '';
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map(hashSource).join(' ')}`,
    `style-src ${styles.map(hashSource).join(' ')}`,
    'img-src data:',
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${text(options.title)}</title>
<link rel="icon" href="data:,">
${styles.map((style) => `<style>${style}</style>`).join('\n')}
</head>
<body>
<header><h1>${text(options.title)}</h1>${actions}</header>
<main>
${body}
</main>
<script type="application/json" id="report-data">${json}</script>
<script>${library}</script>
<script>${PAGE_SCRIPT}</script>${webview ? `\n<script>${WEBVIEW_SCRIPT}</script>` : ''}
</body>
</html>
`;
}

/** Numbers the canvases and collects their charts. */
class Page {
  readonly charts: ChartSpec[] = [];

  chart(spec: Omit<ChartSpec, 'canvas'>, description: string): string {
    const canvas = `chart-${this.charts.length + 1}`;
    this.charts.push({ canvas, ...spec });
    return `<div class="chart"><canvas id="${canvas}" role="img" aria-label="${text(`${description} (the table beside it has the same numbers)`)}"></canvas></div>`;
  }
}

function overview(data: ReportData, generated: Date): string {
  const rows = data.tasks.map((t) => [title(t), number(t.documents), number(t.results), number(t.errors)]);
  const unreadable =
    data.unreadable === 0
      ? ''
      : `<p class="warning">${counted(data.unreadable, 'line')} could not be read as a result line (not JSON, or not what <code>batch</code> writes) and ${data.unreadable === 1 ? 'was' : 'were'} left out${data.unreadable > data.unreadableExamples.length ? `; the first ${data.unreadableExamples.length}` : ''}:</p>
${table('Unreadable lines', ['Line', 'Why'], data.unreadableExamples.map((u) => [text(u.source), text(u.why)]))}`;
  return `<section aria-labelledby="overview">
<h2 id="overview">Overview</h2>
<p>${counted(data.lines, 'line')} read from ${fileList(data.files)}, on ${text(generated.toISOString().replace('T', ' ').slice(0, 16))} UTC.</p>
${data.tasks.length ? table('Documents per task', ['Task', 'Documents', 'Results', 'Errors'], rows, [1, 2, 3]) : '<p>No result lines: nothing to show.</p>'}
${unreadable}
</section>`;
}

/** The results files by name, the first few of a long list. */
function fileList(files: string[]): string {
  const named = files.slice(0, 10).map((f) => `<code>${text(f)}</code>`).join(', ');
  return files.length > 10 ? `${named} and ${counted(files.length - 10, 'more file')}` : named;
}

function taskSection(task: TaskReport, page: Page): string {
  const id = `task-${task.task}`;
  const parts = [`<p>${counted(task.documents, 'document')}: ${counted(task.results, 'result')}, ${counted(task.errors, 'error')}.</p>`];
  if (task.errors > 0) {
    const first = task.errors > task.errorExamples.length ? `The first ${task.errorExamples.length} errors` : 'Errors';
    parts.push(table(first, ['Id', 'Source', 'Error'], task.errorExamples.map((e) => [text(e.id), text(e.source), text(e.error)])));
  }
  if (task.results > 0) parts.push(...taskBody(task, page));
  return `<section aria-labelledby="${id}">
<h2 id="${id}">${title(task)}</h2>
${parts.join('\n')}
</section>`;
}

function taskBody(task: TaskReport, page: Page): string[] {
  switch (task.task) {
    case 'sentiment':
      return [
        tallyFigure(page, task.tally, { heading: 'Document sentiment', key: 'Label', keys: 'labels', unit: 'documents', colours: sentimentColours }),
        ...(task.timeline ? [timelineFigure(page, task.timeline)] : []),
      ];
    case 'topics':
    case 'classify':
      return [tallyFigure(page, task.tally, { heading: "Each document's top label", key: 'Label', keys: 'labels', unit: 'documents' })];
    case 'entities':
      return [tallyFigure(page, task.tally, { heading: 'Mentions per type', key: 'Type', keys: 'types', unit: 'mentions' }), ...(task.entities ? [entityTable(task.entities)] : [])];
    case 'pii':
      return [tallyFigure(page, task.tally, { heading: 'Findings per type', key: 'Type', keys: 'types', unit: 'findings' })];
    case 'language':
      return [tallyFigure(page, task.tally, { heading: 'Documents per language', key: 'Language', keys: 'languages', unit: 'documents', name: languageWithName })];
    case 'qa':
      return [tallyFigure(page, task.tally, { heading: 'Answers', key: 'Documents', keys: 'answers', unit: 'documents' })];
  }
}

/** Bars in a count chart. */
const CHART_BARS = 15;

/** "de (German)"; a tag the runtime cannot name stays as it is. */
function languageWithName(tag: string): string {
  try {
    const name = languageName(tag);
    return name === tag ? tag : `${tag} (${name})`;
  } catch {
    return tag;
  }
}

interface TallyOptions {
  heading: string;
  /** The first column's heading, and what its rows are, in the plural. */
  key: string;
  keys: string;
  /** What is counted, in the plural. */
  unit: string;
  colours?: (labels: string[]) => ColourKey[];
  name?: (key: string) => string;
}

/** A bar chart and, beside it, the table of the same counts with each one's share. */
function tallyFigure(page: Page, tally: Tally, options: TallyOptions): string {
  if (tally.total === 0) return `<h3>${text(options.heading)}</h3>\n<p>No ${text(options.unit)}.</p>`;
  const names = tally.rows.map((row) => printableProse(options.name ? options.name(row.key) : row.key));
  const rows = tally.rows.map((row, i) => [text(names[i]), number(row.count), share(row.count, tally.total)]);
  if (tally.others > 0) rows.push(['<em>others</em>', number(tally.others), share(tally.others, tally.total)]);
  // The chart shows the largest few, legibly; the table has them all.
  const charted = tally.rows.slice(0, CHART_BARS);
  const colours = options.colours?.(charted.map((row) => row.key)) ?? charted.map((_, i) => paletteColour(i));
  const values = charted.map((row) => row.count);
  const chart = page.chart({ kind: 'count', labels: names.slice(0, CHART_BARS), series: [{ name: options.unit, values, colours }] }, `Bar chart: ${options.heading}`);
  return `<h3>${text(options.heading)}</h3>
<div class="pair">
${chart}
${table(options.heading, [options.key, capitalised(options.unit), 'Share'], rows, [1, 2])}
</div>
${droppedNote(tally.dropped, options.keys)}`;
}

function timelineFigure(page: Page, timeline: Timeline): string {
  const labels = timeline.labels.map((label) => printableProse(label));
  const colours = sentimentColours(timeline.labels);
  const series = labels.map((name, i) => ({
    name,
    values: timeline.buckets.map((b) => (b.total ? b.counts[i] / b.total : 0)),
    colours: [colours[i]],
  }));
  const chart = timeline.buckets.length
    ? page.chart({ kind: 'share', labels: timeline.buckets.map((b) => b.start), series }, `Stacked bar chart: the share of each sentiment label per ${timeline.unit}`)
    : '';
  const rows = timeline.buckets.map((b) => [
    text(b.start),
    ...b.counts.map((count) => (b.total ? `${share(count, b.total)} <span class="count">(${number(count)})</span>` : '–')),
    number(b.total),
  ]);
  const unparsed =
    timeline.unparsed === 0
      ? ''
      : `<p class="warning">${counted(timeline.unparsed, 'date')} did not parse and ${timeline.unparsed === 1 ? 'is' : 'are'} left out of this chart (dates are read as ISO 8601: 2024-03-05 or 2024-03-05T14:30:00Z), such as ${timeline.unparsedExamples.map((d) => `<code>${text(d)}</code>`).join(', ')}.</p>`;
  const perUnit = timeline.unit === 'week' ? 'week (starting on Monday)' : timeline.unit;
  return `<h3>Sentiment over time, per ${perUnit}</h3>
<p>${counted(timeline.dated, 'dated document')}.</p>
${unparsed}
<div class="pair">
${chart}
${table(`The share of each label per ${timeline.unit}`, [capitalised(timeline.unit), ...labels.map(text), 'Documents'], rows, [...labels.map((_, i) => i + 1), labels.length + 1], true)}
</div>
${droppedNote(timeline.dropped, '(day, label) pairs')}`;
}

function entityTable(entities: EntityTable): string {
  if (entities.rows.length === 0) return '';
  const rows = entities.rows.map((e) => [text(e.type), text(e.text), number(e.mentions), number(e.documents), e.ids.map((id) => `<code>${text(id)}</code>`).join(', ')]);
  return `<h3>Most mentioned entities</h3>
<p>The ${number(entities.rows.length)} most mentioned of ${counted(entities.distinct, 'distinct entity', 'distinct entities')} (by type and text, whatever the case), with up to 5 documents that mention each.</p>
${table('Most mentioned entities', ['Type', 'Entity', 'Mentions', 'Documents', 'Mentioned in (the first 5)'], rows, [2, 3])}
${droppedNote(entities.dropped, 'entities')}`;
}

/** Said when a table reached its cap of distinct keys, so nobody reads a low count as exact. */
function droppedNote(dropped: Dropped, what: string): string {
  if (dropped.keys === 0) return '';
  return `<p class="warning">More than ${number(dropped.cap)} distinct ${what}: ${number(dropped.keys)} of the rarest (each seen at most ${counted(dropped.maxCount, 'time')} by then) were dropped while reading to keep memory bounded, so counts up to ${number(dropped.maxCount)} may be low.</p>`;
}

/** A table of HTML cells (`head` and `rows` are HTML: outside text in them has gone through {@link text}); `numeric` columns align right. */
function table(caption: string, head: string[], rows: string[][], numeric: number[] = [], scrolls = false): string {
  const cell = (html: string, i: number, tag: 'td' | 'th') => `<${tag}${numeric.includes(i) ? ' class="num"' : ''}>${html}</${tag}>`;
  return `<div class="table${scrolls ? ' scrolls' : ''}"><table>
<caption>${text(caption)}</caption>
<thead><tr>${head.map((html, i) => cell(html, i, 'th')).join('')}</tr></thead>
<tbody>
${rows.map((row) => `<tr>${row.map((html, i) => cell(html, i, 'td')).join('')}</tr>`).join('\n')}
</tbody>
</table></div>`;
}

/** Polarity colours for sentiment labels by name, in any casing ("POSITIVE", "positive"); others take the palette. */
function sentimentColours(labels: string[]): ColourKey[] {
  let next = 0;
  return labels.map((label) => {
    const name = label.toLowerCase();
    if (name.startsWith('pos')) return 'positive';
    if (name.startsWith('neg')) return 'negative';
    if (name.startsWith('neu')) return 'neutral';
    return paletteColour(next++);
  });
}

function paletteColour(i: number): ColourKey {
  return `c${(i % 8) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`;
}

function title(task: TaskReport): string {
  return text(REGISTRY[task.task].title);
}

/** Outside text as inert HTML: control and bidirectional characters shown as escapes, then HTML-escaped. */
function text(value: string): string {
  return printableProse(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function number(n: number): string {
  return n.toLocaleString('en');
}

function share(count: number, total: number): string {
  return total > 0 ? `${((count / total) * 100).toFixed(1)}%` : '–';
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** `'sha256-…'` for a CSP: the hash of the element's text exactly as the browser will see it. */
function hashSource(content: string): string {
  return `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`;
}

let chartSource: string | undefined;

/**
 * Chart.js's UMD build, read once from node_modules where it is installed, not bundled. The
 * package exports no dist file (nor its package.json), so the file is looked for in the folders
 * `require.resolve` searches: only that one file need ship beside dist/cli.js. Its source-map
 * comment is cut, which would make a browser's developer tools fetch a file; CR LF is made LF,
 * as the HTML parser does before the browser hashes the script.
 */
function chartLibrary(): string {
  if (chartSource !== undefined) return chartSource;
  const file = (require.resolve.paths('chart.js') ?? []).map((dir) => join(dir, 'chart.js', 'dist', 'chart.umd.min.js')).find((path) => existsSync(path));
  if (!file) throw new Error('Chart.js is missing (node_modules/chart.js/dist/chart.umd.min.js), which the report page needs: reinstall text-analytics (npm ci in a checkout).');
  const source = readFileSync(file, 'utf8')
    .replace(/\r\n?/g, '\n')
    .replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  // Either would end the inline <script> early or change how it is parsed.
  if (/<\/script|<!--/i.test(source)) throw new Error(`${file} contains </script or <!--: it cannot be inlined in the report page as it is.`);
  chartSource = source;
  return source;
}

/** Light and dark by the reader's setting; the charts take their colours from these properties. */
const PAGE_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --grid: #d1d9e0; --stripe: #f6f8fa; --warn: #7d4e00;
  --positive: #116329; --negative: #a1260d; --neutral: #6e7781;
  --c0: #0969da; --c1: #bc4c00; --c2: #1a7f37; --c3: #8250df; --c4: #bf3989; --c5: #0598bc; --c6: #9a6700; --c7: #57606a;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --grid: #3d444d; --stripe: #151b23; --warn: #d29922;
    --positive: #73c991; --negative: #f48771; --neutral: #b0b0b0;
    --c0: #58a6ff; --c1: #ffa657; --c2: #56d364; --c3: #bc8cff; --c4: #ff7eb6; --c5: #39c5cf; --c6: #e3b341; --c7: #9198a1;
  }
}
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, sans-serif; }
h1 { font-size: 1.5rem; overflow-wrap: anywhere; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--grid); }
h3 { margin-top: 1.5rem; }
code { font-family: ui-monospace, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 360px), 1fr)); gap: 1.5rem; align-items: start; }
.chart { position: relative; height: 300px; min-width: 0; }
.table { min-width: 0; overflow-x: auto; }
.table.scrolls { max-height: 360px; overflow-y: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.25rem; color: var(--muted); }
th, td { text-align: left; padding: 0.2rem 0.6rem; border-bottom: 1px solid var(--grid); vertical-align: top; overflow-wrap: anywhere; }
th { position: sticky; top: 0; background: var(--bg); }
tbody tr:nth-child(even) { background: var(--stripe); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.count { color: var(--muted); }
.warning { color: var(--warn); }
`;

/**
 * Draws every chart of the data block with Chart.js, in the page's colours, and again when the
 * reader switches between light and dark. Static: it is hashed into the page's CSP.
 */
const PAGE_SCRIPT = `
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  // Read on the body, where a VS Code webview's theme sets them (the file page sets them on :root, which the body inherits).
  const colour = (key) => getComputedStyle(document.body).getPropertyValue('--' + key).trim();
  const charts = [];
  const percent = (value) => (value * 100).toFixed(0) + '%';
  function config(spec) {
    const share = spec.kind === 'share';
    return {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: spec.series.map((s) => ({
          label: s.name,
          data: s.values,
          backgroundColor: s.colours.map(colour),
          borderWidth: 0,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: share ? 'x' : 'y',
        plugins: {
          legend: { display: share, labels: { color: colour('fg') } },
          tooltip: share ? { callbacks: { label: (item) => item.dataset.label + ': ' + percent(item.raw) } } : {},
        },
        scales: {
          x: { stacked: share, ticks: { color: colour('fg') }, grid: { color: colour('grid') } },
          y: { stacked: share, max: share ? 1 : undefined, ticks: share ? { color: colour('fg'), callback: percent } : { color: colour('fg') }, grid: { color: colour('grid') } },
        },
      },
    };
  }
  for (const spec of data.charts) {
    const canvas = document.getElementById(spec.canvas);
    if (canvas) charts.push({ chart: new Chart(canvas, config(spec)), spec });
  }
  function recolour() {
    for (const entry of charts) {
      const next = config(entry.spec);
      entry.chart.data.datasets.forEach((dataset, i) => { dataset.backgroundColor = next.data.datasets[i].backgroundColor; });
      entry.chart.options = next.options;
      entry.chart.update();
    }
  }
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', recolour);
  // In a VS Code webview a theme change sets the body's class and the root's --vscode-* properties.
  new MutationObserver(recolour).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  new MutationObserver(recolour).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  document.documentElement.dataset.chartsDrawn = String(charts.length);
})();
`;

/**
 * In a VS Code webview: the page's colours from the editor's theme (the webview sets `--vscode-*`
 * on the root and the theme's kind as the body's class), whatever the system's light or dark; the
 * fallbacks are the file page's light colours. The charts read these on the body.
 */
const WEBVIEW_STYLE = `
body {
  color-scheme: light;
  --bg: var(--vscode-editor-background, #ffffff); --fg: var(--vscode-editor-foreground, #1f2328);
  --muted: var(--vscode-descriptionForeground, #59636e); --grid: var(--vscode-panel-border, #d1d9e0);
  --stripe: var(--vscode-textBlockQuote-background, #f6f8fa); --warn: var(--vscode-editorWarning-foreground, #7d4e00);
  --positive: var(--vscode-charts-green, #116329); --negative: var(--vscode-charts-red, #a1260d); --neutral: var(--vscode-descriptionForeground, #6e7781);
  --c0: var(--vscode-charts-blue, #0969da); --c1: var(--vscode-charts-orange, #bc4c00); --c2: var(--vscode-charts-green, #1a7f37); --c3: var(--vscode-charts-purple, #8250df);
  --c4: var(--vscode-charts-red, #bf3989); --c5: var(--vscode-charts-yellow, #9a6700); --c6: var(--vscode-terminal-ansiCyan, #0598bc); --c7: var(--vscode-descriptionForeground, #57606a);
  font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px);
}
body.vscode-dark, body.vscode-high-contrast:not(.vscode-high-contrast-light) { color-scheme: dark; }
header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.5rem 1rem; }
.actions { display: flex; gap: 0.5rem; }
.actions button {
  font: inherit; padding: 0.25rem 0.8rem; border-radius: 2px; cursor: pointer;
  color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: 1px solid var(--vscode-button-border, transparent);
}
.actions button:hover { background: var(--vscode-button-hoverBackground); }
.actions button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
`;

/**
 * In a VS Code webview: the header's buttons post their action to the extension. VS Code defines
 * `acquireVsCodeApi` in a script of its own placed before the page's policy, so it runs.
 */
const WEBVIEW_SCRIPT = `
(() => {
  'use strict';
  const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
  for (const button of document.querySelectorAll('button[data-action]')) {
    button.addEventListener('click', () => vscode && vscode.postMessage({ type: 'action', action: button.dataset.action }));
  }
})();
`;
