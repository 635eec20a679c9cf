export * from './event-store.ts';
export * from './consumer.ts';
export * from './consumer-runner.ts';
