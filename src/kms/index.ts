export type { KeyProvider } from './key-provider.ts';
