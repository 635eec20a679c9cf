/**
 * The AWS Organizations operations OpenTrail serves (service control policies of the
 * organizations `opentrail orgs` manages, and their delegated administrators), as the
 * Organizations API Reference shapes their input and output. Members are read from
 * attacker-controlled JSON: each is type-checked here, its value checked by the domain (iam/
 * ServiceControlPolicies, delegated-administrators.ts).
 */
import { requireString, optionalString } from '../../input.ts';
import type { ServiceControlPolicies } from '../../iam/index.ts';
import type { Organizations } from '../../trails/index.ts';
import { listDelegatedAdministrators, listDelegatedServicesForAccount } from './delegated-administrators.ts';

/** What the Organizations operations work on. */
export interface OrganizationsServices {
  scps: ServiceControlPolicies;
  organizations: Organizations;
}

export type OrganizationsHandler = (
  input: Record<string, unknown>,
  callerAccount: string,
  services: OrganizationsServices,
) => Promise<Record<string, unknown>>;

/** A missing required member: InvalidInputException, as Organizations answers it. */
function required(input: Record<string, unknown>, name: string): string {
  return requireString(input[name], name, 'InvalidInputException');
}

function policyOutput(result: { summary: unknown; content: string }): Record<string, unknown> {
  return { Policy: { PolicySummary: result.summary, Content: result.content } };
}

export const ORGANIZATIONS_HANDLERS: Record<string, OrganizationsHandler> = {
  ListDelegatedAdministrators: (input, account, { organizations }) =>
    Promise.resolve(listDelegatedAdministrators(input, account, organizations)),
  ListDelegatedServicesForAccount: (input, account, { organizations }) =>
    Promise.resolve(listDelegatedServicesForAccount(input, account, organizations)),
  DescribeOrganization: (_input, account, { scps }) =>
    Promise.resolve({ Organization: scps.describeOrganization(account) }),
  ListRoots: async (_input, account, { scps }) => ({ Roots: await scps.listRoots(account) }),
  CreatePolicy: async (input, account, { scps }) =>
    policyOutput(
      await scps.createPolicy(account, {
        content: required(input, 'Content'),
        description: required(input, 'Description'),
        name: required(input, 'Name'),
        type: required(input, 'Type'),
      }),
    ),
  DescribePolicy: async (input, account, { scps }) =>
    policyOutput(await scps.describePolicy(account, required(input, 'PolicyId'))),
  UpdatePolicy: async (input, account, { scps }) => {
    const name = optionalString(input.Name, 'Name');
    const description = optionalString(input.Description, 'Description');
    const content = optionalString(input.Content, 'Content');
    return policyOutput(
      await scps.updatePolicy(account, required(input, 'PolicyId'), {
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(content !== undefined ? { content } : {}),
      }),
    );
  },
  DeletePolicy: async (input, account, { scps }) => {
    await scps.deletePolicy(account, required(input, 'PolicyId'));
    return {};
  },
  ListPolicies: async (input, account, { scps }) => ({
    Policies: await scps.listPolicies(account, required(input, 'Filter')),
  }),
  AttachPolicy: async (input, account, { scps }) => {
    await scps.attachPolicy(account, required(input, 'PolicyId'), required(input, 'TargetId'));
    return {};
  },
  DetachPolicy: async (input, account, { scps }) => {
    await scps.detachPolicy(account, required(input, 'PolicyId'), required(input, 'TargetId'));
    return {};
  },
  ListTargetsForPolicy: async (input, account, { scps }) => ({
    Targets: await scps.listTargetsForPolicy(account, required(input, 'PolicyId')),
  }),
  ListPoliciesForTarget: async (input, account, { scps }) => ({
    Policies: await scps.listPoliciesForTarget(
      account,
      required(input, 'TargetId'),
      required(input, 'Filter'),
    ),
  }),
};

/** Operations recorded with readOnly true. */
export function isReadOnlyOrganizationsOperation(name: string): boolean {
  return name.startsWith('Describe') || name.startsWith('List');
}
