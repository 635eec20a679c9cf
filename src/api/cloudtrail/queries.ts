/**
 * CloudTrail Lake queries: StartQuery, DescribeQuery, GetQueryResults, ListQueries, CancelQuery.
 * Values come back as strings, each row a list of one-entry maps {column: value}, as on AWS.
 * StartQuery's DeliveryS3Uri also saves the results to a bucket (src/query/query-delivery.ts);
 * DescribeQuery then returns the URI and the DeliveryStatus. A query may read another account's
 * event data store whose resource-based policy lets the caller (named by ARN, or by ID with
 * EventDataStoreOwnerAccountId); the query stays the caller's, and its answers name the owner.
 */
import { ServiceError } from '../../errors.ts';
import { inactiveEventDataStore } from '../../query/event-data-store.ts';
import type { QueryRecord } from '../../query/lake-store.ts';
import { parseDeliveryS3Uri } from '../../query/query-delivery.ts';
import { queryNotFound } from '../../query/queries.ts';
import { optionalInteger, optionalString, optionalTimestamp, requireString } from '../../input.ts';
import type { OperationContext } from './operation.ts';
import { sharedStore } from './resource-policies.ts';

type Output = Promise<Record<string, unknown>>;

const QUERY_STATUSES = ['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];
const QUERY_ID = /^[a-f0-9-]{36}$/;
/** The model: a statement is 1 to 10,000 characters. */
const MAX_STATEMENT_CHARS = 10_000;
const MAX_PAGE = 1000;

function callerOf(ctx: OperationContext): { accountId: string; region: string } {
  return { accountId: ctx.caller.principal.accountId, region: ctx.caller.region };
}

/**
 * EventDataStoreOwnerAccountId (the model: 12 to 16 digits): the account whose event data stores a
 * query reads, when that is not the caller's — a store of another account is reached through its
 * resource-based policy. Undefined for the caller's own account.
 */
function ownerAccountOf(input: Record<string, unknown>, ctx: OperationContext): string | undefined {
  const owner = optionalString(input.EventDataStoreOwnerAccountId, 'EventDataStoreOwnerAccountId');
  if (owner === undefined) return undefined;
  if (!/^\d{12,16}$/.test(owner)) {
    throw new ServiceError(
      'InvalidParameterException',
      `EventDataStoreOwnerAccountId ${owner.slice(0, 32)} is not valid; it is the account ID of the event data store owner.`,
    );
  }
  return owner === ctx.caller.principal.accountId ? undefined : owner;
}

/** The answers' EventDataStoreOwnerAccountId, for a query over another account's stores. */
function ownerOf(query: QueryRecord, ctx: OperationContext): { EventDataStoreOwnerAccountId?: string } {
  const owner = query.storeArns
    .map((arn) => arn.split(':')[4])
    .find((account) => account !== undefined && account !== ctx.caller.principal.accountId);
  return owner !== undefined ? { EventDataStoreOwnerAccountId: owner } : {};
}

function queryIdOf(input: Record<string, unknown>): string {
  const id = requireString(input.QueryId, 'QueryId', 'InvalidParameterException');
  if (!QUERY_ID.test(id))
    throw new ServiceError(
      'InvalidParameterException',
      `QueryId ${id.slice(0, 64)} is not a valid query ID.`,
    );
  return id;
}

/** Finds the caller's query and refuses it when a store it reads is pending deletion. */
function activeQuery(input: Record<string, unknown>, ctx: OperationContext): QueryRecord {
  const caller = callerOf(ctx);
  const owner = ownerAccountOf(input, ctx);
  const storeRef = optionalString(input.EventDataStore, 'EventDataStore');
  if (storeRef !== undefined && !sharedStore(storeRef, ctx, owner)) ctx.lake.registry.find(storeRef, caller);
  const query = ctx.lake.queries.get(caller, queryIdOf(input));
  // Named with another owner, the query must read that owner's stores.
  if (owner !== undefined && !query.storeArns.some((arn) => arn.split(':')[4] === owner)) {
    throw queryNotFound(query.id);
  }
  for (const arn of query.storeArns) {
    const store = ctx.lake.registry.all().find((s) => s.arn === arn);
    if (store?.deletedMs !== undefined) throw inactiveEventDataStore(store);
  }
  return query;
}

export async function startQuery(input: Record<string, unknown>, ctx: OperationContext): Output {
  const owner = ownerAccountOf(input, ctx);
  if (input.QueryAlias !== undefined || input.QueryParameters !== undefined) {
    throw new ServiceError(
      'UnsupportedOperationException',
      'QueryAlias and QueryParameters serve the CloudTrail Lake dashboards, which OpenTrail does not have; pass QueryStatement.',
    );
  }
  const uri = optionalString(input.DeliveryS3Uri, 'DeliveryS3Uri');
  const delivery = uri === undefined ? undefined : parseDeliveryS3Uri(uri);
  const statement = requireString(input.QueryStatement, 'QueryStatement', 'InvalidParameterException');
  if (statement.length === 0 || statement.length > MAX_STATEMENT_CHARS) {
    throw new ServiceError(
      'InvalidQueryStatementException',
      `The query statement has ${statement.length} characters; it must have 1 to ${MAX_STATEMENT_CHARS}.`,
    );
  }
  // Stores of other accounts: those whose resource-based policy the authorizer found allowing.
  const query = await ctx.lake.queries.start(callerOf(ctx), statement, delivery, {
    ...(owner !== undefined ? { ownerAccountId: owner } : {}),
    mayRead: (store) => ctx.lake.resourcePolicies.has(store.arn),
  });
  return { QueryId: query.id, ...ownerOf(query, ctx) };
}

export function describeQuery(input: Record<string, unknown>, ctx: OperationContext): Output {
  if (input.QueryAlias !== undefined || input.RefreshId !== undefined) {
    throw new ServiceError(
      'UnsupportedOperationException',
      'QueryAlias and RefreshId serve the CloudTrail Lake dashboards, which OpenTrail does not have; pass QueryId.',
    );
  }
  const query = activeQuery(input, ctx);
  return Promise.resolve({
    QueryId: query.id,
    QueryString: query.statement,
    QueryStatus: query.status,
    QueryStatistics: {
      // Records from before the engine profiled its statements know only their result rows.
      EventsMatched: query.eventsMatched ?? query.totalRows ?? 0,
      EventsScanned: query.eventsScanned ?? 0,
      BytesScanned: query.bytesScanned ?? 0,
      ExecutionTimeInMillis: query.executionMs ?? 0,
      CreationTime: query.createdMs / 1000,
    },
    ...(query.errorMessage !== undefined ? { ErrorMessage: query.errorMessage } : {}),
    ...(query.deliveryS3Uri !== undefined
      ? { DeliveryS3Uri: query.deliveryS3Uri, DeliveryStatus: query.deliveryStatus ?? 'UNKNOWN' }
      : {}),
    ...ownerOf(query, ctx),
  });
}

export async function getQueryResults(input: Record<string, unknown>, ctx: OperationContext): Output {
  const query = activeQuery(input, ctx);
  const max = optionalInteger(input.MaxQueryResults, 'MaxQueryResults');
  if (max !== undefined && (max < 1 || max > MAX_PAGE)) {
    throw new ServiceError(
      'InvalidMaxResultsException',
      `MaxQueryResults ${max} is invalid; it must be between 1 and ${MAX_PAGE}.`,
    );
  }
  const token = optionalString(input.NextToken, 'NextToken');
  const scope = `GetQueryResults:${query.id}`;
  const offset = token === undefined ? 0 : Number(ctx.tokens.decodeKey(token, scope));
  const base = {
    QueryStatus: query.status,
    ...(query.errorMessage !== undefined ? { ErrorMessage: query.errorMessage } : {}),
  };
  if (query.status !== 'FINISHED' || query.columns === undefined) {
    return {
      ...base,
      QueryStatistics: { ResultsCount: 0, TotalResultsCount: 0, BytesScanned: query.bytesScanned ?? 0 },
      QueryResultRows: [],
    };
  }
  const columns = query.columns;
  const total = query.totalRows ?? 0;
  const rows = await ctx.lake.queries.results(query.id, offset, max ?? MAX_PAGE);
  const next = offset + rows.length;
  return {
    ...base,
    QueryStatistics: {
      ResultsCount: rows.length,
      TotalResultsCount: total,
      BytesScanned: query.bytesScanned ?? 0,
    },
    // Lake leaves a column out of a row when its value is null.
    QueryResultRows: rows.map((row) =>
      row.flatMap((value, i) => (value === null ? [] : [{ [columns[i] ?? `_col${i}`]: value }])),
    ),
    ...(next < total ? { NextToken: ctx.tokens.encodeKey(String(next), scope) } : {}),
  };
}

export function listQueries(input: Record<string, unknown>, ctx: OperationContext): Output {
  const caller = callerOf(ctx);
  const ref = requireString(input.EventDataStore, 'EventDataStore', 'InvalidParameterException');
  // The caller's queries over its own store, or over another account's it reaches by policy.
  const store = sharedStore(ref, ctx) ?? ctx.lake.registry.find(ref, caller);
  if (store.deletedMs !== undefined) throw inactiveEventDataStore(store);
  const max = optionalInteger(input.MaxResults, 'MaxResults');
  if (max !== undefined && (max < 1 || max > MAX_PAGE)) {
    throw new ServiceError(
      'InvalidMaxResultsException',
      `MaxResults ${max} is invalid; it must be between 1 and ${MAX_PAGE}.`,
    );
  }
  const startMs = optionalTimestamp(input.StartTime, 'StartTime');
  const endMs = optionalTimestamp(input.EndTime, 'EndTime');
  if (startMs !== undefined && endMs !== undefined && startMs > endMs) {
    throw new ServiceError('InvalidDateRangeException', 'StartTime must be before EndTime.');
  }
  const status = optionalString(input.QueryStatus, 'QueryStatus');
  if (status !== undefined && !QUERY_STATUSES.includes(status)) {
    throw new ServiceError(
      'InvalidQueryStatusException',
      `QueryStatus ${status} is invalid; valid values are ${QUERY_STATUSES.join(', ')}.`,
    );
  }
  const token = optionalString(input.NextToken, 'NextToken');
  const scope = `ListQueries:${store.arn}:${startMs ?? ''}:${endMs ?? ''}:${status ?? ''}`;
  const after = token === undefined ? undefined : ctx.tokens.decodeKey(token, scope);
  const all = ctx.lake.queries
    .listFor(caller, store.arn)
    .filter(
      (q) =>
        (startMs === undefined || q.createdMs >= startMs) &&
        (endMs === undefined || q.createdMs <= endMs) &&
        (status === undefined || q.status === status),
    );
  const start = after === undefined ? 0 : all.findIndex((q) => q.id === after) + 1;
  const page = all.slice(start, start + (max ?? MAX_PAGE));
  const last = page[page.length - 1];
  return Promise.resolve({
    Queries: page.map((q) => ({ QueryId: q.id, QueryStatus: q.status, CreationTime: q.createdMs / 1000 })),
    ...(last && start + page.length < all.length ? { NextToken: ctx.tokens.encodeKey(last.id, scope) } : {}),
  });
}

export async function cancelQuery(input: Record<string, unknown>, ctx: OperationContext): Output {
  const query = activeQuery(input, ctx);
  const cancelled = await ctx.lake.queries.cancel(callerOf(ctx), query.id);
  return { QueryId: cancelled.id, QueryStatus: cancelled.status, ...ownerOf(cancelled, ctx) };
}
