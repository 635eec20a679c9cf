/**
 * A trail's KMS key: KmsKeyId of CreateTrail and UpdateTrail, a key or alias given by ID, name or
 * ARN, and the key ARN the trail reports. The value arrives in the request body, so it is
 * attacker-controlled; lengths are checked before patterns run.
 *
 * Source: the botocore model cloudtrail/2013-11-01 (CreateTrail KmsKeyId doc).
 */
import { ServiceError } from '../errors.ts';
import { formatArn, isAccountId, isRegionName, parseArn, type Arn } from '../events/index.ts';

/** KMS: an alias name, "alias/" included, is at most 256 characters. */
const MAX_KMS_ALIAS_CHARS = 256;

const KEY_ID =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$/;
const ALIAS_NAME = /^alias\/[A-Za-z0-9/_-]+$/;

type KmsRef = { kind: 'key' | 'alias'; arn?: Arn; id: string };

function parseKmsRef(value: string): KmsRef | undefined {
  if (value.startsWith('arn:')) {
    const arn = parseArn(value);
    if (
      arn === undefined ||
      arn.service !== 'kms' ||
      !isRegionName(arn.region) ||
      !isAccountId(arn.accountId)
    ) {
      return undefined;
    }
    if (arn.resource.startsWith('key/') && KEY_ID.test(arn.resource.slice(4))) {
      return { kind: 'key', arn, id: arn.resource.slice(4) };
    }
    return isAliasName(arn.resource) ? { kind: 'alias', arn, id: arn.resource } : undefined;
  }
  if (KEY_ID.test(value)) return { kind: 'key', id: value };
  return isAliasName(value) ? { kind: 'alias', id: value } : undefined;
}

function isAliasName(value: string): boolean {
  return value.length <= MAX_KMS_ALIAS_CHARS && ALIAS_NAME.test(value);
}

/**
 * KmsKeyId takes a key ID (UUID, or `mrk-` and 32 hex digits for a multi-Region key), a key ARN,
 * an alias name (`alias/...`) or an alias ARN (model doc of CreateTrail KmsKeyId). UpdateTrail's
 * "" (stop encrypting) is the caller's to handle before calling this.
 */
export function validateKmsKeyId(value: string): void {
  if (parseKmsRef(value) === undefined) throw invalidKmsKeyId(value);
}

function invalidKmsKeyId(value: string): ServiceError {
  return new ServiceError(
    'InvalidKmsKeyIdException',
    `KMS key ${JSON.stringify(value)} is not valid: expected a key ID, a key ARN, an alias name (alias/...) or an alias ARN.`,
  );
}

/**
 * What the trail reports as KmsKeyId: a full ARN. AWS resolves an alias to the key's ARN; without a
 * key service at hand an alias becomes the alias ARN, so a caller that can resolve aliases should
 * do so first. A bare key ID or alias name is placed in the trail's Region and account.
 */
export function kmsKeyArn(value: string, region: string, accountId: string): string {
  const ref = parseKmsRef(value);
  if (ref === undefined) throw invalidKmsKeyId(value);
  if (ref.arn !== undefined) return value;
  const resource = ref.kind === 'key' ? `key/${value}` : value;
  return formatArn({ service: 'kms', region, accountId, resource });
}
