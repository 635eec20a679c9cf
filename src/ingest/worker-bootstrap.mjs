// Starts a TypeScript worker through tsx, whichever way the main thread was started.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
