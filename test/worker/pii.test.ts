import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WorkerClient, WorkerRequestError } from '../../src/client/workerClient';
import type { PiiParams, PiiResult } from '../../src/protocol';
import { fixtureModels, fixtureOptions, REPO } from '../helpers';

// Personal data through the bundled worker (dist/worker.js, built by `npm run build`), as the
// extension asks for it: the recognizers and the borrowed named-entity fixture model together, the
// recognizers alone, and a dedicated PII model beside or instead of the named-entity model.

const WORKER = join(REPO, 'dist', 'worker.js');

function client(t: { after(fn: () => void): void }): WorkerClient {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run \`npm run build\` first.`);
  const created = new WorkerClient({ workerPath: WORKER, engineOptions: fixtureOptions(), backoffMs: () => 50 });
  t.after(() => created.dispose());
  return created;
}

const params = (text: string, overrides: Partial<PiiParams> = {}): PiiParams => ({
  text,
  useModel: true,
  entitiesModel: true,
  minScore: 0.5,
  phoneRegion: 'US',
  patterns: [],
  denyList: {},
  allowList: [],
  ...overrides,
});

const shown = (result: PiiResult) => result.entities.map((e) => [e.text, e.type, e.source]);

function assertExact(text: string, result: PiiResult, offset = 0): void {
  let previousEnd = -1;
  for (const e of result.entities) {
    assert.equal(text.slice(e.start - offset, e.end - offset), e.text, `[${e.start}, ${e.end})`);
    assert.ok(e.start >= previousEnd, `sorted and non-overlapping at ${e.start}`);
    previousEnd = e.end;
  }
}

const TEXT = 'Angela Merkel 😀 wrote from 10.1.2.3 to ann@example.com,\r\ncard 4111 1111 1111 1111 — 東京 call +44 20 7946 0958.';

describe('personal data through the real worker', () => {
  test('people from the named-entity model and validated findings from the recognizers, in one list by start', async (t) => {
    const worker = client(t);
    const result = await worker.request('pii', params(TEXT));
    assert.deepEqual(shown(result), [
      ['Angela Merkel', 'PERSON', 'model'],
      ['10.1.2.3', 'IP_ADDRESS', 'pattern'],
      ['ann@example.com', 'EMAIL_ADDRESS', 'pattern'],
      ['4111 1111 1111 1111', 'CREDIT_CARD', 'pattern'],
      ['+44 20 7946 0958', 'PHONE_NUMBER', 'pattern'],
    ]);
    assertExact(TEXT, result);
    assert.equal(result.model?.task, 'entities');
    assert.equal(result.models.length, 1);
    assert.equal(result.device?.used, 'cpu');
  });

  test('useModel false loads no model: the recognizers alone, with no model and no device in the result', async (t) => {
    const worker = client(t);
    const result = await worker.request('pii', params(TEXT, { useModel: false }));
    assert.deepEqual(shown(result).map(([text]) => text), ['10.1.2.3', 'ann@example.com', '4111 1111 1111 1111', '+44 20 7946 0958']);
    assert.equal(result.model, null);
    assert.deepEqual(result.models, []);
    const info = await worker.request('info', {});
    assert.deepEqual(info.loaded, [], 'no model was loaded');
  });

  test('a dedicated PII model runs beside the named-entity model, or instead of it', async (t) => {
    const worker = client(t);
    const piiModel = join(fixtureModels(), 'entities');
    const beside = await worker.request('pii', params('Angela Merkel met Siemens in Berlin.', { piiModel }));
    assert.deepEqual(beside.models.map((m) => m.source), ['bundled', 'setting'], 'the named-entity model, then the PII model');
    assert.deepEqual(shown(beside), [
      ['Angela Merkel', 'PERSON', 'model'],
      ['Siemens', 'ORGANIZATION', 'model'],
      ['Berlin', 'LOCATION', 'model'],
    ]);
    const instead = await worker.request('pii', params('Angela Merkel met Siemens in Berlin.', { piiModel, entitiesModel: false }));
    assert.equal(instead.models.length, 1);
    assert.deepEqual([instead.model?.source, instead.model?.dir], ['setting', piiModel], 'the PII model, from its setting');
    assert.deepEqual(shown(instead).map(([text, type]) => [text, type]), [['Angela Merkel', 'PERSON'], ['Siemens', 'ORGANIZATION'], ['Berlin', 'LOCATION']]);
  });

  test('types, the allow-list, the deny-list, user patterns and the offset shape the result', async (t) => {
    const worker = client(t);
    const text = 'Angela Merkel (EMP-123456, project Bluebird) wrote to ann@example.com and bob@example.com.';
    const result = await worker.request('pii', params(text, {
      offset: 100,
      types: ['EMAIL_ADDRESS', 'EMPLOYEE_ID', 'PROJECT'],
      allowList: ['ANN@example.com'],
      denyList: { PROJECT: ['bluebird'] },
      patterns: [{ type: 'EMPLOYEE_ID', regex: 'EMP-[0-9]{6}' }],
    }));
    assert.deepEqual(shown(result), [
      ['EMP-123456', 'EMPLOYEE_ID', 'custom'],
      ['Bluebird', 'PROJECT', 'custom'],
      ['bob@example.com', 'EMAIL_ADDRESS', 'pattern'],
    ]);
    assertExact(text, result, 100);
  });

  test('a pattern RE2 cannot compile fails the request with a message naming it, and the worker goes on', async (t) => {
    const worker = client(t);
    await assert.rejects(
      worker.request('pii', params('x', { useModel: false, patterns: [{ type: 'ORDER', regex: '(a)\\1' }] })),
      (error: unknown) => error instanceof WorkerRequestError && /ORDER, \/\(a\)\\1\/, is not an RE2 regular expression/.test(error.message),
    );
    const result = await worker.request('pii', params('ann@example.com', { useModel: false }));
    assert.equal(result.entities.length, 1);
  });
});
