// The desktop app's SecretCipher: Electron's safeStorage, which seals with the OS keychain
// (Keychain on macOS, DPAPI on Windows, libsecret or KWallet on Linux). Usable once the app is ready.

import { safeStorage } from 'electron'
import type { SecretCipher } from '../config/secret-cipher'

export function safeStorageCipher(): SecretCipher {
  return {
    // On Linux without a keyring safeStorage falls back to a fixed, public key: that is no
    // protection, so secrets are refused there and a profile or the environment is used instead.
    available: () =>
      safeStorage.isEncryptionAvailable() &&
      !(process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text'),
    seal: (plain) => safeStorage.encryptString(plain).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  }
}
