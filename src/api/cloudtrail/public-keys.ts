/**
 * ListPublicKeys (CloudTrail API reference): the public keys of the caller's region whose private
 * keys signed digests in [StartTime, EndTime] (both default to now), PKCS#1 DER, base64 on the wire.
 */
import { ServiceError } from '../../errors.ts';
import { optionalString, optionalTimestamp } from '../../input.ts';
import type { OperationContext } from './operation.ts';

export async function listPublicKeys(
  input: Record<string, unknown>,
  ctx: OperationContext,
): Promise<Record<string, unknown>> {
  const startMs = optionalTimestamp(input.StartTime, 'StartTime') ?? ctx.nowMs;
  const endMs = optionalTimestamp(input.EndTime, 'EndTime') ?? ctx.nowMs;
  optionalString(input.NextToken, 'NextToken');
  if (startMs > endMs) {
    throw new ServiceError('InvalidTimeRangeException', 'StartTime must not be after EndTime.');
  }
  const region = ctx.caller.region;
  // The key in use now exists as soon as anyone asks for it, and counts as valid from this call on.
  const includesNow = startMs <= ctx.nowMs && ctx.nowMs <= endMs;
  if (includesNow) await ctx.signingKeys.current(region);
  const keys = await ctx.signingKeys.publicKeys(
    region,
    startMs,
    includesNow ? Math.max(endMs, Date.now()) : endMs,
  );
  return {
    PublicKeyList: keys.map((k) => ({
      Value: k.publicKeyDer.toString('base64'),
      ValidityStartTime: k.validFromMs / 1000,
      ValidityEndTime: k.validToMs / 1000,
      Fingerprint: k.fingerprint,
    })),
  };
}
