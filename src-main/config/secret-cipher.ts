// How a secret (an access key's secret) is sealed before it is written to settings.json and opened
// again at start. The desktop app seals with the OS keychain (Electron's safeStorage); the headless
// server has no cipher, so there a secret comes from a profile or the environment instead.

export interface SecretCipher {
  /** False where the OS offers no real encryption: secrets are then refused, not stored weakly. */
  available(): boolean
  /** The sealed secret as base64 text. */
  seal(plain: string): string
  /** Throws when the secret was sealed by another user or machine. */
  open(sealed: string): string
}
