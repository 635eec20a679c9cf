import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Seed, totpCode, verifyTotp } from './totp.ts';

/** RFC 6238 Appendix B: the SHA-1 seed is the ASCII bytes of "12345678901234567890". */
const RFC_SEED = new TextEncoder().encode('12345678901234567890');

describe('TOTP codes of virtual MFA devices', () => {
  it("makes RFC 6238's SHA-1 test vectors (their last six digits)", () => {
    // RFC 6238 Appendix B gives eight digits; six-digit codes are the same value modulo 10^6.
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, eight] of vectors) assert.equal(totpCode(RFC_SEED, seconds * 1000), eight.slice(2));
  });

  it('accepts a code of the current step or an adjacent one, and no other', () => {
    const now = 1111111111_000;
    assert.equal(verifyTotp(RFC_SEED, '050471', now), Math.floor(1111111111 / 30));
    assert.notEqual(verifyTotp(RFC_SEED, totpCode(RFC_SEED, now - 30_000), now), undefined);
    assert.notEqual(verifyTotp(RFC_SEED, totpCode(RFC_SEED, now + 30_000), now), undefined);
    assert.equal(verifyTotp(RFC_SEED, totpCode(RFC_SEED, now - 90_000), now), undefined);
    assert.equal(verifyTotp(RFC_SEED, '12345', now), undefined);
    assert.equal(verifyTotp(RFC_SEED, 'abcdef', now), undefined);
  });

  it('accepts no code twice: a step verified once is refused after', () => {
    const now = 1234567890_000;
    const step = verifyTotp(RFC_SEED, '005924', now);
    assert.ok(step !== undefined);
    assert.equal(verifyTotp(RFC_SEED, '005924', now, step), undefined);
  });

  it('writes seeds in RFC 4648 Base32 (the RFC 4648 test vector "foobar")', () => {
    assert.equal(base32Seed(new TextEncoder().encode('foobar')), 'MZXW6YTBOI');
  });
});
