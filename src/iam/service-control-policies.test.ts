import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Organization, Organizations } from '../trails/index.ts';
import { isServiceError } from '../errors.ts';
import { compiledAwsManagedPolicy, evaluatePolicies } from './policy/index.ts';
import { FULL_AWS_ACCESS_ID, MemoryScpStore, ServiceControlPolicies } from './service-control-policies.ts';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const OTHER = '333333333333';
const ORG: Organization = { id: 'o-abcdefghij', managementAccountId: MANAGEMENT, memberAccountIds: [MEMBER] };
const ORGS: Organizations = {
  organizationOf: (account) => (account === MANAGEMENT || account === MEMBER ? ORG : undefined),
};
const DENY_STOP_LOGGING = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'DenyStop', Effect: 'Deny', Action: 'cloudtrail:StopLogging', Resource: '*' }],
});
const ADMIN = compiledAwsManagedPolicy('arn:aws:iam::aws:policy/AdministratorAccess')!;

async function assertServiceError(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error) => isServiceError(error) && error.code === code);
}

/** The decision for an account's admin user (AdministratorAccess) under the account's SCPs. */
function decide(scps: ServiceControlPolicies, account: string, action: string): string {
  const levels = scps.scpLevelsFor(account);
  return evaluatePolicies({
    principal: {
      type: 'IAMUser',
      arn: `arn:aws:iam::${account}:user/admin`,
      accountId: account,
      userName: 'admin',
    },
    action,
    resource: `arn:aws:cloudtrail:us-east-1:${account}:trail/t`,
    identityPolicies: [ADMIN],
    ...(levels ? { serviceControlPolicies: levels } : {}),
  }).decision;
}

async function withDenyStopLogging(): Promise<{ scps: ServiceControlPolicies; policyId: string }> {
  const scps = await ServiceControlPolicies.open(new MemoryScpStore(), ORGS);
  const created = await scps.createPolicy(MANAGEMENT, {
    name: 'deny-stop',
    description: 'no StopLogging',
    content: DENY_STOP_LOGGING,
    type: 'SERVICE_CONTROL_POLICY',
  });
  await scps.attachPolicy(MANAGEMENT, created.summary.Id, MEMBER);
  return { scps, policyId: created.summary.Id };
}

describe('ServiceControlPolicies', () => {
  it('scpLevelsFor() makes an SCP denying StopLogging deny a member account admin, not the management account', async () => {
    const { scps } = await withDenyStopLogging();
    assert.equal(decide(scps, MEMBER, 'cloudtrail:StopLogging'), 'explicitDeny');
    assert.equal(decide(scps, MEMBER, 'cloudtrail:GetTrail'), 'allowed');
    assert.equal(scps.scpLevelsFor(MANAGEMENT), undefined);
    assert.equal(decide(scps, MANAGEMENT, 'cloudtrail:StopLogging'), 'allowed');
    assert.equal(scps.scpLevelsFor(OTHER), undefined);
  });

  it('scpLevelsFor() gives the root level, then the account level, FullAWSAccess on both by default', async () => {
    const { scps, policyId } = await withDenyStopLogging();
    const levels = scps.scpLevelsFor(MEMBER)!;
    assert.equal(levels.length, 2);
    assert.deepEqual(
      levels[0]!.map((p) => p.arn),
      ['arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess'],
    );
    assert.deepEqual(
      levels[1]!.map((p) => p.arn),
      [
        'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
        `arn:aws:organizations::${MANAGEMENT}:policy/o-abcdefghij/service_control_policy/${policyId}`,
      ],
    );
    assert.equal(scps.scpLevelsFor(MEMBER), levels, 'cached while nothing changes');
  });

  it('detaching FullAWSAccess from an account denies what no other SCP there allows', async () => {
    const { scps, policyId } = await withDenyStopLogging();
    await scps.detachPolicy(MANAGEMENT, FULL_AWS_ACCESS_ID, MEMBER);
    assert.equal(decide(scps, MEMBER, 'cloudtrail:GetTrail'), 'implicitDeny');
    // Every target keeps at least one SCP (DetachPolicy).
    await assertServiceError(scps.detachPolicy(MANAGEMENT, policyId, MEMBER), 'ConstraintViolationException');
    await scps.attachPolicy(MANAGEMENT, FULL_AWS_ACCESS_ID, MEMBER);
    assert.equal(decide(scps, MEMBER, 'cloudtrail:GetTrail'), 'allowed');
    await scps.detachPolicy(MANAGEMENT, policyId, MEMBER);
    assert.equal(decide(scps, MEMBER, 'cloudtrail:StopLogging'), 'allowed');
  });

  it('an SCP attached to the root applies to every member account', async () => {
    const scps = await ServiceControlPolicies.open(new MemoryScpStore(), ORGS);
    const [root] = await scps.listRoots(MANAGEMENT);
    assert.match(root!.Id, /^r-[0-9a-z]{4}$/);
    const { summary } = await scps.createPolicy(MANAGEMENT, {
      name: 'deny-stop',
      description: '',
      content: DENY_STOP_LOGGING,
      type: 'SERVICE_CONTROL_POLICY',
    });
    assert.match(summary.Id, /^p-[0-9a-z]{8}$/);
    await scps.attachPolicy(MANAGEMENT, summary.Id, root!.Id);
    assert.equal(decide(scps, MEMBER, 'cloudtrail:StopLogging'), 'explicitDeny');
    await assertServiceError(scps.deletePolicy(MANAGEMENT, summary.Id), 'PolicyInUseException');
  });

  it('keeps its state in the store across a restart', async () => {
    const store = new MemoryScpStore();
    const first = await ServiceControlPolicies.open(store, ORGS);
    const { summary } = await first.createPolicy(MANAGEMENT, {
      name: 'deny-stop',
      description: '',
      content: DENY_STOP_LOGGING,
      type: 'SERVICE_CONTROL_POLICY',
    });
    await first.attachPolicy(MANAGEMENT, summary.Id, MEMBER);
    const second = await ServiceControlPolicies.open(store, ORGS);
    assert.equal(decide(second, MEMBER, 'cloudtrail:StopLogging'), 'explicitDeny');
    assert.deepEqual(await second.listRoots(MANAGEMENT), await first.listRoots(MANAGEMENT));
  });

  it('refuses member accounts, accounts in no organization, and malformed or oversized content', async () => {
    const scps = await ServiceControlPolicies.open(new MemoryScpStore(), ORGS);
    await assertServiceError(scps.listRoots(MEMBER), 'AccessDeniedException');
    await assertServiceError(scps.listRoots(OTHER), 'AWSOrganizationsNotInUseException');
    assert.equal(scps.describeOrganization(MEMBER).MasterAccountId, MANAGEMENT);
    const create = (content: string): Promise<unknown> =>
      scps.createPolicy(MANAGEMENT, { name: 'p', description: '', content, type: 'SERVICE_CONTROL_POLICY' });
    await assert.rejects(
      create(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }],
        }),
      ),
      {
        code: 'MalformedPolicyDocumentException',
        message: 'Policy document should not specify a principal.',
      },
    );
    await assertServiceError(
      create(`${DENY_STOP_LOGGING}${' '.repeat(5121 - DENY_STOP_LOGGING.length)}`),
      'ConstraintViolationException',
    );
    await create(`${DENY_STOP_LOGGING}${' '.repeat(5120 - DENY_STOP_LOGGING.length)}`);
    await assertServiceError(create(DENY_STOP_LOGGING), 'DuplicatePolicyException');
  });
});
