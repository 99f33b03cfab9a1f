// The stable error codes, each with the HTTP status the endpoint answers it with: the one table,
// so a code cannot exist without a deliberate status (a test scans the sources for codes missing
// here). Codes that never leave the process over HTTP (IPC, renderer transports, startup) still
// carry a status, so the table stays total and an error relayed later has an answer ready.
// Validation findings (TRAILING_COMMA, BBOX_CLIPPED, …) are a separate union: annotation-report.ts.

export const ERROR_STATUS = {
  // The request itself is malformed: a query, body or settings field out of range.
  INVALID_TRAIN_TYPE: 400,
  INVALID_CLIENT_NAME: 400,
  INVALID_PARAMETER: 400,
  INVALID_BODY: 400,
  INVALID_JOB_ID: 400,
  UNSAFE_FILE_NAME: 400,
  INVALID_THUMBNAIL_SIZE: 400,
  INVALID_SETTING: 400,
  INVALID_DEMO_OPTIONS: 400,
  IPC_INVALID_ARGUMENT: 400,

  // Who may ask: the token, the Host and Origin guards, the window's IPC sender check.
  UNAUTHORIZED: 401,
  FORBIDDEN_HOST: 403,
  FORBIDDEN_ORIGIN: 403,
  IPC_UNTRUSTED_SENDER: 403,

  // What was asked for does not exist.
  NOT_FOUND: 404,
  NO_ACTIVE_JOB: 404,
  JOB_NOT_FOUND: 404,
  BUCKET_NOT_FOUND: 404,
  IMAGE_FILE_MISSING: 404,
  NO_MODEL_TO_UPLOAD: 404,
  MODEL_VERSION_NOT_FOUND: 404,
  NO_MODEL: 404,
  MODEL_FILE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,

  // The request collides with the state of a client, its job or its stored model.
  CLIENT_BUSY: 409,
  MODEL_SUPERSEDED: 409,
  MODEL_CHANGED: 409,
  RESUME_NOT_POSSIBLE: 409,
  // Work the request started was stopped by another request (interrupt) before it finished.
  INTERRUPTED: 409,
  APP_STOPPED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,

  // The data the request points at (dataset, images, backbone, model, checkpoint) is unusable.
  ANNOTATIONS_INVALID: 422,
  IMAGE_UNREADABLE: 422,
  INVALID_IMAGE_SIZE: 422,
  TOO_MANY_BAD_IMAGES: 422,
  TOO_FEW_IMAGES: 422,
  INVALID_TRAINING_SET: 422,
  UNSAFE_OBJECT_KEY: 422,
  OBJECT_KEY_CONFLICT: 422,
  BACKBONE_NOT_FOUND: 422,
  BACKBONE_INVALID: 422,
  BACKBONE_TOO_LARGE: 422,
  BACKBONE_REDIRECT_REFUSED: 422,
  TRAINING_TOO_LARGE: 422,
  ENGINE_OUT_OF_MEMORY: 422,
  MODEL_UNREADABLE: 422,
  MODEL_FILE_INVALID: 422,
  MODEL_FILE_MISSING: 422,
  MODEL_FILE_UNREADABLE: 422,
  CHECKPOINT_UNREADABLE: 422,
  TRAIN_TYPE_MISMATCH: 422,

  // Faults of this server: bugs, crashed workers, local files it cannot read back.
  INTERNAL: 500,
  TRAINING_FAILED: 500,
  PREDICT_FAILED: 500,
  WORKER_DIED: 500,
  ILLEGAL_TRANSITION: 500,
  CACHE_INVALID: 500,
  CACHE_READ_FAILED: 500,
  INVALID_RECORD_KEY: 500,
  RECORD_SIZE_MISMATCH: 500,
  SETTINGS_NOT_SAVED: 500,
  SECRET_UNAVAILABLE: 500,
  // The configured credentials are the server's, not the caller's: no 401/403 to the caller.
  S3_CREDENTIALS_INVALID: 500,
  // Raised at startup only (listening, the embedded S3 server); never an HTTP answer.
  PORT_IN_USE: 500,
  // Made by the renderer's IPC transport when the main process fails to answer.
  IPC_FAILED: 500,
  NOT_IMPLEMENTED: 501,
  MODEL_TASK_UNSUPPORTED: 501,

  // A server this one depends on (S3, the backbone host) failed or did not answer.
  S3_UNREACHABLE: 502,
  S3_ERROR: 502,
  ACCESS_DENIED: 502,
  UPLOAD_FAILED: 502,
  DOWNLOAD_INCOMPLETE: 502,
  BACKBONE_DOWNLOAD_FAILED: 502,
  // Not a failure: a preset backbone's host could not be reached, so the job trained from scratch.
  BACKBONE_OFFLINE: 502,
  // Made by the renderer's HTTP transport for an answer without an error of this table; the
  // status and any unknown code it carried are in details.
  UNEXPECTED_RESPONSE: 502,

  // Temporarily unable to serve: stopping, or a part it needs did not come up.
  SHUTTING_DOWN: 503,
  RECORD_STORE_CLOSED: 503,
  BACKEND_UNAVAILABLE: 503,
  S3_SERVER_FAILED: 503,
  // Made by the renderer's HTTP transport when the endpoint cannot be reached at all.
  SERVER_UNREACHABLE: 503,
  PREDICT_TIMEOUT: 504,
  TRAINING_TIMEOUT: 504,

  // The server cannot store what the request needs on its own disk (full, read-only, a file
  // where a folder must be): 507 Insufficient Storage says exactly that, and unlike a bare 500
  // tells the operator the fix is local storage, not a retry; the errno is in details.cause.
  MIRROR_WRITE_FAILED: 507,
  CACHE_WRITE_FAILED: 507,
  // Distributed mode: the fleet worker running a job stopped renewing its lock (killed, cut off).
  WORKER_LOST: 500,
  // Distributed mode refused at start: the store must be one every worker reaches.
  FLEET_STORE_NOT_SHARED: 500,
  FLEET_UNREACHABLE: 503,
  // Resume, retried uploads and the like stay with the in-process queue for now.
  FLEET_UNSUPPORTED: 501,
} as const satisfies Record<string, number>

export type ErrorCode = keyof typeof ERROR_STATUS

/** For codes that arrive as strings from outside (JSON from the server, worker messages). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, value)
}

export function statusOfCode(code: ErrorCode): number {
  return ERROR_STATUS[code]
}
