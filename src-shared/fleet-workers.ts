// The fleet's workers as the endpoint and the UI show them (distributed mode).

export interface FleetWorkerView {
  /** Unique per worker process: `<host>-<pid>-<random>`. */
  id: string
  host: string
  pid: number
  /** The training backend its last job used, or 'pending' before its first. */
  backend: string
  /** XNNPACK threads a wasm training uses there. */
  threads: number
  /** The job it runs now, if any. */
  job?: { id: string; client: string; state: string }
  startedAt: string
  /** Job lock renewals so far: they go on while a training runs, or the lock would be lost. */
  lockRenewals: number
  updatedAt: string
}

export interface FleetWorkersResponse {
  /** False in the embedded mode (one machine, no workers). */
  distributed: boolean
  workers: FleetWorkerView[]
}
