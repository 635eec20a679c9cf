/** Composition root: reads the Config once, builds the adapters and starts the API. */
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import {
  NextTokenCodec,
  cloudTrailDataEndpoint,
  cloudTrailEndpoint,
  DEFAULT_PIPELINE_LIMITS,
  createApiServer,
  iamEndpoint,
  mfaHandlers,
  simulateHandlers,
  organizationsEndpoint,
  recordsEndpoint,
  stsEndpoint,
  type LakeContext,
} from './api/index.ts';
import type { Config } from './config.ts';
import {
  DEFAULT_DELIVERY_OPTIONS,
  DigestDelivery,
  HttpSnsNotifier,
  TrailDelivery,
} from './delivery/index.ts';
import { SigningKeyRing } from './integrity/index.ts';
import {
  AWS_MANAGED_POLICY_ENTITIES,
  Authenticator,
  IamService,
  KeyLastUses,
  MfaDevices,
  SessionTokens,
  ServiceControlPolicies,
  IamCallerPolicies,
  PolicyAuthorizer,
  bootstrapIdentity,
  type Authorizer,
  ensureAdminAccess,
  checkPolicyGrammar,
  writeCliConfig,
} from './iam/index.ts';

import { FileAuditJournal, FileOrganizations, prepareDataDir } from './local/index.ts';
import {
  GroupCommitter,
  ParsePool,
  RecordingAccounts,
  recoverAuditIntents,
  type AuditJournal,
} from './ingest/index.ts';
import type { EventStore } from './store/index.ts';
import { LocalKeyProvider } from './local/index.ts';
import { type ObjectStore } from './objects/index.ts';
import { LocalDirObjectStore } from './local/index.ts';
import { S3ObjectStore } from './aws/index.ts';
import {
  DuckDbChannelStore,
  DuckDbDatabase,
  DuckDbDigestJournal,
  DuckDbEventStore,
  DuckDbIdentityStore,
  DuckDbKeyLastUseStore,
  DuckDbLakeQueryEngine,
  DuckDbLakeStore,
  DuckDbMfaDeviceStore,
  DuckDbResourcePolicyStore,
  DuckDbScpStore,
  DuckDbSigningKeyStore,
  DuckDbTrailStore,
} from './duckdb/index.ts';
import { TrailRegistry, organizationAccounts } from './trails/index.ts';
import {
  ChannelRegistry,
  DEFAULT_QUERY_OPTIONS,
  EventDataStoreRegistry,
  ImportService,
  LakeIngestion,
  QueryService,
  ResourcePolicies,
} from './query/index.ts';
import { ServiceError } from './errors.ts';
import { ServerMetrics, startAdminServer, type AdminServer } from './metrics/index.ts';

