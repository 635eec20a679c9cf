/**
 * Tags on CloudTrail Lake event data stores through real clients: CreateEventDataStore's TagsList,
 * AddTags, RemoveTags and ListTags from @aws-sdk/client-cloudtrail and the AWS CLI v1, AWS's limits
 * and errors (unknown and pending-deletion stores included), and tags kept across a restart.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  AddTagsCommand,
  CreateEventDataStoreCommand,
  CreateTrailCommand,
  DeleteEventDataStoreCommand,
  ListEventDataStoresCommand,
  ListTagsCommand,
  RemoveTagsCommand,
  RestoreEventDataStoreCommand,
  type CloudTrailClient,
  type Tag,
} from '@aws-sdk/client-cloudtrail';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { AWS_CLI_V1, run } from './helpers/run.ts';
import { makeTempDir, startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, errorOf } from './helpers/trails.ts';

let dataDir: string;
let server: TestServer;
let client: CloudTrailClient;

async function createStore(name: string, tags?: Tag[]): Promise<string> {
  const created = await client.send(
    new CreateEventDataStoreCommand({
      Name: name,
      TerminationProtectionEnabled: false,
      ...(tags ? { TagsList: tags } : {}),
    }),
  );
  return created.EventDataStoreArn ?? '';
}

async function tagsOf(arn: string): Promise<Tag[] | undefined> {
  const listed = await client.send(new ListTagsCommand({ ResourceIdList: [arn] }));
  assert.equal(listed.ResourceTagList?.length, 1);
  assert.equal(listed.ResourceTagList?.[0]?.ResourceId, arn);
  return listed.ResourceTagList?.[0]?.TagsList;
}

function manyTags(count: number, from = 0): Tag[] {
  return Array.from({ length: count }, (_, i) => ({ Key: `key-${from + i}`, Value: `value ${from + i}` }));
}

before(async () => {
  dataDir = await makeTempDir('opentrail-lake-tags-');
  server = await startTestServer({ dataDir });
  client = cloudTrailClient(server);
});

after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('tags on event data stores with @aws-sdk/client-cloudtrail', () => {
  let arn = '';

  it('CreateEventDataStore keeps TagsList, returns it, and ListTags lists it in the given order', async () => {
    const given = [
      { Key: 'team', Value: 'forensics' },
      { Key: 'cost center', Value: 'Ünïcødé 東京 42' },
      { Key: 'flag' },
    ];
    const created = await client.send(
      new CreateEventDataStoreCommand({
        Name: 'tagged',
        TerminationProtectionEnabled: false,
        TagsList: given,
      }),
    );
    arn = created.EventDataStoreArn ?? '';
    assert.deepEqual(created.TagsList, given);
    assert.deepEqual(await tagsOf(arn), given);
  });

  it('a store created without TagsList has no tags', async () => {
    assert.deepEqual(await tagsOf(await createStore('untagged')), []);
  });

  it('AddTags overwrites a key, drops the value of a key given without one, and appends new keys', async () => {
    await client.send(
      new AddTagsCommand({
        ResourceId: arn,
        TagsList: [
          { Key: 'team', Value: 'incident-response' },
          { Key: 'cost center' },
          { Key: 'env', Value: 'prod' },
        ],
      }),
    );
    assert.deepEqual(await tagsOf(arn), [
      { Key: 'team', Value: 'incident-response' },
      { Key: 'cost center' },
      { Key: 'flag' },
      { Key: 'env', Value: 'prod' },
    ]);
  });

  it('RemoveTags removes listed keys, ignores keys the store does not have', async () => {
    await client.send(
      new RemoveTagsCommand({
        ResourceId: arn,
        TagsList: [{ Key: 'flag' }, { Key: 'cost center' }, { Key: 'nope' }],
      }),
    );
    assert.deepEqual(await tagsOf(arn), [
      { Key: 'team', Value: 'incident-response' },
      { Key: 'env', Value: 'prod' },
    ]);
  });

  it('ListTags mixes stores and trails in one call, in the order asked', async () => {
    await LocalDirObjectStore.createBucket(`${server.dataDir}/buckets`, 'tags-trail-bucket');
    const trail = await client.send(
      new CreateTrailCommand({
        Name: 'tagged-trail',
        S3BucketName: 'tags-trail-bucket',
        TagsList: [{ Key: 'kind', Value: 'trail' }],
      }),
    );
    const listed = await client.send(new ListTagsCommand({ ResourceIdList: [trail.TrailARN ?? '', arn] }));
    assert.deepEqual(listed.ResourceTagList, [
      { ResourceId: trail.TrailARN, TagsList: [{ Key: 'kind', Value: 'trail' }] },
      {
        ResourceId: arn,
        TagsList: [
          { Key: 'team', Value: 'incident-response' },
          { Key: 'env', Value: 'prod' },
        ],
      },
    ]);
  });

  it('a store holds at most 50 tags: the 51st is TagsLimitExceededException and changes nothing', async () => {
    const store = await createStore('fifty', manyTags(48));
    await client.send(new AddTagsCommand({ ResourceId: store, TagsList: manyTags(2, 48) }));
    assert.equal((await tagsOf(store))?.length, 50);
    const refused = await errorOf(
      client.send(new AddTagsCommand({ ResourceId: store, TagsList: manyTags(2, 49) })),
    );
    assert.equal(refused.name, 'TagsLimitExceededException');
    assert.match(refused.message, /would have 51 tags; an event data store may have at most 50/);
    assert.deepEqual(await tagsOf(store), manyTags(50));
    // Overwriting a key on a full store is not a new tag.
    await client.send(new AddTagsCommand({ ResourceId: store, TagsList: [{ Key: 'key-0', Value: 'new' }] }));
    assert.deepEqual((await tagsOf(store))?.[0], { Key: 'key-0', Value: 'new' });
  });

  it('CreateEventDataStore with more than 50 tags is InvalidTagParameterException and creates nothing', async () => {
    const refused = await errorOf(
      client.send(new CreateEventDataStoreCommand({ Name: 'too-many-tags', TagsList: manyTags(51) })),
    );
    assert.equal(refused.name, 'InvalidTagParameterException');
    assert.match(refused.message, /51 tags; an event data store may have at most 50/);
    const names = ((await client.send(new ListEventDataStoresCommand({}))).EventDataStores ?? []).map(
      (s) => s.Name,
    );
    assert.ok(!names.includes('too-many-tags'), names.join(', '));
  });

  it('keys and values follow the trail rules (length, characters, aws: prefix, duplicates)', async () => {
    const bad: [string, Tag[]][] = [
      ['a key over 128 characters', [{ Key: 'k'.repeat(129), Value: 'v' }]],
      ['an empty key', [{ Key: '', Value: 'v' }]],
      ['a value over 256 characters', [{ Key: 'k', Value: 'v'.repeat(257) }]],
      ['a key with &', [{ Key: 'a&b', Value: 'v' }]],
      ['a value with <', [{ Key: 'a', Value: 'x<y' }]],
      ['the reserved aws: prefix', [{ Key: 'aws:owner', Value: 'v' }]],
      [
        'a key given twice',
        [
          { Key: 'a', Value: '1' },
          { Key: 'a', Value: '2' },
        ],
      ],
    ];
    for (const [what, tags] of bad) {
      const onAdd = await errorOf(client.send(new AddTagsCommand({ ResourceId: arn, TagsList: tags })));
      assert.equal(onAdd.name, 'InvalidTagParameterException', `AddTags with ${what}: ${onAdd.message}`);
      const onCreate = await errorOf(
        client.send(new CreateEventDataStoreCommand({ Name: 'bad-tags', TagsList: tags })),
      );
      assert.equal(
        onCreate.name,
        'InvalidTagParameterException',
        `CreateEventDataStore with ${what}: ${onCreate.message}`,
      );
    }
    // The limits themselves are allowed, counted in characters, not bytes.
    await client.send(
      new AddTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'é'.repeat(128), Value: '東'.repeat(256) }] }),
    );
    await client.send(new RemoveTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'é'.repeat(128) }] }));
    assert.equal((await tagsOf(arn))?.length, 2);
  });

  it('EventDataStoreNotFoundException for an unknown store, CloudTrailARNInvalidException for another region or account', async () => {
    const unknown = arn.replace(/eventdatastore\/.*$/, `eventdatastore/${randomUUID()}`);
    const otherRegion = arn.replace(':us-east-1:', ':eu-west-1:');
    const otherAccount = arn.replace(/:\d{12}:/, ':111122223333:');
    for (const [resource, code] of [
      [unknown, 'EventDataStoreNotFoundException'],
      [otherRegion, 'CloudTrailARNInvalidException'],
      [otherAccount, 'CloudTrailARNInvalidException'],
    ] as const) {
      // Each failure is caught as the call is made: they may fail in any order.
      const failures = [
        errorOf(
          client.send(new AddTagsCommand({ ResourceId: resource, TagsList: [{ Key: 'a', Value: 'b' }] })),
        ),
        errorOf(client.send(new RemoveTagsCommand({ ResourceId: resource, TagsList: [{ Key: 'a' }] }))),
        errorOf(client.send(new ListTagsCommand({ ResourceIdList: [arn, resource] }))),
      ];
      for (const failure of failures) assert.equal((await failure).name, code, resource);
    }
  });

  it('a store pending deletion is InactiveEventDataStoreException; restored, it has its tags again', async () => {
    const store = await createStore('doomed', [{ Key: 'keep', Value: 'me' }]);
    await client.send(new DeleteEventDataStoreCommand({ EventDataStore: store }));
    for (const failure of [
      errorOf(client.send(new AddTagsCommand({ ResourceId: store, TagsList: [{ Key: 'a', Value: 'b' }] }))),
      errorOf(client.send(new RemoveTagsCommand({ ResourceId: store, TagsList: [{ Key: 'keep' }] }))),
      errorOf(client.send(new ListTagsCommand({ ResourceIdList: [store] }))),
    ]) {
      assert.equal((await failure).name, 'InactiveEventDataStoreException');
    }
    await client.send(new RestoreEventDataStoreCommand({ EventDataStore: store }));
    assert.deepEqual(await tagsOf(store), [{ Key: 'keep', Value: 'me' }]);
  });
});

describe('tags on event data stores with the AWS CLI v1', () => {
  async function cli(...args: string[]): Promise<unknown> {
    const result = await run(
      AWS_CLI_V1,
      ['cloudtrail', ...args, '--endpoint-url', server.url, '--output', 'json'],
      { env: server.awsEnv },
    );
    assert.equal(result.code, 0, `aws cloudtrail ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim() === '' ? {} : JSON.parse(result.stdout);
  }

  it('create-event-data-store --tags-list, add-tags, remove-tags and list-tags', async () => {
    const created = (await cli(
      'create-event-data-store',
      '--name',
      'cli-tagged',
      '--no-termination-protection-enabled',
      '--tags-list',
      'Key=owner,Value=alice',
      'Key=tier,Value=gold',
    )) as { EventDataStoreArn: string; TagsList: Tag[] };
    assert.deepEqual(created.TagsList, [
      { Key: 'owner', Value: 'alice' },
      { Key: 'tier', Value: 'gold' },
    ]);
    const arn = created.EventDataStoreArn;
    await cli('add-tags', '--resource-id', arn, '--tags-list', 'Key=owner,Value=bob', 'Key=env,Value=dev');
    await cli('remove-tags', '--resource-id', arn, '--tags-list', 'Key=tier');
    assert.deepEqual(await cli('list-tags', '--resource-id-list', arn), {
      ResourceTagList: [
        {
          ResourceId: arn,
          TagsList: [
            { Key: 'owner', Value: 'bob' },
            { Key: 'env', Value: 'dev' },
          ],
        },
      ],
    });
  });

  it('prints the AWS error code for an unknown store', async () => {
    const stores = (await client.send(new ListEventDataStoresCommand({}))).EventDataStores ?? [];
    const unknown = (stores[0]?.EventDataStoreArn ?? '').replace(
      /eventdatastore\/.*$/,
      `eventdatastore/${randomUUID()}`,
    );
    const result = await run(
      AWS_CLI_V1,
      ['cloudtrail', 'list-tags', '--resource-id-list', unknown, '--endpoint-url', server.url],
      { env: server.awsEnv },
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /EventDataStoreNotFoundException/);
  });
});

describe('tags after a restart', () => {
  it('every store keeps its tags when the server starts again on the same data directory', async () => {
    const stores = (await client.send(new ListEventDataStoresCommand({}))).EventDataStores ?? [];
    const arns = stores.map((s) => s.EventDataStoreArn ?? '');
    assert.ok(arns.length >= 5, `${arns.length} stores`);
    const before = await client.send(new ListTagsCommand({ ResourceIdList: arns }));
    assert.ok((before.ResourceTagList ?? []).some((r) => (r.TagsList ?? []).length === 50));

    await server.close();
    server = await startTestServer({ dataDir });
    client = cloudTrailClient(server);

    const afterRestart = await client.send(new ListTagsCommand({ ResourceIdList: arns }));
    assert.deepEqual(afterRestart.ResourceTagList, before.ResourceTagList);
    // And they can still be changed.
    const [first] = arns;
    await client.send(
      new AddTagsCommand({ ResourceId: first, TagsList: [{ Key: 'restarted', Value: 'yes' }] }),
    );
    assert.deepEqual((await tagsOf(first ?? ''))?.at(-1), { Key: 'restarted', Value: 'yes' });
  });
});
