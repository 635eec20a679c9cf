import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_USER_NAME, type Principal } from '../iam/index.ts';
import { apiCallEvent, apiCallRecord, type ApiCall } from './self-audit.ts';

const call = (principal: Principal): ApiCall => ({
  principal,
  region: 'us-east-1',
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'LookupEvents',
  readOnly: true,
  category: 'Management',
  requestParameters: null,
  responseElements: null,
  sourceIPAddress: '127.0.0.1',
  userAgent: 'test',
  requestId: 'r-1',
  eventId: 'e-1',
  timeMs: Date.UTC(2023, 6, 10, 12, 0, 0),
});

describe('apiCallRecord() userIdentity', () => {
  it('writes a role session as AssumedRole with the role as sessionIssuer (as in AWS records)', () => {
    // The shape of the stratus-red-team records in test/fixtures/cloudtrail-samples.
    const record = apiCallRecord(
      call({
        accountId: '123837392027',
        userName: 'steal-role',
        userId: 'AROATFQR7NSC6Q6YRQ2Q7:i-0dbc91f429e48eeed',
        arn: 'arn:aws:sts::123837392027:assumed-role/steal-role/i-0dbc91f429e48eeed',
        accessKeyId: 'ASIATFQR7NSCSHSEVYP5',
        session: {
          issuedMs: Date.UTC(2023, 6, 10, 11, 55, 22),
          expiresMs: Date.UTC(2023, 6, 10, 12, 55, 22),
          sourceAccessKeyId: 'AKIATFQR7NSC8Q4X20BJ',
          role: {
            roleName: 'steal-role',
            roleId: 'AROATFQR7NSC6Q6YRQ2Q7',
            roleArn: 'arn:aws:iam::123837392027:role/steal-role',
            sessionName: 'i-0dbc91f429e48eeed',
          },
        },
      }),
    );
    assert.deepEqual(record.userIdentity, {
      type: 'AssumedRole',
      principalId: 'AROATFQR7NSC6Q6YRQ2Q7:i-0dbc91f429e48eeed',
      arn: 'arn:aws:sts::123837392027:assumed-role/steal-role/i-0dbc91f429e48eeed',
      accountId: '123837392027',
      accessKeyId: 'ASIATFQR7NSCSHSEVYP5',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROATFQR7NSC6Q6YRQ2Q7',
          arn: 'arn:aws:iam::123837392027:role/steal-role',
          accountId: '123837392027',
          userName: 'steal-role',
        },
        webIdFederationData: {},
        attributes: { creationDate: '2023-07-10T11:55:22Z', mfaAuthenticated: 'false' },
      },
    });
    assert.equal(record.recipientAccountId, '123837392027');
  });

  it("keeps an IAM user's session as IAMUser with an empty sessionIssuer", () => {
    const record = apiCallRecord(
      call({
        accountId: '123456789012',
        userName: 'alice',
        userId: 'AIDAEXAMPLE',
        arn: 'arn:aws:iam::123456789012:user/alice',
        accessKeyId: 'ASIAEXAMPLE',
        session: {
          issuedMs: Date.UTC(2023, 6, 10, 11, 0, 0),
          expiresMs: Date.UTC(2023, 6, 10, 23, 0, 0),
          sourceAccessKeyId: 'AKIAEXAMPLE',
          mfaAuthenticatedMs: Date.UTC(2023, 6, 10, 11, 0, 0),
        },
      }),
    );
    assert.equal(record.userIdentity?.type, 'IAMUser');
    assert.equal(record.userIdentity?.userName, 'alice');
    assert.deepEqual(record.userIdentity?.sessionContext, {
      sessionIssuer: {},
      webIdFederationData: {},
      attributes: { creationDate: '2023-07-10T11:00:00Z', mfaAuthenticated: 'true' },
    });
  });

  it('writes the root user as Root: principalId the account ID, no userName (CloudTrail userIdentity element)', () => {
    const root = {
      accountId: '123456789012',
      userName: ROOT_USER_NAME,
      userId: '123456789012',
      arn: 'arn:aws:iam::123456789012:root',
      accessKeyId: 'AKIAROOTEXAMPLE00001',
    };
    assert.deepEqual(apiCallRecord(call(root)).userIdentity, {
      type: 'Root',
      principalId: '123456789012',
      arn: 'arn:aws:iam::123456789012:root',
      accountId: '123456789012',
      accessKeyId: 'AKIAROOTEXAMPLE00001',
    });
    const session = apiCallRecord(
      call({
        ...root,
        accessKeyId: 'ASIAROOTEXAMPLE00001',
        session: {
          issuedMs: Date.UTC(2023, 6, 10, 11, 0, 0),
          expiresMs: Date.UTC(2023, 6, 10, 12, 0, 0),
          sourceAccessKeyId: 'AKIAROOTEXAMPLE00001',
          mfaAuthenticatedMs: Date.UTC(2023, 6, 10, 11, 0, 0),
        },
      }),
    ).userIdentity;
    assert.equal(session?.type, 'Root');
    assert.equal(session?.userName, undefined);
    assert.deepEqual(session?.sessionContext?.attributes, {
      creationDate: '2023-07-10T11:00:00Z',
      mfaAuthenticated: 'true',
    });
  });
});

describe("apiCallEvent() for a call on another account's resource", () => {
  const alice = {
    accountId: '444455556666',
    userName: 'alice',
    userId: 'AIDAEXAMPLEALICE00001',
    arn: 'arn:aws:iam::444455556666:user/alice',
    accessKeyId: 'AKIAEXAMPLEALICE0001',
  };

  it("delivers the owner's copy to the owner, naming the caller as another AWS account, both sharing sharedEventID", () => {
    const shared = { ...call(alice), sharedEventId: 'shared-1' };
    const own = apiCallEvent(shared);
    const owners = apiCallEvent({ ...shared, eventId: 'e-2', recipientAccountId: '777788889999' });
    assert.equal(own.accountId, '444455556666');
    assert.equal(owners.accountId, '777788889999');
    const ownRecord = JSON.parse(own.raw) as Record<string, unknown>;
    const ownersRecord = JSON.parse(owners.raw) as Record<string, unknown>;
    assert.equal(ownRecord.recipientAccountId, '444455556666');
    assert.equal((ownRecord.userIdentity as { arn: string }).arn, alice.arn);
    assert.equal(ownersRecord.recipientAccountId, '777788889999');
    // "AWSAccount – The request was made by another AWS account" (CloudTrail userIdentity element).
    assert.deepEqual(ownersRecord.userIdentity, {
      type: 'AWSAccount',
      principalId: 'AIDAEXAMPLEALICE00001',
      accountId: '444455556666',
    });
    assert.equal(ownRecord.sharedEventID, 'shared-1');
    assert.equal(ownersRecord.sharedEventID, 'shared-1');
    assert.notEqual(ownRecord.eventID, ownersRecord.eventID);
  });

  it('writes no sharedEventID for a call delivered to the caller alone', () => {
    assert.equal('sharedEventID' in apiCallRecord(call(alice)), false);
  });
});
