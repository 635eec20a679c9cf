import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { NextTokenCodec } from './next-token.ts';

const codec = new NextTokenCodec(Buffer.alloc(32, 7));
const position = { eventTimeMs: 1_700_000_000_000, seq: 42n, maxSeq: 99n };

function rejects(fn: () => unknown): void {
  assertServiceError(fn, 'InvalidNextTokenException');
}

describe('NextTokenCodec', () => {
  it('round-trips a page position for the same request parameters', () => {
    assert.deepEqual(codec.decode(codec.encode(position, 'scope-a'), 'scope-a'), position);
  });

  it('refuses a token reused with other parameters, edited, forged or malformed', () => {
    const token = codec.encode(position, 'scope-a');
    rejects(() => codec.decode(token, 'scope-b'));
    rejects(() => codec.decode(`${token.slice(0, 5)}x${token.slice(6)}`, 'scope-a'));
    rejects(() => new NextTokenCodec(Buffer.alloc(32, 8)).decode(token, 'scope-a'));
    rejects(() => codec.decode('abc', 'scope-a'));
    rejects(() => codec.decode('a'.repeat(600) + '.b', 'scope-a'));
  });
});
