export * from './trail.ts';
export * from './trail-store.ts';
export * from './trail-scope.ts';
export * from './trail-rules.ts';
export * from './event-selectors.ts';
export * from './organizations.ts';
export { TrailRegistry, type CallerScope } from './trail-registry.ts';
export { MemoryTrailStore } from './memory-trail-store.ts';
