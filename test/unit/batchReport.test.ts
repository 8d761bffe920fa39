/**
 * `text-analytics report`: results files of every task summed (src/batch/report.ts) and the page
 * made of them (src/batch/reportHtml.ts). The results files are generated here, and what each
 * summary must say is counted from the generated records by the test itself. The last part opens
 * the page in headless Chromium (playwright-core): it must draw every chart under its own CSP,
 * reach nothing but its own file, and run nothing that the documents said. Without Chromium that
 * part is skipped, loudly, except under CI=true, where it fails.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { InputError } from '../../src/cliInput';
import { OutputFailed } from '../../src/cliOutput';
import { dayNumber, NO_LABEL, REPORT_LIMITS, reportLine, summarize, writeReport, type ReportData, type TaskReport } from '../../src/batch/report';
import { reportHtml } from '../../src/batch/reportHtml';
import { seededRandom } from '../seededRandom';

const dir = mkdtempSync(join(tmpdir(), 'text-analytics-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Line = Record<string, unknown>;
let fileCount = 0;

/** A results file of these lines (objects as JSON, strings as they are), as batch writes it. */
function resultsFile(lines: (Line | string)[]): string {
  const file = join(dir, `results-${++fileCount}.jsonl`);
  writeFileSync(file, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
  return file;
}

const MODEL = { model: { id: 'fixture/model' }, device: { used: 'cpu' }, schemaVersion: 2 };

function taskOf(data: ReportData, task: TaskReport['task']): TaskReport {
  const found = data.tasks.find((t) => t.task === task);
  assert.ok(found, `no ${task} in the report: ${data.tasks.map((t) => t.task).join(', ')}`);
  return found;
}

function tallyOf(report: TaskReport): Record<string, number> {
  return Object.fromEntries(report.tally.rows.map((row) => [row.key, row.count]));
}

/** How often each value occurs. */
function countsOf(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

const isoDay = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

describe('summarize', () => {
  test('sentiment: labels per document, the model label of multi-class models, and errors with their sources', async () => {
    const next = seededRandom(7);
    const polarities = ['POSITIVE', 'NEGATIVE', 'NEUTRAL'];
    const binary = Array.from({ length: 120 }, (_, i) => ({ id: `doc-${i}`, label: polarities[Math.floor(next() * 3)] }));
    // A five-star model: --json prints the polarity as label and the model's own labels, best first.
    const stars = Array.from({ length: 30 }, (_, i) => ({ id: `review-${i}`, star: `${1 + Math.floor(next() * 5)} stars` }));
    const lines: Line[] = [
      ...binary.map(({ id, label }) => ({ id, source: `docs/${id}.md`, task: 'sentiment', result: { document: { label, score: 0.8 }, sentences: [], ...MODEL } })),
      ...stars.map(({ id, star }, i) => ({
        id,
        source: `reviews.csv:${i + 2}`,
        task: 'sentiment',
        result: { document: { label: 'POSITIVE', score: 0.6, labels: [{ label: star, score: 0.6 }, { label: 'other', score: 0.4 }], stars: 3.5 }, sentences: [], ...MODEL },
      })),
      { id: 'broken', source: 'docs/broken.md', task: 'sentiment', error: 'docs/broken.md looks like a binary file; give a text file.' },
      { source: 'reviews.csv:99', id: 'reviews.csv:99', task: 'sentiment', error: 'The text is blank.' },
    ];
    const data = await summarize([resultsFile(lines)]);
    const sentiment = taskOf(data, 'sentiment');
    assert.equal(sentiment.results, binary.length + stars.length);
    assert.equal(sentiment.errors, 2);
    assert.equal(sentiment.documents, binary.length + stars.length + 2);
    assert.deepEqual(tallyOf(sentiment), countsOf([...binary.map((b) => b.label), ...stars.map((s) => s.star)]));
    assert.equal(sentiment.tally.total, binary.length + stars.length);
    assert.deepEqual(sentiment.errorExamples, [
      { id: 'broken', source: 'docs/broken.md', error: 'docs/broken.md looks like a binary file; give a text file.' },
      { id: 'reviews.csv:99', source: 'reviews.csv:99', error: 'The text is blank.' },
    ]);
    assert.equal(sentiment.timeline, undefined, 'no line has a date');
    assert.equal(data.unreadable, 0);
  });

  test('sentiment over time: a day per bucket over weeks, a week (from Monday) over months, a month over years; bad dates counted', async () => {
    const next = seededRandom(11);
    for (const { spanDays, unit } of [
      { spanDays: 40, unit: 'day' },
      { spanDays: 300, unit: 'week' },
      { spanDays: 3 * 365, unit: 'month' },
    ]) {
      const first = dayNumber('2023-05-17') as number;
      const docs = Array.from({ length: 200 }, (_, i) => ({
        day: i === 0 ? first : i === 1 ? first + spanDays : first + Math.floor(next() * spanDays),
        label: next() < 0.6 ? 'POSITIVE' : 'NEGATIVE',
      }));
      const bad = ['2023-02-30', '05/17/2023', 'yesterday'];
      const lines: Line[] = [
        ...docs.map(({ day, label }, i) => ({ id: `d${i}`, source: `d${i}.txt`, task: 'sentiment', date: i % 2 ? isoDay(day) : `${isoDay(day)}T23:30:00-05:00`, result: { document: { label, score: 0.9 }, sentences: [] } })),
        ...bad.map((date, i) => ({ id: `bad${i}`, source: `bad${i}.txt`, task: 'sentiment', date, result: { document: { label: 'NEUTRAL', score: 0.9 }, sentences: [] } })),
      ];
      const timeline = taskOf(await summarize([resultsFile(lines)]), 'sentiment').timeline;
      assert.ok(timeline);
      assert.equal(timeline.unit, unit);
      assert.equal(timeline.dated, docs.length);
      assert.equal(timeline.unparsed, bad.length);
      assert.deepEqual(timeline.unparsedExamples, bad);

      // Bucketed here another way: by the calendar (the weekday from Date, the month from the ISO text).
      const bucketOf = (day: number): string => {
        if (unit === 'day') return isoDay(day);
        if (unit === 'week') return isoDay(day - ((new Date(day * 86_400_000).getUTCDay() + 6) % 7));
        return isoDay(day).slice(0, 7);
      };
      const expected = new Map<string, Record<string, number>>();
      for (const { day, label } of docs) {
        const bucket = expected.get(bucketOf(day)) ?? {};
        bucket[label] = (bucket[label] ?? 0) + 1;
        expected.set(bucketOf(day), bucket);
      }
      const shown = new Map(timeline.buckets.filter((b) => b.total > 0).map((b) => [b.start, Object.fromEntries(timeline.labels.map((l, i): [string, number] => [l, b.counts[i]]).filter(([, n]) => n > 0))]));
      assert.deepEqual(shown, expected);
      // Every bucket between the first and the last is there, empty or not, in order.
      const starts = timeline.buckets.map((b) => b.start);
      assert.equal(starts[0], bucketOf(first));
      assert.equal(starts.at(-1), bucketOf(first + spanDays));
      assert.deepEqual(starts, [...starts].sort());
      assert.equal(new Set(starts).size, starts.length);
      if (unit === 'week') for (const start of starts) assert.equal(new Date(`${start}T00:00:00Z`).getUTCDay(), 1, `${start} is a Monday`);
    }
  });

  test('entities: the most mentioned, whatever their case, with the documents that mention them', async () => {
    const next = seededRandom(3);
    const names = [
      { type: 'LOC', forms: ['Berlin', 'BERLIN', 'berlin'] },
      { type: 'ORG', forms: ['Acme Corp', 'ACME CORP'] },
      { type: 'PER', forms: ['Ada Lovelace'] },
      { type: 'LOC', forms: ['Paris'] },
      // The same text as another type is another entity.
      { type: 'PER', forms: ['Paris'] },
    ];
    const docs = Array.from({ length: 60 }, (_, i) => ({
      id: `article-${i}`,
      entities: Array.from({ length: Math.floor(next() * 4) }, () => {
        const name = names[Math.floor(next() * names.length)];
        return { type: name.type, text: name.forms[Math.floor(next() * name.forms.length)] };
      }),
    }));
    const lines: Line[] = docs.map(({ id, entities }) => ({
      id,
      source: `news/${id}.md`,
      task: 'entities',
      result: { entities: entities.map((e, i) => ({ start: i * 10, end: i * 10 + e.text.length, text: e.text, type: e.type, score: 0.99 })), ...MODEL },
    }));
    const entities = taskOf(await summarize([resultsFile(lines)]), 'entities');
    assert.equal(entities.results, docs.length);
    assert.deepEqual(tallyOf(entities), countsOf(docs.flatMap((d) => d.entities.map((e) => e.type))));
    const table = entities.entities;
    assert.ok(table);
    const key = (e: { type: string; text: string }) => `${e.type} ${e.text.toLowerCase()}`;
    const mentions = countsOf(docs.flatMap((d) => d.entities.map(key)));
    assert.equal(table.distinct, Object.keys(mentions).length);
    assert.deepEqual(Object.fromEntries(table.rows.map((row) => [key(row), row.mentions])), mentions);
    for (const row of table.rows) {
      const mentioning = docs.filter((d) => d.entities.some((e) => key(e) === key(row)));
      assert.equal(row.documents, mentioning.length, key(row));
      assert.deepEqual(row.ids, mentioning.slice(0, 5).map((d) => d.id), key(row));
      // Shown as first seen.
      assert.equal(row.text, mentioning[0].entities.find((e) => key(e) === key(row))?.text);
    }
    const counts = table.rows.map((row) => row.mentions);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'most mentioned first');
  });

  test('topics and classify: top labels; pii: findings per type; language: documents per language; qa: answered', async () => {
    const next = seededRandom(5);
    const topicLabels = ['sports', 'business', 'politics'];
    const scoresOf = (labels: string[]) => labels.map((label) => ({ label, score: Math.round(next() * 1000) / 1000 }));
    const topics = Array.from({ length: 50 }, () => scoresOf(topicLabels));
    const classified = Array.from({ length: 40 }, (_, i) => (i % 10 === 0 ? [] : scoresOf(['spam', 'ham'])));
    const piiTypes = ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD'];
    const findings = Array.from({ length: 30 }, () => Array.from({ length: Math.floor(next() * 3) }, () => piiTypes[Math.floor(next() * 3)]));
    const languages = Array.from({ length: 25 }, () => ['en', 'de', 'fr', 'und'][Math.floor(next() * 4)]);
    const answers = Array.from({ length: 12 }, () => next() < 0.5);
    const top = (scores: { label: string; score: number }[]) => [...scores].sort((a, b) => b.score - a.score)[0]?.label ?? NO_LABEL;
    const lines: Line[] = [
      // Not necessarily best first: the top label is the highest score.
      ...topics.map((scores, i) => ({ id: `t${i}`, source: `t${i}.md`, task: 'topics', result: { document: scores, sections: [], ...MODEL } })),
      ...classified.map((labels, i) => ({ id: `c${i}`, source: `c.csv:${i + 2}`, task: 'classify', result: { document: { labels }, items: [], level: 'document', multiLabel: true, ...MODEL } })),
      ...findings.map((types, i) => ({ id: `p${i}`, source: `p${i}.txt`, task: 'pii', result: { entities: types.map((type) => ({ start: 0, end: 1, text: 'x', type, score: 1, source: 'pattern' })), models: [], ...MODEL } })),
      ...languages.map((language, i) => ({ id: `l${i}`, source: `l${i}.txt`, task: 'language', result: { document: { language, share: 1 }, languages: [], paragraphs: [], ...MODEL } })),
      ...answers.map((answered, i) => ({ id: `q${i}`, source: `q${i}.txt`, task: 'ask', result: { answers: answered ? [{ start: 0, end: 2, text: 'It', score: 0.5 }] : [], ...MODEL } })),
    ];
    const data = await summarize([resultsFile(lines)]);
    assert.deepEqual(data.tasks.map((t) => t.task), ['topics', 'qa', 'classify', 'pii', 'language'], 'in the registry order');
    assert.deepEqual(tallyOf(taskOf(data, 'topics')), countsOf(topics.map(top)));
    assert.deepEqual(tallyOf(taskOf(data, 'classify')), countsOf(classified.map(top)));
    assert.deepEqual(tallyOf(taskOf(data, 'pii')), countsOf(findings.flat()));
    assert.equal(taskOf(data, 'pii').results, findings.length);
    assert.deepEqual(tallyOf(taskOf(data, 'language')), countsOf(languages));
    assert.deepEqual(tallyOf(taskOf(data, 'qa')), countsOf(answers.map((a) => (a ? 'answered' : 'no confident answer'))));
  });

  test('lines that are not result lines are counted as unreadable, with where and why, and the rest is read', async () => {
    const good: Line = { id: 'a', source: 'a.txt', task: 'sentiment', result: { document: { label: 'POSITIVE', score: 1 } } };
    const bad = [
      '{"id": "cut off", "source": "x", "task": "senti',
      '[1, 2, 3]',
      JSON.stringify({ id: 'b', source: 'b.txt', task: 'summarize', result: {} }),
      JSON.stringify({ id: 'c', source: 'c.txt', result: { document: { label: 'POSITIVE' } } }),
      JSON.stringify({ id: 'd', source: 'd.txt', task: 'sentiment' }),
      JSON.stringify({ id: 'e', source: 'e.txt', task: 'sentiment', result: { document: {} } }),
    ];
    const first = resultsFile([good, '', ...bad.slice(0, 3)]);
    // A byte-order mark and CRLF line ends, as an editor on Windows may save it.
    const second = join(dir, 'windows.jsonl');
    writeFileSync(second, `\uFEFF${[...bad.slice(3), JSON.stringify(good)].join('\r\n')}\r\n`);
    const data = await summarize([first, second]);
    assert.equal(data.lines, 2 + bad.length);
    assert.equal(data.unreadable, bad.length);
    assert.deepEqual(
      data.unreadableExamples.map((u) => u.source),
      [`${first}:3`, `${first}:4`, `${first}:5`, `${second}:1`, `${second}:2`, `${second}:3`],
    );
    assert.match(data.unreadableExamples[0].why, /not JSON/);
    assert.match(data.unreadableExamples[2].why, /unknown task "summarize"/);
    assert.equal(taskOf(data, 'sentiment').results, 2);
    assert.match(reportLine(data, 'report.html'), /^Wrote report\.html: 2 documents \(sentiment 2\), 0 errors, 6 unreadable lines/);
  });

  test('past the cap of distinct entities the rarest are dropped, the frequent ones stay exact, and the page says so', async () => {
    const cap = REPORT_LIMITS.entityKeys;
    const frequent = { type: 'ORG', text: 'Acme' };
    const lines: Line[] = [];
    let unique = 0;
    // The frequent entity in every line, among enough one-off entities to pass the cap twice.
    for (let i = 0; i < 40; i++) {
      const entities = [frequent, ...Array.from({ length: Math.ceil((cap * 2) / 40) }, () => ({ type: 'MISC', text: `thing ${unique++}` }))];
      lines.push({ id: `big-${i}`, source: `big-${i}.txt`, task: 'entities', result: { entities } });
    }
    const data = await summarize([resultsFile(lines)]);
    const table = taskOf(data, 'entities').entities;
    assert.ok(table);
    assert.ok(table.distinct <= cap, `${table.distinct} kept`);
    assert.equal(table.dropped.keys, unique + 1 - table.distinct, 'every entity is kept or dropped');
    assert.equal(table.dropped.maxCount, 1);
    assert.deepEqual(table.rows[0], { type: 'ORG', text: 'Acme', mentions: 40, documents: 40, ids: ['big-0', 'big-1', 'big-2', 'big-3', 'big-4'] });
    const page = reportHtml(data, { title: 'Big', generated: new Date() });
    assert.match(page, new RegExp(`More than ${cap.toLocaleString('en')} distinct entities: ${table.dropped.keys.toLocaleString('en')} of the rarest`));
  });

  test('a missing results file or a folder is said at once, in one line', async () => {
    const present = resultsFile([]);
    await assert.rejects(summarize([present, join(dir, 'missing.jsonl')]), (error: Error) => error instanceof InputError && /^Cannot read .*missing\.jsonl: no such file\. Give the results file/.test(error.message));
    await assert.rejects(summarize([dir]), (error: Error) => error instanceof InputError && /it is a folder/.test(error.message));
  });
});

describe('dayNumber', () => {
  test('reads ISO 8601 dates and date-times as the calendar day written, and nothing else', () => {
    const day = dayNumber('2024-03-05') as number;
    assert.equal(isoDay(day), '2024-03-05');
    for (const same of ['2024-03-05T23:59:59Z', '2024-03-05T23:30:00-05:00', '2024-03-05 08:00', '2024-03-05T00:00:00.123+0900']) assert.equal(dayNumber(same), day, same);
    for (const bad of ['2024-02-30', '2023-02-29', '2024-13-01', '03/05/2024', '5 March 2024', '2024-3-5', '', '2024-03-05Tnoon']) assert.equal(dayNumber(bad), undefined, bad);
    assert.equal(isoDay(dayNumber('2024-02-29') as number), '2024-02-29');
  });
});

describe('writeReport', () => {
  test('writes the page whole, leaving no temporary file, and a folder that does not exist is a one-line error', async () => {
    const results = resultsFile([{ id: 'a', source: 'a.txt', task: 'sentiment', result: { document: { label: 'NEGATIVE', score: 1 } } }]);
    const out = mkdtempSync(join(dir, 'out-'));
    const page = join(out, 'report.html');
    const data = await writeReport([results], page);
    assert.equal(taskOf(data, 'sentiment').results, 1);
    assert.deepEqual(readdirSync(out), ['report.html']);
    const html = readFileSync(page, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<\/html>\n$/);
    await assert.rejects(writeReport([results], join(out, 'no-such-folder', 'report.html')), (error: Error) => error instanceof OutputFailed && /^Cannot write .*report\.html: no such folder\.$/.test(error.message));
    assert.deepEqual(readdirSync(out), ['report.html']);
  });
});

// ---- The page -------------------------------------------------------------------------------

/** Strings that would run, or reorder what is shown, if the page used them as markup. */
const HOSTILE = {
  script: '</script><script>window.pwned = "script"</script>',
  img: '<img src=x onerror="window.pwned = \'img\'">',
  bidi: 'invoice\u202Efdp.exe',
  comment: '<!--<script>window.pwned = "comment"</script>',
};

/** One results file with every task, hostile strings in ids, sources, texts, labels, languages and errors. */
function hostileResults(): string {
  const lines: Line[] = [];
  const dates = ['2024-01-03', '2024-01-10', '2024-02-14', 'not a date'];
  Object.values(HOSTILE).forEach((hostile, i) => {
    const id = `${hostile} ${i}`;
    const common = { id, source: `${hostile}.md` };
    lines.push(
      { ...common, task: 'sentiment', date: dates[i], result: { document: { label: i % 2 ? 'POSITIVE' : 'NEGATIVE', score: 0.9 } } },
      { ...common, task: 'sentiment', date: dates[(i + 1) % 4], result: { document: { label: 'NEUTRAL', score: 0.5, labels: [{ label: hostile, score: 0.5 }] } } },
      { ...common, task: 'entities', result: { entities: [{ type: 'PER', text: hostile }, { type: hostile, text: 'Berlin' }] } },
      { ...common, task: 'topics', result: { document: [{ label: hostile, score: 0.7 }, { label: 'sports', score: 0.3 }] } },
      { ...common, task: 'classify', result: { document: { labels: [{ label: hostile, score: 0.7 }] } } },
      { ...common, task: 'pii', result: { entities: [{ type: hostile, text: 'x' }, { type: 'EMAIL_ADDRESS', text: 'a@b.c' }] } },
      { ...common, task: 'language', result: { document: { language: hostile, share: 1 } } },
      { ...common, task: 'qa', result: { answers: [] } },
      { ...common, task: 'sentiment', error: `failed on ${hostile}` },
    );
  });
  return resultsFile([...lines, HOSTILE.script]);
}

describe('reportHtml', () => {
  test('document strings are text: escaped in the tables, <-free in the JSON, bidi controls shown as escapes', async () => {
    const data = await summarize([hostileResults()]);
    const html = reportHtml(data, { title: HOSTILE.img, generated: new Date('2024-05-01T12:00:00Z') });
    // The only elements are the page's own: its three scripts, no img, no comment opened by the data.
    assert.equal(html.match(/<script\b/gi)?.length, 3);
    assert.equal(html.match(/<img\b/gi), null);
    assert.equal(html.match(/<!--/g), null);
    assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;window.pwned = &quot;script&quot;&lt;/script&gt;'));
    assert.ok(!html.includes('\u202E'), 'a bidi override reaches the page');
    assert.ok(html.includes('invoice\\u{202e}fdp.exe'));
    const json = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)?.[1];
    assert.ok(json !== undefined && !json.includes('<'));
    const charted = JSON.parse(json) as { charts: { labels: string[] }[] };
    assert.ok(charted.charts.some((chart) => chart.labels.includes(HOSTILE.script)));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
    assert.match(csp, /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]{43}=' 'sha256-[A-Za-z0-9+/]{43}='; style-src 'sha256-[A-Za-z0-9+/]{43}='; img-src data:$/);
    assert.match(html, /<title>&lt;img src=x onerror=&quot;window.pwned = &#39;img&#39;&quot;&gt;<\/title>/);
  });
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Outside CI a missing Chromium skips the browser tests, loudly; under CI=true they run and fail. */
function browserSkipReason(): string | false {
  if (existsSync(CHROMIUM) || isCI()) return false;
  process.stderr.write(`\n${'!'.repeat(100)}\n!! REPORT PAGE BROWSER TESTS SKIPPED: no Chromium at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.\n${'!'.repeat(100)}\n\n`);
  return `no Chromium at ${CHROMIUM}`;
}

/** Run in the page: each canvas, its size and how many of its pixels are painted. Strings, not functions: tsx adds helpers that the page lacks. */
const CANVASES = String.raw`[...document.querySelectorAll('canvas')].map((canvas) => {
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  return { id: canvas.id, width: canvas.width, height: canvas.height, painted };
})`;
const EVIDENCE = String.raw`({
  pwned: window.pwned,
  images: document.images.length,
  scripts: document.scripts.length,
  handlers: [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => e.tagName + ' ' + a.name)),
  violations: window.__violations,
  text: document.body.innerText,
  background: getComputedStyle(document.body).backgroundColor,
})`;
const WATCH_VIOLATIONS = String.raw`window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.violatedDirective + ' ' + event.blockedURI));`;

describe('the report page in Chromium', { skip: browserSkipReason() }, () => {
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`${colorScheme}: loads from file:// under its CSP, draws every chart, reaches nothing else and runs nothing from the documents`, async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (CI=true): install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
      browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
      const page = join(mkdtempSync(join(dir, 'page-')), 'report.html');
      await writeReport([hostileResults()], page);
      const url = pathToFileURL(page).href;
      const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 900 } });
      try {
        const tab = await context.newPage();
        const requests: string[] = [];
        const problems: string[] = [];
        tab.on('request', (request) => requests.push(request.url()));
        tab.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning' || /Content Security Policy|Refused to/i.test(message.text())) problems.push(`[${message.type()}] ${message.text()}`);
        });
        tab.on('pageerror', (error) => problems.push(`[pageerror] ${error.message}`));
        await tab.addInitScript(WATCH_VIOLATIONS);
        await tab.goto(url);
        await tab.waitForFunction('document.documentElement.dataset.chartsDrawn !== undefined', undefined, { timeout: 20_000 });
        const canvases = (await tab.evaluate(CANVASES)) as { id: string; width: number; height: number; painted: number }[];
        const expected = (JSON.parse(/<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(readFileSync(page, 'utf8'))?.[1] ?? '{}') as { charts: unknown[] }).charts.length;
        // sentiment (labels and over time), entities, topics, classify, pii, language, qa.
        assert.equal(canvases.length, 8);
        assert.equal(canvases.length, expected);
        assert.equal(await tab.evaluate('document.documentElement.dataset.chartsDrawn'), String(expected));
        for (const canvas of canvases) {
          assert.ok(canvas.width > 0 && canvas.height > 0, `${canvas.id} has no size`);
          assert.ok(canvas.painted > 0.005 * canvas.width * canvas.height, `${canvas.id} is blank (${canvas.painted} pixels painted)`);
        }
        const evidence = (await tab.evaluate(EVIDENCE)) as { pwned: unknown; images: number; scripts: number; handlers: string[]; violations: string[]; text: string; background: string };
        assert.deepEqual(problems, [], 'console errors or CSP refusals');
        assert.deepEqual(evidence.violations, [], 'CSP violations');
        assert.deepEqual(requests, [url], 'requests other than the page');
        assert.equal(evidence.pwned, undefined, 'a document string ran');
        assert.equal(evidence.images, 0);
        assert.equal(evidence.scripts, 3);
        assert.deepEqual(evidence.handlers, []);
        for (const hostile of [HOSTILE.script, HOSTILE.img, HOSTILE.comment]) assert.ok(evidence.text.includes(hostile), `${hostile} is not shown as text`);
        assert.ok(evidence.text.includes('invoice\\u{202e}fdp.exe'));
        assert.match(evidence.text, /2 dates did not parse/);
        const [r, g, b] = (evidence.background.match(/\d+/g) ?? []).map(Number);
        const light = (r + g + b) / 3 > 128;
        assert.equal(light, colorScheme === 'light', `background ${evidence.background} in the ${colorScheme} scheme`);
      } finally {
        await context.close();
      }
    });
  }
});
