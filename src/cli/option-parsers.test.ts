import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseInteger, parsePositive, parseTimestamp } from './option-parsers.ts';

function assertInvalid(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => error instanceof InvalidArgumentError && error.message === message);
}

describe('parseInteger()', () => {
  it('takes whole numbers, negative ones too', () => {
    assert.equal(parseInteger('4599'), 4599);
    assert.equal(parseInteger('-5'), -5);
  });

  it('refuses fractions and words, saying a whole number was expected', () => {
    assertInvalid(() => parseInteger('1.5'), 'expected a whole number');
    assertInvalid(() => parseInteger('abc'), 'expected a whole number');
  });
});

describe('parsePositive()', () => {
  it('takes positive fractions', () => {
    assert.equal(parsePositive('0.5'), 0.5);
  });

  it('refuses zero, negative and infinite numbers', () => {
    for (const value of ['0', '-1', 'Infinity', 'x'])
      assertInvalid(() => parsePositive(value), 'expected a positive number');
  });
});

describe('parseTimestamp()', () => {
  it('takes epoch seconds, with a fraction, as the AWS CLI does', () => {
    assert.equal(parseTimestamp('1769860800').toISOString(), '2026-01-31T12:00:00.000Z');
    assert.equal(parseTimestamp('1769860800.25').toISOString(), '2026-01-31T12:00:00.250Z');
  });

  it('takes ISO 8601', () => {
    assert.equal(parseTimestamp('2026-01-31T12:00:00Z').getTime(), 1_769_860_800_000);
  });

  it('refuses other text, naming both forms it takes', () => {
    assertInvalid(
      () => parseTimestamp('yesterday'),
      'expected ISO 8601 (2026-01-31T12:00:00Z) or epoch seconds',
    );
  });
});
