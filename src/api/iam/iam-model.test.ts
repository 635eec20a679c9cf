import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Shape } from '../query-protocol.ts';
import { IAM_MODEL } from './iam-model.ts';

interface BotocoreModel {
  operations: Record<string, { input?: { shape: string }; output?: { shape: string } }>;
  shapes: Record<string, Shape & { exception?: boolean }>;
}

/** The installed botocore's IAM model, when there is one (the AWS CLI v1 and boto3 bring it). */
function botocoreModel(): BotocoreModel | undefined {
  try {
    const dir = execFileSync(
      'python3',
      ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'],
      {
        encoding: 'utf8',
      },
    ).trim();
    const path = join(dir, 'data', 'iam', '2010-05-08', 'service-2.json.gz');
    return existsSync(path)
      ? (JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as BotocoreModel)
      : undefined;
  } catch {
    return undefined;
  }
}

it('the embedded IAM model is the botocore model: every operation, its shapes and their constraints', (t) => {
  const model = botocoreModel();
  if (!model) {
    t.skip('botocore is not installed');
    return;
  }
  assert.deepEqual(Object.keys(IAM_MODEL.operations).sort(), Object.keys(model.operations).sort());
  for (const [name, op] of Object.entries(model.operations)) {
    assert.equal(IAM_MODEL.operations[name]?.input, op.input?.shape, name);
    assert.equal(IAM_MODEL.operations[name]?.output, op.output?.shape, name);
  }
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (shape.exception) continue;
    const ours = IAM_MODEL.shapes[name];
    assert.ok(ours, name);
    for (const key of ['type', 'min', 'max', 'pattern', 'enum', 'required'] as const) {
      assert.deepEqual(ours[key], shape[key], `${name}.${key}`);
    }
    assert.deepEqual(Object.keys(ours.members ?? {}), Object.keys(shape.members ?? {}), name);
  }
});
