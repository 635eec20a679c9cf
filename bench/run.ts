/**
 * npm run bench — prints each figure next to its baseline or target.
 * BENCH_LOOKUP_EVENTS (default 10,000,000) and BENCH_RECORD_EVENTS (default 300,000) size the runs;
 * BENCH_DELIVERY_RATE (events/s, default 5,000), BENCH_DELIVERY_SECONDS (default 20) and
 * BENCH_DELIVERY_EVENTS (backlog, default 200,000) size the delivery section.
 * BENCH_VALIDATE_FILES (log files in the trail, default 2,000) sizes the validate section;
 * BENCH_VALIDATE_AWS_MAX_SECONDS (default 180) bounds the AWS CLI's run on the whole trail;
 * BENCH_VALIDATE_RTT_MS (default 20) is the round trip the network scenarios add to S3. Validation
 * runs on a trail of 8 KiB log files and then of BENCH_VALIDATE_REALISTIC_KIB (default 128; 0
 * skips that trail) KiB log files.
 * BENCH_LAKE_EVENTS (default 10,000,000) sizes the Lake store; BENCH_LAKE_IMPORT_EVENTS (default
 * 300,000) the import.
 * BENCH_MIXED_EVENTS (default 10,000,000) sizes the history of the mixed-load section (LookupEvents
 * while recording); BENCH_MIXED_RATE (events/s, default 20,000; 0: as fast as the server takes
 * them), BENCH_MIXED_SECONDS (default 30) and BENCH_MIXED_IDLE_SECONDS (default 60) its load;
 * BENCH_MIXED_SERVER_ARGS more `opentrail serve` options (e.g. "--query-memory-limit 128").
 * BENCH_AUTHZ_EVENTS (default 100,000 a run), BENCH_AUTHZ_BATCH (default 1000) and
 * BENCH_AUTHZ_ROUNDS (runs of each server, default 6) size the recording-authz section;
 * BENCH_AUTHZ_NODE_ARGS adds node flags to its servers (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { benchAuthorization } from './authorization.ts';
import { benchDeliveryLatency, benchDeliveryThroughput } from './delivery.ts';
import { benchLake } from './lake.ts';
import { benchLookup } from './lookup.ts';
import { benchMixedLoad } from './mixed-load.ts';
import { benchRecording } from './recording.ts';
import { benchRecordingAuthz } from './recording-authz.ts';
import { REALISTIC_LOG_FILE_BYTES, SMALL_LOG_FILE_BYTES, benchValidate, type ToolRate } from './validate.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const recordEvents = Number(process.env.BENCH_RECORD_EVENTS ?? 300_000);
const lookupEvents = Number(process.env.BENCH_LOOKUP_EVENTS ?? 10_000_000);
const only = process.argv[2];

if (!only || only === 'recording') {
  const concurrency = Number(process.env.BENCH_RECORD_CONCURRENCY ?? 16);
  const r = await benchRecording({ events: recordEvents, batchSize: 1000, concurrency });
  console.log(
    `\n== Durable recording (${r.events} events, ${r.bytesPerEvent.toFixed(0)} B/event, batches of 1000, ${concurrency} in flight)`,
  );
  console.log(
    `  OpenTrail POST /v1/records      ${r.recordedPerSecond.toFixed(0).padStart(8)} events/s   (target >= 50000)`,
  );
  console.log(`  baseline parse+gzip+append+fsync ${r.baselinePerSecond.toFixed(0).padStart(7)} events/s`);
  console.log(`  server CPU per 1000 events       ${r.serverCpuMsPer1000.toFixed(1).padStart(7)} ms`);
  console.log(
    `  ratio                            ${(r.ratio * 100).toFixed(0).padStart(7)} %          (target >= 50 %)`,
  );
}

if (!only || only === 'recording-authz') {
  const concurrency = Number(process.env.BENCH_RECORD_CONCURRENCY ?? 16);
  const batchSize = Number(process.env.BENCH_AUTHZ_BATCH ?? 1000);
  const events = Number(process.env.BENCH_AUTHZ_EVENTS ?? 100_000);
  const rounds = Number(process.env.BENCH_AUTHZ_ROUNDS ?? 6);
  console.log(
    `\n== Durable recording with authorization vs allow-all (${events} events a run, batches of ${batchSize}, ${concurrency} in flight; an IAM user with 10 attached policies x 20 statements; the two servers side by side, runs alternating A B B A ..., each with the other server idle)`,
  );
  console.log(
    '  run  authorizer      events/s   server CPU ms/1000 events   authorize step in the server: p50 / p99 µs per request, share of server CPU at p50 (by the sum)',
  );
  let n = 0;
  const a = await benchRecordingAuthz({
    events,
    batchSize,
    concurrency,
    rounds,
    onRun: (r) =>
      console.log(
        `  ${String(++n).padStart(3)}  ${r.mode.padEnd(12)} ${r.eventsPerSecond.toFixed(0).padStart(9)} ${r.serverCpuMsPer1000.toFixed(1).padStart(14)} ${r.authorize.p50Us.toFixed(1).padStart(30)} / ${r.authorize.p99Us.toFixed(1).padStart(6)} µs, ${(r.authorizeShareOfCpu.typical * 100).toFixed(2)} % (${(r.authorizeShareOfCpu.sum * 100).toFixed(2)} %)`,
      ),
  });
  for (const [name, m] of [
    ['median PolicyAuthorizer', a.policy],
    ['median allow-all', a.allowAll],
  ] as const) {
    console.log(
      `  ${name.padEnd(24)} ${m.medianPerSecond.toFixed(0).padStart(8)} events/s ${m.medianCpuMsPer1000.toFixed(1).padStart(7)} ms CPU per 1000`,
    );
  }
  console.log(
    `  throughput ratio         ${(a.throughputRatio * 100).toFixed(1).padStart(8)} %          (target >= 95 %; median of the rounds' ratios ${(a.medianPairRatio * 100).toFixed(1)} %)`,
  );
  console.log(`  server CPU ratio         ${(a.cpuRatio * 100).toFixed(1).padStart(8)} %`);
}

if (!only || only === 'lookup') {
  const requests = Number(process.env.BENCH_LOOKUP_REQUESTS ?? 100);
  const l = await benchLookup({ events: lookupEvents, requests });
  console.log(
    `\n== LookupEvents latency, ${l.events} events in history (seeded in ${l.seedSeconds.toFixed(0)} s), ${requests} requests each, via AWS SDK`,
  );
  console.log('  attribute       p50 ms   p99 ms   results/page   (target p99 <= 50 ms)');
  for (const x of l.latencies) {
    console.log(
      `  ${x.attribute.padEnd(14)} ${x.p50Ms.toFixed(1).padStart(7)} ${x.p99Ms.toFixed(1).padStart(8)} ${x.meanResults.toFixed(1).padStart(14)}`,
    );
  }
}

if (!only || only === 'mixed') {
  const m = await benchMixedLoad({
    events: Number(process.env.BENCH_MIXED_EVENTS ?? 10_000_000),
    lookupClients: 25,
    recordRate: Number(process.env.BENCH_MIXED_RATE ?? 20_000),
    recordSenders: 25,
    loadSeconds: Number(process.env.BENCH_MIXED_SECONDS ?? 30),
    idleSeconds: Number(process.env.BENCH_MIXED_IDLE_SECONDS ?? 60),
    serverArgs: (process.env.BENCH_MIXED_SERVER_ARGS ?? '').split(' ').filter(Boolean),
    serialRequests: 270,
  });
  const rate = (r: { recorded: number; seconds: number }): number => r.recorded / r.seconds;
  const drop = 1 - rate(m.recordingWithLookups) / rate(m.recordingAlone);
  console.log(
    `\n== LookupEvents under load, ${m.events} events in history (seeded in ${m.seedSeconds.toFixed(0)} s): 25 SDK clients at once while 25 senders record batches of 1-50 at ${m.recordingAlone.seconds.toFixed(0)} s x ${process.env.BENCH_MIXED_RATE ?? 20_000} events/s, vs one client alone; every attribute in turn`,
  );
  console.log('                            requests   p50 ms   p99 ms   max ms');
  for (const [name, f] of [
    ['serial (1 client, idle)', m.serial],
    ['25 clients + recording', m.concurrent],
  ] as const) {
    console.log(
      `  ${name.padEnd(24)} ${String(f.requests).padStart(9)} ${f.p50Ms.toFixed(1).padStart(8)} ${f.p99Ms.toFixed(1).padStart(8)} ${f.maxMs.toFixed(0).padStart(8)}${name.startsWith('25') ? '   (target p99 <= 100 ms)' : ''}`,
    );
  }
  for (const [name, r] of [
    ['recording alone', m.recordingAlone],
    ['recording + lookups', m.recordingWithLookups],
  ] as const) {
    console.log(
      `  ${name.padEnd(24)} ${rate(r).toFixed(0).padStart(9)} events/s   POST p50 ${r.postP50Ms.toFixed(1)} ms, p99 ${r.postP99Ms.toFixed(1)} ms`,
    );
  }
  console.log(`  recording drop           ${(drop * 100).toFixed(1).padStart(9)} %          (target <= 5 %)`);
  console.log(
    `  server RSS idle / peak / ${process.env.BENCH_MIXED_IDLE_SECONDS ?? 60} s after: ${m.rssIdleMB.toFixed(0)} / ${m.rssPeakMB.toFixed(0)} / ${m.rssAfterMB.toFixed(0)} MB   (target peak <= 400 MB, after within 20 % of idle)`,
  );
}

if (!only || only === 'delivery') {
  const rate = Number(process.env.BENCH_DELIVERY_RATE ?? 5000);
  const seconds = Number(process.env.BENCH_DELIVERY_SECONDS ?? 20);
  const d = await benchDeliveryLatency({ eventsPerSecond: rate, seconds, batchSize: 250 });
  console.log(
    `\n== Trail delivery latency, recorded (POST acknowledged) -> visible in the bucket (${d.events} events, ${rate} events/s for ${seconds} s in batches of ${d.batchSize}, 1 s interval, ${d.files} files)`,
  );
  console.log(
    `  achieved input rate        ${d.achievedPerSecond.toFixed(0).padStart(8)} events/s   (POST p99 ${d.ackP99Ms.toFixed(0)} ms)`,
  );
  console.log(`  p50                        ${d.p50Ms.toFixed(0).padStart(8)} ms`);
  console.log(
    `  p99                        ${d.p99Ms.toFixed(0).padStart(8)} ms         (target <= 2000 ms)`,
  );
  console.log(`  max                        ${d.maxMs.toFixed(0).padStart(8)} ms`);
  if (d.missing > 0)
    console.log(`  NOT DELIVERED              ${String(d.missing).padStart(8)} events (waited 30 s)`);

  const backlog = Number(process.env.BENCH_DELIVERY_EVENTS ?? 200_000);
  const t = await benchDeliveryThroughput({ events: backlog });
  console.log(
    `\n== Trail delivery throughput, backlog after restart (${t.events} events, ${t.bytesPerEvent.toFixed(0)} B/event, ${t.files} files, delivered in ${t.deliveredSeconds.toFixed(1)} s after ${t.startupSeconds.toFixed(1)} s of startup)`,
  );
  console.log(
    `  OpenTrail into gzip files  ${t.deliveredPerSecond.toFixed(0).padStart(8)} events/s ${t.deliveredMBPerSecond.toFixed(1).padStart(7)} MB/s uncompressed`,
  );
  console.log(
    `  baseline gzip+write+fsync  ${t.baselinePerSecond.toFixed(0).padStart(8)} events/s ${t.baselineMBPerSecond.toFixed(1).padStart(7)} MB/s uncompressed`,
  );
  console.log(`  ratio                      ${(t.ratio * 100).toFixed(0).padStart(8)} %`);
}

if (!only || only === 'validate') {
  const files = Number(process.env.BENCH_VALIDATE_FILES ?? 2000);
  const awsMaxSeconds = Number(process.env.BENCH_VALIDATE_AWS_MAX_SECONDS ?? 180);
  const rttMs = Number(process.env.BENCH_VALIDATE_RTT_MS ?? 20);
  const realisticKiB = Number(process.env.BENCH_VALIDATE_REALISTIC_KIB ?? REALISTIC_LOG_FILE_BYTES / 1024);
  const sizes = [SMALL_LOG_FILE_BYTES, ...(realisticKiB > 0 ? [realisticKiB * 1024] : [])];
  for (const logFileMaxBytes of sizes) {
    const v = await benchValidate({ files, awsMaxSeconds, rttMs, logFileMaxBytes });
    const label = `log files of at most ${logFileMaxBytes / 1024} KiB`;
    const line = (name: string, r: ToolRate, note = ''): string =>
      `  ${name.padEnd(34)} ${String(r.files).padStart(6)} files ${r.seconds.toFixed(2).padStart(7)} s ${r.filesPerSecond.toFixed(0).padStart(7)} files/s ${r.mbPerSecond.toFixed(2).padStart(8)} MB/s${note}`;
    console.log(
      `\n== Log file validation, ${label}: one trail of ${v.files} log files (${(v.uncompressedBytes / v.files / 1024).toFixed(1)} KiB each on average, gzip ${(v.uncompressedBytes / v.compressedBytes).toFixed(1)}:1) and ${v.digests} digests on s3rver, ${(v.uncompressedBytes / 1e6).toFixed(1)} MB uncompressed (built in ${v.buildSeconds.toFixed(0)} s), wall time from spawn to exit`,
    );
    console.log(line('opentrail validate (s3rver)', v.opentrailS3));
    console.log(line('opentrail validate (local copy)', v.opentrailLocal));
    console.log(
      line(
        'aws cloudtrail validate-logs (v1)',
        v.awsCli,
        v.awsCli.stoppedAtLimit
          ? `   (stopped at the ${awsMaxSeconds} s limit: rate over the files checked by then)`
          : '',
      ),
    );
    console.log(line('sha256sum (uncompressed, xargs)', v.sha256sum));
    console.log(
      `  vs AWS CLI     (files/s)          ${v.ratioVsAwsCli.toFixed(1).padStart(7)} x          (target >= 10 x)`,
    );
    console.log(
      `  vs sha256sum   (MB/s)             ${(v.ratioVsSha256sum * 100).toFixed(0).padStart(7)} %          (target >= 50 %; local copy ${(v.localRatioVsSha256sum * 100).toFixed(0)} %)`,
    );
    const needFiles = 10 * v.awsCli.filesPerSecond;
    console.log('  bounds:');
    console.log(
      line(
        's3rver alone (bare GETs, 64 at once)',
        v.s3rverCeiling,
        `   (10 x the AWS CLI needs ${needFiles.toFixed(0)} files/s; validate reaches ${((v.opentrailS3.filesPerSecond / v.s3rverCeiling.filesPerSecond) * 100).toFixed(0)} % of this)`,
      ),
    );
    console.log(
      line(
        'node: read+gunzip+sha256, no checks',
        v.nodeFloor,
        `   (${((v.nodeFloor.mbPerSecond / v.sha256sum.mbPerSecond) * 100).toFixed(0)} % of sha256sum; validate (local) reaches ${((v.opentrailLocal.mbPerSecond / v.nodeFloor.mbPerSecond) * 100).toFixed(0)} % of this)`,
      ),
    );
    const n = v.network;
    const limit = (stopped: boolean): string =>
      stopped ? `   (stopped at the ${awsMaxSeconds} s limit: rate over the files checked by then)` : '';
    console.log(
      `\n== … the same trail (${label}) with S3 ${n.rttMs} ms away (a proxy delays each direction ${n.rttMs / 2} ms; CloudTrail calls direct)`,
    );
    console.log(line('opentrail validate (s3rver + rtt)', n.opentrail));
    console.log(line('aws cloudtrail validate-logs (v1)', n.awsCli, limit(n.awsCli.stoppedAtLimit)));
    console.log(
      `  vs AWS CLI     (files/s)          ${n.ratioVsAwsCli.toFixed(1).padStart(7)} x          (target >= 10 x)`,
    );
  }
}

if (!only || only === 'lake') {
  const storeEvents = Number(process.env.BENCH_LAKE_EVENTS ?? 10_000_000);
  const importEvents = Number(process.env.BENCH_LAKE_IMPORT_EVENTS ?? 300_000);
  const l = await benchLake({ storeEvents, importEvents, repeats: 9 });
  console.log(
    `\n== Lake import: StartImport over ${l.importFiles} gzip log files in a local bucket (${l.importEvents} events)`,
  );
  console.log(`  OpenTrail import              ${l.importPerSecond.toFixed(0).padStart(8)} events/s`);
  console.log(`  baseline read+gunzip only     ${l.baselinePerSecond.toFixed(0).padStart(8)} events/s`);
  console.log(`  copy from Event history       ${l.historyPerSecond.toFixed(0).padStart(8)} events/s`);
  console.log(
    `\n== Lake queries over ${l.storeEvents} events in one store (seeded in ${l.seedSeconds.toFixed(0)} s), median of 9, Lake SQL path (new statement / repeated statement) vs the same query in DuckDB SQL`,
  );
  console.log(
    '  query                      Lake ms new / repeated   DuckDB ms   ratio new / repeated   (target <= 1.5 x and < 1000 ms)',
  );
  for (const q of l.queries) {
    console.log(
      `  ${q.name.padEnd(26)} ${q.lakeMs.toFixed(1).padStart(9)} / ${q.lakeWarmMs.toFixed(1).padStart(8)} ${q.directMs.toFixed(1).padStart(11)} ${q.ratio.toFixed(2).padStart(9)} / ${q.warmRatio.toFixed(2).padStart(8)}`,
    );
  }
}

if (!only || only === 'authorization') {
  const a = benchAuthorization();
  console.log(`\n== Authorization (${a.policies} attached policies x ${a.statementsPerPolicy} statements)`);
  console.log(`  p50 ${a.p50Us.toFixed(2)} µs   p99 ${a.p99Us.toFixed(2)} µs per request`);
}
