// What a client's dataset sync reports while it runs, whoever started it (the Sync button or a
// training job): the mirror's file and byte counts, then that the mirrored files are being
// validated. Observers get the latest step at once, so one that subscribes late is not left blank.

export type SyncProgress =
  | {
      client: string
      stage: 'syncing'
      filesDone: number
      filesTotal: number
      bytesDone: number
      bytesTotal: number
    }
  | { client: string; stage: 'validating' }
