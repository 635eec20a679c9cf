import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compactRecordSpans, splitRecordSpans } from './split-records.ts';

import { CLOUDTRAIL_SAMPLES as SAMPLES } from '../../test/fixtures/samples.ts';

function spansOf(text: string): string[] {
  const split = splitRecordSpans(text, JSON.parse(text));
  assert.ok(split);
  return split.spans.map((s) => text.slice(s.start, s.end));
}

describe('splitRecordSpans()', () => {
  it('finds each record of a log file as its exact original text', () => {
    const text = '{ "Records" : [ {"a":"}\\"{","b":[1,{"c":"]"}]} ,\n{"d":null} ] , "x": {"Records": 1}}';
    assert.deepEqual(spansOf(text), ['{"a":"}\\"{","b":[1,{"c":"]"}]}', '{"d":null}']);
  });

  it('takes the Records member wherever it stands among other members', () => {
    const text = '{"other":[{"q":"Records"}],"Records":[{"e":"\\\\"}]}';
    assert.deepEqual(spansOf(text), ['{"e":"\\\\"}']);
  });

  it('accepts a bare array and a single record', () => {
    assert.deepEqual(spansOf(' [ {"a":1}, {"b":"x,y"} ] '), ['{"a":1}', '{"b":"x,y"}']);
    assert.deepEqual(spansOf(' {"eventName":"X"} '), ['{"eventName":"X"}']);
    assert.deepEqual(spansOf('{"Records":[]}'), []);
  });

  it('refuses shapes that are not batches', () => {
    assert.equal(splitRecordSpans('42', 42), undefined);
    assert.equal(splitRecordSpans('{"Records":{}}', { Records: {} }), undefined);
  });

  it('round-trips every record of the real sample logs byte for byte', () => {
    const dir = join(SAMPLES, 'invictus-ir-aws_dataset');
    let count = 0;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const text = readFileSync(join(dir, name), 'utf8');
      const spans = spansOf(text);
      const parsed = (JSON.parse(text) as { Records: unknown[] }).Records;
      assert.equal(spans.length, parsed.length);
      spans.forEach((s, i) => assert.deepEqual(JSON.parse(s), parsed[i]));
      assert.ok(`{"Records":[${spans.join(',')}]}` === text.trimEnd(), `${name} does not reassemble`);
      count += spans.length;
    }
    assert.equal(count, 1448);
  });
});

describe('compactRecordSpans()', () => {
  it('finds compact records without a scan and agrees with splitRecordSpans', () => {
    const text = '{"Records":[{"a":1,"b":"x"},{"c":[1,2]}]}';
    const parsed = JSON.parse(text) as { Records: unknown[] };
    const fast = compactRecordSpans(text, parsed.Records, 'records-object');
    assert.deepEqual(
      fast,
      splitRecordSpans(text, parsed)?.spans.map(({ start, end }) => ({ start, end })),
    );
    assert.deepEqual(compactRecordSpans('[{"a":1}]', [{ a: 1 }], 'array'), [{ start: 1, end: 8 }]);
  });

  it('declines any other layout, so the scanner keeps the original bytes', () => {
    for (const text of [
      '{"Records": [{"a":1}]}',
      '{"Records":[{"a":1.0}]}',
      '{"Records":[{"a":"\\u00e9"}]}',
      '{"Records":[{"a":1}], "x":2}',
    ]) {
      const parsed = JSON.parse(text) as { Records: unknown[] };
      assert.equal(compactRecordSpans(text, parsed.Records, 'records-object'), undefined, text);
    }
  });
});
