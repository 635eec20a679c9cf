import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CheckpointError,
  checkpointChainId,
  emptyCheckpointFile,
  parseCheckpointFile,
  serializeCheckpointFile,
  withCheckpoint,
  type DigestCheckpoint,
} from './checkpoint.ts';

const ARN = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/audit';
const OLD: DigestCheckpoint = {
  bucket: 'b',
  key: 'k1',
  digestEndTime: '2026-01-31T01:00:00Z',
  hashValue: 'aa',
  signature: 'bb',
};
const NEW: DigestCheckpoint = { ...OLD, key: 'k2', digestEndTime: '2026-01-31T02:00:00Z' };

describe('checkpoint files', () => {
  it('round-trip through text, one entry per chain', () => {
    const id = checkpointChainId(ARN, '111122223333', 'us-east-1');
    const file = withCheckpoint(emptyCheckpointFile(), id, OLD);
    assert.deepEqual(parseCheckpointFile(serializeCheckpointFile(file)), file);
  });

  it('withCheckpoint() keeps a newer checkpoint than the one offered', () => {
    const id = checkpointChainId(ARN, '111122223333', 'us-east-1');
    const file = withCheckpoint(emptyCheckpointFile(), id, NEW);
    assert.equal(withCheckpoint(file, id, OLD), file);
    assert.equal(withCheckpoint(withCheckpoint(emptyCheckpointFile(), id, OLD), id, NEW).chains[id], NEW);
  });

  it('parseCheckpointFile() rejects what opentrail validate does not write', () => {
    for (const text of [
      'not json',
      '[]',
      '{"version":2,"chains":{}}',
      '{"version":1,"chains":[]}',
      '{"version":1,"chains":{"x":{"bucket":"b"}}}',
      JSON.stringify({ version: 1, chains: { x: { ...OLD, digestEndTime: 'yesterday' } } }),
    ]) {
      assert.throws(() => parseCheckpointFile(text), CheckpointError, text);
    }
  });
});
