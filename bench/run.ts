/**
 * npm run bench — prints each figure next to its baseline or target.
 * BENCH_LOOKUP_EVENTS (default 10,000,000) and BENCH_RECORD_EVENTS (default 300,000) size the runs.
 */
import { benchLookup } from './lookup.ts';
import { benchRecording } from './recording.ts';

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
  console.log(
    `  ratio                            ${(r.ratio * 100).toFixed(0).padStart(7)} %          (target >= 50 %)`,
  );
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
