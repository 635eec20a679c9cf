/**
 * The values Event history (LookupEvents) filters on and returns, derived from a record.
 * AWS does not publish its derivation; this follows what real lookup-events output shows:
 * Username is the IAM user name, "root" for the root user and the session name for an assumed
 * role; Resources name the resources the call touched, by AWS::Service::Type.
 */
import type { CloudTrailRecord, UserIdentity } from './record.ts';

export interface LookupFields {
  eventName: string;
  eventSource: string;
  username: string | null;
  accessKeyId: string | null;
  readOnly: boolean | null;
  resourceTypes: string[];
  resourceNames: string[];
}

function lastSegment(arn: string | undefined, marker: string): string | undefined {
  if (!arn) return undefined;
  const at = arn.indexOf(marker);
  if (at < 0) return undefined;
  const rest = arn.slice(at + marker.length);
  const slash = rest.lastIndexOf('/');
  return slash < 0 ? rest : rest.slice(slash + 1);
}

export function usernameOf(identity: UserIdentity | undefined): string | null {
  if (!identity) return null;
  switch (identity.type) {
    case 'Root':
      return identity.userName ?? 'root';
    case 'AssumedRole':
      return (
        lastSegment(identity.arn, ':assumed-role/') ??
        identity.principalId?.split(':')[1] ??
        identity.sessionContext?.sessionIssuer?.userName ??
        null
      );
    case 'FederatedUser':
      return lastSegment(identity.arn, ':federated-user/') ?? identity.principalId?.split(':')[1] ?? null;
    case 'AWSService':
      return identity.invokedBy ?? null;
    case 'IdentityCenterUser':
      return identity.userName ?? identity.onBehalfOf?.userId ?? null;
    default:
      return identity.userName ?? lastSegment(identity.arn, ':user/') ?? null;
  }
}

/**
 * Request parameters that name a resource, by event source. The types are the
 * AWS::Service::Type names the Event history resource-type filter lists.
 */
const RESOURCE_PARAMETERS: Record<string, Record<string, string>> = {
  's3.amazonaws.com': { bucketName: 'AWS::S3::Bucket' },
  'iam.amazonaws.com': {
    userName: 'AWS::IAM::User',
    roleName: 'AWS::IAM::Role',
    groupName: 'AWS::IAM::Group',
    policyArn: 'AWS::IAM::Policy',
    accessKeyId: 'AWS::IAM::AccessKey',
    instanceProfileName: 'AWS::IAM::InstanceProfile',
  },
  'cloudtrail.amazonaws.com': { name: 'AWS::CloudTrail::Trail', trailName: 'AWS::CloudTrail::Trail' },
  'ec2.amazonaws.com': {
    instanceId: 'AWS::EC2::Instance',
    groupId: 'AWS::EC2::SecurityGroup',
    volumeId: 'AWS::EC2::Volume',
    snapshotId: 'AWS::EC2::Snapshot',
    imageId: 'AWS::EC2::Ami',
    vpcId: 'AWS::EC2::VPC',
    subnetId: 'AWS::EC2::Subnet',
    keyName: 'AWS::EC2::KeyPair',
  },
  'lambda.amazonaws.com': { functionName: 'AWS::Lambda::Function' },
  'kms.amazonaws.com': { keyId: 'AWS::KMS::Key' },
  'secretsmanager.amazonaws.com': { secretId: 'AWS::SecretsManager::Secret' },
  'rds.amazonaws.com': {
    dBInstanceIdentifier: 'AWS::RDS::DBInstance',
    dBSnapshotIdentifier: 'AWS::RDS::DBSnapshot',
    dBClusterIdentifier: 'AWS::RDS::DBCluster',
  },
  'dynamodb.amazonaws.com': { tableName: 'AWS::DynamoDB::Table' },
  'sns.amazonaws.com': { topicArn: 'AWS::SNS::Topic' },
  'sqs.amazonaws.com': { queueUrl: 'AWS::SQS::Queue' },
  'logs.amazonaws.com': { logGroupName: 'AWS::Logs::LogGroup' },
};

/** Walks request parameters and response elements (bounded depth) for resource-naming keys. */
function collectNamed(
  value: unknown,
  keys: Record<string, string>,
  out: [string, string][],
  depth: number,
): void {
  if (depth > 4 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 100)) collectNamed(item, keys, out, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const type = keys[k];
    if (type && typeof v === 'string' && v.length > 0 && v.length <= 2048) out.push([type, v]);
    else if (v !== null && typeof v === 'object') collectNamed(v, keys, out, depth + 1);
  }
}

export function resourcesOf(record: CloudTrailRecord): [string, string][] {
  const found: [string, string][] = [];
  for (const r of record.resources ?? []) {
    if (r.type && r.ARN) found.push([r.type, r.ARN]);
  }
  const keys = RESOURCE_PARAMETERS[record.eventSource];
  if (keys) {
    collectNamed(record.requestParameters, keys, found, 0);
    collectNamed(record.responseElements, keys, found, 0);
  }
  const seen = new Set<string>();
  return found.filter(([t, n]) => {
    const id = `${t}\n${n}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export function lookupFieldsOf(record: CloudTrailRecord): LookupFields {
  const insight = record.eventType === 'AwsCloudTrailInsight' ? record.insightDetails : undefined;
  const resources = insight ? [] : resourcesOf(record);
  const accessKeyId = record.userIdentity?.accessKeyId;
  return {
    eventName: insight?.eventName ?? record.eventName,
    eventSource: insight?.eventSource ?? record.eventSource,
    username: usernameOf(record.userIdentity),
    accessKeyId: accessKeyId ? accessKeyId : null,
    readOnly: typeof record.readOnly === 'boolean' ? record.readOnly : null,
    resourceTypes: resources.map(([t]) => t),
    resourceNames: resources.map(([, n]) => n),
  };
}
