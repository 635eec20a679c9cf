/**
 * The key material OpenTrail's own secrets are protected with: sealing at rest (access key
 * secrets, signing keys) and keys derived for a purpose (next-token MACs).
 */
export interface KeyProvider {
  /** Encrypts `plaintext`, bound to `context` (opening it under another context fails). */
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
  /** A stable 32-byte key for `purpose`, derived from the master key. */
  deriveKey(purpose: string): Buffer;
}
