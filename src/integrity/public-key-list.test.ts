import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PublicKeyListError, StaticPublicKeySource, parsePublicKeyList } from './public-key-list.ts';

describe('parsePublicKeyList()', () => {
  it('reads ListPublicKeys output with ISO or epoch times, and the bare list', () => {
    const keys = parsePublicKeyList(
      JSON.stringify({
        PublicKeyList: [
          {
            Value: 'AQID',
            Fingerprint: 'f1',
            ValidityStartTime: '2026-01-01T00:00:00+00:00',
            ValidityEndTime: 1_800_000_000,
          },
          { Value: 'BAUG', Fingerprint: 'f2' },
        ],
      }),
    );
    assert.deepEqual(keys, [
      {
        fingerprint: 'f1',
        pkcs1Der: Buffer.from([1, 2, 3]),
        validFromMs: Date.UTC(2026, 0, 1),
        validToMs: 1_800_000_000_000,
      },
      { fingerprint: 'f2', pkcs1Der: Buffer.from([4, 5, 6]) },
    ]);
    assert.equal(parsePublicKeyList('[{"Value":"AQID","Fingerprint":"f"}]').length, 1);
  });

  it('rejects malformed files with the field at fault', () => {
    for (const [text, field] of [
      ['{', /not JSON/],
      ['{"Keys":[]}', /PublicKeyList/],
      ['[{"Value":"%%","Fingerprint":"f"}]', /Value/],
      ['[{"Value":"AQID"}]', /Fingerprint/],
      ['[{"Value":"AQID","Fingerprint":"f","ValidityStartTime":"soon"}]', /ValidityStartTime/],
    ] as const) {
      assert.throws(
        () => parsePublicKeyList(text),
        (e: unknown) => e instanceof PublicKeyListError && field.test(e.message),
      );
    }
  });
});

describe('StaticPublicKeySource', () => {
  it('returns the keys valid at some moment of the range', async () => {
    const der = Buffer.from([1]);
    const source = new StaticPublicKeySource([
      { fingerprint: 'old', pkcs1Der: der, validFromMs: 0, validToMs: 100 },
      { fingerprint: 'new', pkcs1Der: der, validFromMs: 100, validToMs: 200 },
      { fingerprint: 'always', pkcs1Der: der },
    ]);
    const names = async (from: number, to: number) =>
      (await source.publicKeys('us-east-1', from, to)).map((k) => k.fingerprint);
    assert.deepEqual(await names(150, 160), ['new', 'always']);
    assert.deepEqual(await names(50, 150), ['old', 'new', 'always']);
  });
});