export interface RunningServer {
  url: string;
  port: number;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  credentialsPath: string;
  /** `<data-dir>/root-credentials`, profile `opentrail-root`: the root user's key, while it has one. */
  rootCredentialsPath?: string;
  dataDir: string;
  /** The Prometheus listener (`http://host:port`, scraped at /metrics) when --metrics-address is set. */
  metricsUrl?: string;
  /**
   * Runs a round of every consumer of the log now and waits for it: trail delivery, then digests,
   * then Lake ingestion. Tests assert what was (and was not) delivered without waiting for timers.
   */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** One ObjectStore per bucket name, made on first use. */
function bucketResolver(config: Config, dataDir: string): (name: string) => ObjectStore {
  const stores = new Map<string, ObjectStore>();
  const root = join(dataDir, 'buckets');
  const objects = config.objectStore;
  return (name) => {
    let store = stores.get(name);
    if (!store) {
      store =
        objects.kind === 'local'
          ? new LocalDirObjectStore(root, name, { fileMode: config.bucketFileMode })
          : new S3ObjectStore({
              bucket: name,
              region: objects.region ?? process.env.AWS_REGION ?? config.region,
              ...(objects.endpoint ? { endpoint: objects.endpoint } : {}),
            });
      stores.set(name, store);
    }
    return store;
  };
}

/**
 * Parts a benchmark or test puts in place of the ones the Config makes; `serve` passes none.
 */
export interface ServerOverrides {
  /**
   * Wraps or replaces the PolicyAuthorizer (bench/recording-authz.ts measures what authorization
   * costs against the same server with `() => allowAuthenticated`, and times both).
   */
  authorizer?: (policies: Authorizer) => Authorizer;
  /** Wraps the audit journal the pipeline writes intents to (a test makes its writes fail). */
  auditJournal?: (journal: AuditJournal) => AuditJournal;
  /** Wraps the event log the group commit appends through (a test fails or holds chosen commits). */
  eventLog?: (store: EventStore) => EventStore;
}

export async function startServer(
  config: Config,
  logger: Logger = pino({ level: config.logLevel }),
  overrides: ServerOverrides = {},
): Promise<RunningServer> {
  const dataDir = resolve(config.dataDir);
  // Everything the server creates from here on, DuckDB's database, WAL and spill files included,
  // is for this user alone; what an earlier run or a copy left looser is tightened.
  process.umask(0o077);
  const { changedModes } = await prepareDataDir(dataDir, {
    bucketFileMode: config.bucketFileMode,
    localBuckets: config.objectStore.kind === 'local',
  });
  if (changedModes > 0) logger.info({ dataDir, changedModes }, 'tightened modes in the data directory');
  const keys = await LocalKeyProvider.open(dataDir);
  const db = await DuckDbDatabase.open(join(dataDir, 'opentrail.duckdb'));
  const store = await DuckDbEventStore.open(db);
  // Closed with the database: a connection left open keeps the DuckDB instance alive past close(),
  // and its checkpoint when it is collected then races the next open of the file in this process.
  const identityConnection = await db.connect();
  const identityStore = await DuckDbIdentityStore.open(identityConnection, keys);
  // The keys load before the server listens, so no request that reaches it meets an empty key
  // list (UnrecognizedClientException, which SDKs do not retry).
  let identity;
  try {
    identity = await bootstrapIdentity(identityStore, {
      dataDir,
      nowMs: Date.now(),
      ...(config.accountId !== undefined ? { accountId: config.accountId } : {}),
    });
  } catch (error) {
    await store.close();
    db.close();
    throw error;
  }
  if (identity.rootKeyIssued && !identity.created) {
    logger.info(
      { accountId: identity.accountId, path: identity.rootCredentialsPath },
      'gave the account its root user access key (a data directory made before root keys)',
    );
  }
  // Metrics are kept only when served: otherwise none of their hooks runs.
  const metrics = config.metricsAddress ? new ServerMetrics({ logger }) : undefined;
  const observed = metrics ? { runnerObserver: metrics } : {};
  const committer = new GroupCommitter(overrides.eventLog?.(store) ?? store, undefined, metrics);
  metrics?.measureGroupCommit(() => committer.backlog);
  // Audit first: calls that were cut off between their change and their audit record (kill -9,
  // a failed commit) get that record now, before the server takes calls.
  let auditJournal: AuditJournal;
  try {
    const journalFile = await FileAuditJournal.open(dataDir);
    if (journalFile.skippedLines > 0) {
      logger.warn({ skipped: journalFile.skippedLines }, 'skipped audit journal lines cut short by a crash');
    }
    auditJournal = overrides.auditJournal?.(journalFile) ?? journalFile;
    const recovery = await recoverAuditIntents(auditJournal, committer, Date.now());
    if (recovery.recovered > 0) {
      logger.warn(
        { recovered: recovery.recovered },
        'recorded calls whose outcome was lost (additionalEventData.outcome Unknown)',
      );
    }
  } catch (error) {
    await store.close();
    db.close();
    throw error;
  }
  const parsers = new ParsePool(config.parseWorkers);
  const now = Date.now;
  const organizations = new FileOrganizations(dataDir);
  const trails = await TrailRegistry.open(await DuckDbTrailStore.open(db), organizations);
  const notifier = new HttpSnsNotifier(new Map(Object.entries(config.snsTopics)), { timeoutMs: 10_000, now });
  const bucket = bucketResolver(config, dataDir);
  const journal = await DuckDbDigestJournal.open(db);
  const signingKeys = new SigningKeyRing(await DuckDbSigningKeyStore.open(db), keys, {
    rotationDays: config.keyRotationDays,
    now,
  });
  const digests = new DigestDelivery(
    { events: store, trails, journal, keys: signingKeys, bucket, logger, now, ...observed },
    {
      intervalMs: config.digestIntervalSeconds * 1000,
      checkEveryMs: Math.min(1000, config.digestIntervalSeconds * 1000),
    },
  );
  const delivery = new TrailDelivery(
    {
      events: store,
      trails,
      bucket,
      notifier,
      journal,
      memberAccounts: (trail) => {
        const org = organizations.organizationOf(trail.accountId);
        return org && org.managementAccountId === trail.accountId ? organizationAccounts(org) : undefined;
      },
      logger,
      now,
      ...observed,
    },
    {
      ...DEFAULT_DELIVERY_OPTIONS,
      intervalMs: config.deliveryIntervalSeconds * 1000,
      maxFileBytes: config.logFileMaxBytes,
    },
  );

  const lakeStore = await DuckDbLakeStore.open(db, store);
  // With the organizations: CloudTrail delegated administrators reach organization event data stores.
  const lakeRegistry = await EventDataStoreRegistry.open(lakeStore, organizations);
  const orgAccountsOf = (accountId: string): ReadonlySet<string> | undefined => {
    const org = organizations.organizationOf(accountId);
    return org && org.managementAccountId === accountId ? organizationAccounts(org) : undefined;
  };
  // Resource-based policies of channels, event data stores and dashboards (PutResourcePolicy).
  const resourcePolicies = await ResourcePolicies.open(await DuckDbResourcePolicyStore.open(db));
  const ingestion = new LakeIngestion({
    events: store,
    registry: lakeRegistry,
    organizationAccounts: orgAccountsOf,
    logger,
    now,
    ...observed,
    onStoreDeleted: async (gone) => {
      await resourcePolicies.delete(gone.arn);
    },
  });
  const queryEngine = await DuckDbLakeQueryEngine.open(db, {
    connections: config.queryConcurrency,
    spillDirectory: join(dataDir, 'lake-spill'),
    spillLimitMiB: config.querySpillLimitMiB,
    ...(config.queryMemoryLimitMiB !== undefined ? { memoryLimitMiB: config.queryMemoryLimitMiB } : {}),
  });
  const queries = await QueryService.open(
    { lake: lakeStore, registry: lakeRegistry, engine: queryEngine, bucket, keys: signingKeys, logger, now },
    {
      ...DEFAULT_QUERY_OPTIONS,
      timeoutMs: config.queryTimeoutSeconds * 1000,
      concurrency: config.queryConcurrency,
      runningPerAccount: config.queryAccountShare,
      maxConcurrentPerAccount: config.maxConcurrentQueries,
    },
  );
  metrics?.measureQueries(() => queries.stats());

  const channels = await ChannelRegistry.open(await DuckDbChannelStore.open(db));
  const imports = await ImportService.open({
    lake: lakeStore,
    registry: lakeRegistry,
    bucket,
    events: store,
    organizationAccounts: orgAccountsOf,
    logger,
    now,
  });

  // Temporary credentials (STS) carry their session in a sealed token; MFA devices prove codes.
  const sessions = new SessionTokens(keys);
  // Keys' last uses (GetAccessKeyLastUsed) persist, written in the background once a minute at most.
  const keyLastUses = await KeyLastUses.open(await DuckDbKeyLastUseStore.open(db), {
    onError: (error) => logger.error({ err: error }, "writing access keys' last uses failed"),
  });
  const authenticator = new Authenticator(identity.keys, sessions, keyLastUses);
  const mfaDevices = await MfaDevices.open(await DuckDbMfaDeviceStore.open(db, keys));
  // Service control policies of the organizations `opentrail orgs` manages.
  const scps = await ServiceControlPolicies.open(await DuckDbScpStore.open(db), organizations);
  // IAM's users, groups, roles and policies; key changes reach the authenticator at once.
  const iam = await IamService.open({
    store: identityStore,
    registry: authenticator,
    awsPolicies: AWS_MANAGED_POLICY_ENTITIES,
    checkDocument: checkPolicyGrammar,
  });
  // Every call is decided by the caller's IAM policies; the bootstrap admin holds
  // AdministratorAccess (given again to an admin of an older data directory that has none).
  for (const accountId of await identityStore.listAccounts()) {
    if (await ensureAdminAccess(iam, { accountId, region: config.region, nowMs: Date.now() })) {
      logger.info({ accountId, user: 'admin' }, 'attached AdministratorAccess to the admin user');
    }
  }
  const callerPolicies = new IamCallerPolicies(iam);
  const policyAuthorizer = new PolicyAuthorizer({
    policies: callerPolicies,
    requireMfaForDestruction: config.requireMfaForDestruction,
    serviceControlPolicies: (accountId) => scps.scpLevelsFor(accountId),
    now,
  });
  const authorizer = overrides.authorizer?.(policyAuthorizer) ?? policyAuthorizer;
  const lake: LakeContext = {
    registry: lakeRegistry,
    ingestion,
    queries,
    imports,
    channels,
    resourcePolicies,
    checkDeletable: (store) => {
      channels.checkDeletable(store);
      if (imports.hasOngoing(store.arn)) {
        throw new ServiceError(
          'EventDataStoreHasOngoingImportException',
          `Event data store ${store.arn} has an import in progress; stop it or wait for it to finish.`,
        );
      }
    },
  };
  const server = createApiServer({
    endpoints: [
      cloudTrailEndpoint({
        store,
        tokens: new NextTokenCodec(keys.deriveKey('lookup-next-token')),
        historyRetentionDays: config.historyRetentionDays,
        trails,
        delivery: {
          wake: () => delivery.wake(),
          forget: async (arn) => {
            await delivery.forget(arn);
            await digests.forget(arn);
          },
        },
        bucket,
        notifier,
        organizations,
        signingKeys,
        lake,
      }),
      cloudTrailDataEndpoint(lake),
      iamEndpoint(
        {
          iam,
          lastUse: (id) => authenticator.lastUse(id),
          accountCreatedMs: (id) => identityStore.accountCreatedMs(id),
        },
        {
          ...mfaHandlers(mfaDevices),
          ...simulateHandlers({
            callerPolicies,
            serviceControlPolicies: (accountId) => scps.scpLevelsFor(accountId),
          }),
        },
      ),
      stsEndpoint({ sessions, mfaDevices, iam }),
      organizationsEndpoint({ scps, organizations }),
      recordsEndpoint({
        parsers,
        historyRetentionDays: config.historyRetentionDays,
        maxFutureSkewMs: config.maxFutureSkewSeconds * 1000,
        recordingAccounts: new RecordingAccounts({
          accountCreatedMs: (id) => identityStore.accountCreatedMs(id),
          organizationAccounts: orgAccountsOf,
        }),
      }),
    ],
    authenticator,
    authorizer,
    committer,
    auditJournal,
    logger,
    now,
    ...(metrics ? { metrics } : {}),
    limits: {
      ...DEFAULT_PIPELINE_LIMITS,
      maxConnections: config.maxConnections,
      maxInflightBodyBytes: config.maxInflightBodyMiB * 1024 * 1024,
    },
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

  let admin: AdminServer | undefined;
  try {
    // Only the CLI's config file waits for the port (it names the endpoint URL).
    await writeCliConfig(dataDir, { region: config.region, endpointUrl: url });
    if (metrics && config.metricsAddress)
      admin = await startAdminServer(config.metricsAddress, metrics, logger);
  } catch (error) {
    server.close();
    await delivery.close();
    await digests.close();
    await parsers.close();
    await keyLastUses.close();
    await auditJournal.close();
    await store.close();
    db.close();
    throw error;
  }
  delivery.start();
  delivery.wake();
  digests.start();
  ingestion.start();
  imports.resume();
  queries.resume();

  const purge = async (): Promise<void> => {
    try {
      const removed = await store.purgeHistory(now() - config.historyRetentionDays * DAY_MS);
      if (removed > 0) logger.info({ removed }, 'purged events older than the Event history window');
    } catch (error) {
      logger.error({ err: error }, 'Event history purge failed');
    }
  };
  const purgeTimer = setInterval(() => void purge(), config.purgeIntervalMs);
  purgeTimer.unref();
  void purge();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    accountId: identity.accountId,
    accessKeyId: identity.admin.accessKeyId,
    secretAccessKey: identity.admin.secretAccessKey,
    credentialsPath: identity.credentialsPath,
    ...(identity.root ? { rootCredentialsPath: identity.rootCredentialsPath } : {}),
    dataDir,
    ...(admin ? { metricsUrl: admin.url } : {}),
    async flush() {
      await delivery.flush();
      await digests.flush();
      await ingestion.runOnce();
    },
    close() {
      closing ??= (async () => {
        clearInterval(purgeTimer);
        await admin?.close();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeIdleConnections();
        });
        await delivery.close();
        await digests.close();
        await ingestion.close();
        await imports.close();
        await queries.close();
        await parsers.close();
        await keyLastUses.close();
        await auditJournal.close();
        await store.close();
        lakeStore.close();
        queryEngine.close();
        identityConnection.closeSync();
        db.close();
      })();
      return closing;
    },
  };
}
