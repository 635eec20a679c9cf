import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordingAccounts } from './recording-accounts.ts';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const MEMBER_WITH_IDENTITY = '333333333333';

function accounts(now = () => 0) {
  const asked: string[] = [];
  const created = new Map([
    [MANAGEMENT, 1000],
    [MEMBER_WITH_IDENTITY, 5000],
  ]);
  const recording = new RecordingAccounts(
    {
      accountCreatedMs: (id) => {
        asked.push(id);
        return Promise.resolve(created.get(id));
      },
      organizationAccounts: (id) =>
        id === MANAGEMENT ? new Set([MANAGEMENT, MEMBER, MEMBER_WITH_IDENTITY]) : undefined,
    },
    now,
  );
  return { recording, asked };
}

describe('RecordingAccounts.of()', () => {
  it("gives a management account its members, each at its own creation or else the management account's", async () => {
    const { recording } = accounts();
    assert.deepEqual(
      [...(await recording.of(MANAGEMENT))],
      [
        [MANAGEMENT, 1000],
        [MEMBER, 1000],
        [MEMBER_WITH_IDENTITY, 5000],
      ],
    );
  });

  it('gives an account outside an organization only itself', async () => {
    const { recording } = accounts();
    assert.deepEqual([...(await recording.of(MEMBER_WITH_IDENTITY))], [[MEMBER_WITH_IDENTITY, 5000]]);
  });

  it('asks the identity store about an account once, and about one without an identity again a minute later', async () => {
    let nowMs = 0;
    const { recording, asked } = accounts(() => nowMs);
    await recording.of(MANAGEMENT);
    await recording.of(MANAGEMENT);
    assert.deepEqual(asked, [MANAGEMENT, MEMBER, MEMBER_WITH_IDENTITY]);
    nowMs = 60_000;
    await recording.of(MANAGEMENT);
    assert.deepEqual(asked, [MANAGEMENT, MEMBER, MEMBER_WITH_IDENTITY, MEMBER]);
  });
});
