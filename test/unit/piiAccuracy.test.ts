import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import { test } from 'node:test';
import { isValidIBAN, electronicFormatIBAN } from 'ibantools';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import isCreditCard from 'validator/lib/isCreditCard';
import { recognize, resolveOverlaps } from '../../src/engine/pii/recognizers';
import { piiCorpus, scoreFindings, VALIDATED_TYPES, type PiiCorpus } from '../support/piiCorpus';

// Precision and recall of the recognizers alone (no model) on the seeded labelled corpus
// (test/support/piiCorpus.ts): every validated type must reach 0.99 on both, with exact offsets.
// A failure names the values missed and the findings that should not have been.

const corpus = piiCorpus(17);

/** What a user gets from the recognizers: the default types, overlaps resolved, as the engine does. */
function findings(text: string) {
  return resolveOverlaps(recognize(text, { phoneRegion: 'US', patterns: [], denyList: {} })).filter((f) => f.type !== 'DATE_TIME');
}

const GOAL = 0.99;

test('the corpus is what it says: exact spans, and every valid value passes the reference checks', () => {
  const again: PiiCorpus = piiCorpus(17);
  assert.equal(again.text, corpus.text, 'the same seed gives the same corpus');
  assert.notEqual(piiCorpus(18).text, corpus.text);
  assert.match(corpus.text, /\r\n/);
  assert.match(corpus.text, /[\u{1F300}-\u{1FAFF}]/u);
  assert.match(corpus.text, /[\u4E00-\u9FFF]/u);
  for (const span of [...corpus.spans, ...corpus.decoys]) assert.equal(corpus.text.slice(span.start, span.end), span.text);
  for (const type of VALIDATED_TYPES) assert.ok(corpus.spans.filter((s) => s.type === type).length >= 100, `${type}: at least 100 values`);
  for (const span of corpus.spans) {
    const check: Record<string, () => boolean> = {
      CREDIT_CARD: () => isCreditCard(span.text.replace(/[ -]/g, '')),
      IBAN_CODE: () => isValidIBAN(electronicFormatIBAN(span.text) ?? ''),
      PHONE_NUMBER: () => parsePhoneNumberFromString(span.text, 'US')?.isValid() === true,
      IP_ADDRESS: () => isIPv4(span.text) || isIPv6(span.text),
    };
    assert.ok(check[span.type]?.() ?? true, `${span.type} ${span.text} (${span.case}) passes the reference check`);
  }
  for (const decoy of corpus.decoys.filter((d) => /Luhn|check digits/.test(d.case))) {
    const digitsOnly = decoy.text.replace(/[ -]/g, '');
    assert.ok(!isCreditCard(digitsOnly) && !isValidIBAN(digitsOnly), `${decoy.text} (${decoy.case}) fails its checksum`);
  }
});

test(`the recognizers reach ${GOAL} precision and recall on every validated type, to the character`, { timeout: 60_000 }, () => {
  const scores = scoreFindings(corpus, findings(corpus.text));
  const failures = scores
    .filter((score) => score.precision < GOAL || score.recall < GOAL)
    .map((score) =>
      [
        `${score.type}: precision ${score.precision.toFixed(3)}, recall ${score.recall.toFixed(3)}`,
        ...score.missed.slice(0, 5).map((span) => `  missed ${JSON.stringify(span.text)} (${span.case})`),
        ...score.wrong.slice(0, 5).map(({ finding, case: why }) => `  reported ${JSON.stringify(finding.text)}: ${why}`),
      ].join('\n'),
    );
  assert.deepEqual(failures, [], `below ${GOAL}:\n${failures.join('\n')}`);
});

test('no checksum-invalid number and no look-alike is reported as anything', () => {
  const found = findings(corpus.text);
  const hits = corpus.decoys.filter((decoy) => found.some((f) => f.start < decoy.end && decoy.start < f.end)).map((decoy) => decoy.case);
  // Each kind of decoy at most once in a hundred.
  const counts = new Map<string, number>();
  for (const decoy of corpus.decoys) counts.set(decoy.case, (counts.get(decoy.case) ?? 0) + 1);
  const rate = new Map<string, number>();
  for (const why of hits) rate.set(why, (rate.get(why) ?? 0) + 1);
  const tooMany = [...rate].filter(([why, n]) => n / (counts.get(why) ?? 1) > 1 - GOAL).map(([why, n]) => `${why}: ${n} of ${counts.get(why)}`);
  assert.deepEqual(tooMany, []);
});
