import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../iam/index.ts';
import { apiCallRecord, type ApiCall } from './self-audit.ts';

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
});
