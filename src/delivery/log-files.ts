/**
 * CloudTrail log files: gzip-compressed `{"Records":[...]}` documents, one per account and region
 * per delivery, named and laid out as AWS names them:
 * `[prefix/]AWSLogs/[org-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz`.
 * Names are a pure function of the delivered range, so a replay after a crash overwrites.
 */
import { createHash } from 'node:crypto';

export interface LogFileEvent {
  seq: bigint;
  accountId: string;
  region: string;
  eventTimeMs: number;
  raw: string;
}

export interface LogFilePlan {
  key: string;
  accountId: string;
  region: string;
  /** The uncompressed document, records byte-identical to what was recorded. */
  body: Buffer;
  eventCount: number;
  firstSeq: bigint;
  lastSeq: bigint;
  oldestEventMs: number;
  newestEventMs: number;
}

export interface LogFileLocation {
  s3KeyPrefix?: string;
  organizationId?: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 16 characters from [0-9A-Za-z] derived from `seed`, the shape of AWS's unique string. */
export function uniqueString(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < 16; i++) out += BASE62[(digest[i] as number) % 62];
  return out;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The folder and the timestamp of a delivery, both UTC. */
export function deliveryStamp(timeMs: number): { folder: string; stamp: string } {
  const d = new Date(timeMs);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  return {
    folder: `${pad(y, 4)}/${pad(m)}/${pad(day)}`,
    stamp: `${pad(y, 4)}${pad(m)}${pad(day)}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`,
  };
}

export function logFileKey(
  location: LogFileLocation,
  accountId: string,
  region: string,
  timeMs: number,
  unique: string,
): string {
  const { folder, stamp } = deliveryStamp(timeMs);
  const root = location.organizationId
    ? `AWSLogs/${location.organizationId}/${accountId}`
    : `AWSLogs/${accountId}`;
  const prefix = location.s3KeyPrefix ? `${location.s3KeyPrefix}/` : '';
  return `${prefix}${root}/CloudTrail/${region}/${folder}/${accountId}_CloudTrail_${region}_${stamp}_${unique}.json.gz`;
}

const OPEN = Buffer.from('{"Records":[');
const CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');

/**
 * Splits selected events into log files: one group per (account, region) in sequence order, cut
 * so no file's uncompressed document exceeds `maxFileBytes` (a single larger record gets a file of
 * its own). `seed` names the delivered range; `timeMs` dates the files.
 */
export function planLogFiles(
  events: readonly LogFileEvent[],
  options: { seed: string; timeMs: number; maxFileBytes: number; location: LogFileLocation },
): LogFilePlan[] {
  const groups = new Map<string, LogFileEvent[]>();
  for (const e of events) {
    const id = `${e.accountId}\u0000${e.region}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = []));
    group.push(e);
  }
  const files: LogFilePlan[] = [];
  for (const group of groups.values()) {
    const first = group[0] as LogFileEvent;
    let parts: Buffer[] = [];
    let size = OPEN.length + CLOSE.length;
    let partFirst = 0;
    let partIndex = 0;
    const cut = (end: number): void => {
      const members = group.slice(partFirst, end);
      const unique = uniqueString(`${options.seed}|${first.accountId}|${first.region}|${partIndex}`);
      files.push({
        key: logFileKey(options.location, first.accountId, first.region, options.timeMs, unique),
        accountId: first.accountId,
        region: first.region,
        body: Buffer.concat([OPEN, ...parts, CLOSE]),
        eventCount: members.length,
        firstSeq: (members[0] as LogFileEvent).seq,
        lastSeq: (members[members.length - 1] as LogFileEvent).seq,
        oldestEventMs: members.reduce((t, m) => Math.min(t, m.eventTimeMs), Infinity),
        newestEventMs: members.reduce((t, m) => Math.max(t, m.eventTimeMs), -Infinity),
      });
      parts = [];
      size = OPEN.length + CLOSE.length;
      partFirst = end;
      partIndex++;
    };
    group.forEach((e, i) => {
      const bytes = Buffer.from(e.raw);
      const added = bytes.length + (parts.length > 0 ? 1 : 0);
      if (parts.length > 0 && size + added > options.maxFileBytes) cut(i);
      if (parts.length > 0) parts.push(COMMA);
      parts.push(bytes);
      size += bytes.length + (parts.length > 1 ? 1 : 0);
    });
    if (parts.length > 0) cut(group.length);
  }
  return files;
}
