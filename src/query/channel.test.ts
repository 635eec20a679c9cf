import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import {
  channelArn,
  channelExistsForStore,
  channelTargets,
  parseChannelRef,
  toApiChannel,
  type Channel,
} from './channel.ts';

const ACCOUNT = '111122223333';
const ARN = channelArn('us-east-1', ACCOUNT, '0f4e6b8a-0000-4000-8000-000000000001');
const STORE_ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:eventdatastore/abc`;

describe('channel references, targets and API shapes', () => {
  it('parses ARNs and bare IDs, and refuses anything else', () => {
    assert.deepEqual(parseChannelRef(ARN), {
      id: '0f4e6b8a-0000-4000-8000-000000000001',
      arn: { region: 'us-east-1', accountId: ACCOUNT },
    });
    assert.deepEqual(parseChannelRef('abc-123'), { id: 'abc-123' });
    assertServiceError(
      () => parseChannelRef('arn:aws:cloudtrail:us-east-1:1:channel/x'),
      'ChannelARNInvalidException',
    );
    assertServiceError(() => parseChannelRef(`${STORE_ARN}`), 'ChannelARNInvalidException');
    assertServiceError(() => parseChannelRef('a b c'), 'ChannelARNInvalidException');
    assertServiceError(() => parseChannelRef('ab'), 'ChannelARNInvalidException');
  });

  it('tells which stores a channel targets and reports its ingestion status', () => {
    const channel: Channel = {
      id: 'c',
      arn: ARN,
      name: 'n',
      source: 'Custom',
      accountId: ACCOUNT,
      region: 'us-east-1',
      destinations: [{ Type: 'EVENT_DATA_STORE', Location: STORE_ARN }],
      tags: [],
      createdMs: 0,
      updatedMs: 0,
      ingestion: {},
    };
    assert.ok(channelTargets(channel, STORE_ARN));
    assert.ok(!channelTargets(channel, `${STORE_ARN}x`));
    assert.equal(channelExistsForStore(STORE_ARN, channel).code, 'ChannelExistsForEDSException');
    assert.deepEqual(toApiChannel(channel).IngestionStatus, {});
    const used = {
      ...channel,
      ingestion: {
        latestSuccessMs: 2000,
        latestSuccessEventId: 'e1',
        latestAttemptMs: 3000,
        latestAttemptEventId: 'e1',
        latestErrorCode: 'InvalidData',
      },
    };
    assert.deepEqual(toApiChannel(used).IngestionStatus, {
      LatestIngestionSuccessTime: 2,
      LatestIngestionSuccessEventID: 'e1',
      LatestIngestionErrorCode: 'InvalidData',
      LatestIngestionAttemptTime: 3,
      LatestIngestionAttemptEventID: 'e1',
    });
    assert.equal(
      channelArn('cn-north-1', ACCOUNT, 'x'),
      `arn:aws-cn:cloudtrail:cn-north-1:${ACCOUNT}:channel/x`,
    );
    assert.equal(channelArn('us-gov-west-1', ACCOUNT, 'x').split(':')[1], 'aws-us-gov');
  });
});
