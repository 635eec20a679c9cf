import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CLOUDTRAIL_DATA_ERROR_CODES,
  CLOUDTRAIL_ERROR_CODES,
  COMMON_ERROR_CODES,
  IAM_ERROR_CODES,
  ORGANIZATIONS_ERROR_CODES,
  QUERY_COMMON_ERROR_CODES,
} from './error-codes.ts';

/** Error shapes of the botocore service models (test/fixtures/botocore, Apache-2.0). */
const MODELS = JSON.parse(
  readFileSync(new URL('../test/fixtures/botocore/service-model-errors.json', import.meta.url), 'utf8'),
) as Record<string, { errorShapes: string[] }>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('error codes', () => {
  it('the CloudTrail codes are exactly the error shapes of the cloudtrail 2013-11-01 model', () => {
    assert.deepEqual([...CLOUDTRAIL_ERROR_CODES].sort(), MODELS.cloudtrail?.errorShapes);
  });

  it('the cloudtrail-data codes are exactly the error shapes of the cloudtrail-data 2021-08-11 model', () => {
    assert.deepEqual([...CLOUDTRAIL_DATA_ERROR_CODES].sort(), MODELS['cloudtrail-data']?.errorShapes);
  });

  it('the IAM codes are exactly the error shapes of the iam 2010-05-08 model', () => {
    assert.deepEqual([...IAM_ERROR_CODES].sort(), MODELS.iam?.errorShapes);
  });

  it('the Organizations codes are exactly the error shapes of the organizations 2016-11-28 model', () => {
    assert.deepEqual([...ORGANIZATIONS_ERROR_CODES].sort(), MODELS.organizations?.errorShapes);
  });

  it('every code a ServiceError is raised with in src/ is a model error shape or a common AWS error', () => {
    const known = new Set<string>([
      ...COMMON_ERROR_CODES,
      ...CLOUDTRAIL_ERROR_CODES,
      ...CLOUDTRAIL_DATA_ERROR_CODES,
      ...QUERY_COMMON_ERROR_CODES,
      ...IAM_ERROR_CODES,
      ...ORGANIZATIONS_ERROR_CODES,
    ]);
    const used = new Map<string, string>();
    for (const file of sourceFiles(new URL('.', import.meta.url).pathname)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/new ServiceError\(\s*'([^']+)'/g)) {
        used.set(match[1] as string, file);
      }
    }
    assert.ok(used.size > 20, `found ${used.size} codes: the scan still finds the raising sites`);
    const unknown = [...used].filter(([code]) => !known.has(code));
    assert.deepEqual(unknown, [], 'codes no AWS model declares');
  });
});
