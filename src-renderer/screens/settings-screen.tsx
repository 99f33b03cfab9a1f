// The settings file as a form: where the data lives, which S3 store and credentials to use, the
// endpoint's port and the training backend. "Test connection" lists the client buckets the form's
// values reach without saving them; settings are read at start, so saved changes say what waits
// for a restart.

import { useEffect, useId, type FormEvent } from 'react'
import { BACKENDS } from '../../src-shared/train-params'
import { ConnectionOutcome, restartText, SaveOutcome } from '../components/connection-outcome'
import { CredentialsFields } from '../components/credentials-fields'
import { FleetWorkersPanel } from '../components/fleet-workers-panel'
import { LoadStatus } from '../components/load-status'
import { SettingInput } from '../components/setting-input'
import { runningPortNote, runningStoreNote } from '../settings/running-note'
import { checkSettingsDraft } from '../settings/settings-draft'
import { useAppStore } from '../store/store-context'

const RESTART = 'Applies after a restart.'

export function SettingsScreen() {
  const id = useId()
  const view = useAppStore((s) => s.settingsView)
  const load = useAppStore((s) => s.settingsLoad)
  const draft = useAppStore((s) => s.settingsDraft)
  const save = useAppStore((s) => s.settingsSave)
  const test = useAppStore((s) => s.connectionTest)
  const loadSettings = useAppStore((s) => s.loadSettings)
  const edit = useAppStore((s) => s.editSettings)
  const revert = useAppStore((s) => s.revertSettings)
  const saveSettings = useAppStore((s) => s.saveSettings)
  const testConnection = useAppStore((s) => s.testConnection)

  useEffect(() => {
    void loadSettings()
  }, [loadSettings])

  if (!view || !draft)
    return (
      <section className="screen" aria-labelledby="settings-title">
        <h1 id="settings-title">Settings</h1>
        <LoadStatus load={load} what="settings" />
      </section>
    )

  const storedKey = view.values.credentials.kind === 'keys' ? view.values.credentials : undefined
  const stored = view.secretStored && storedKey ? { accessKeyId: storedKey.accessKeyId } : {}
  const { problems, ok } = checkSettingsDraft(draft, stored)
  const over = view.overriddenBy
  const embedded = draft.s3Endpoint.trim() === '' && over.s3Endpoint === undefined
  const pending = save.status === 'saved' ? [] : view.pendingRestart

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void saveSettings()
  }

  return (
    <section className="screen" aria-labelledby="settings-title">
      <div className="screen-head">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p className="screen-lede">
            Read when Training Server starts, from <code>{view.file}</code>; environment variables
            win over this file.
          </p>
        </div>
      </div>
      {pending.length > 0 && (
        <div className="outcome outcome-warning" role="status">
          <strong>
            Saved but not in use yet: restart Training Server to use the new {restartText(pending)}.
          </strong>
        </div>
      )}
      <form
        className="settings-form"
        onSubmit={onSubmit}
        noValidate
        aria-labelledby="settings-title"
      >
        <fieldset className="settings-section">
          <legend className="panel-title">Storage</legend>
          <SettingInput
            id={`${id}-endpoint`}
            label="S3 endpoint"
            type="url"
            wide
            value={draft.s3Endpoint}
            placeholder="Empty: the embedded store"
            hint={`Empty for the embedded store in the data folder; or MinIO, R2, https://s3.<region>.amazonaws.com… ${RESTART}`}
            problem={problems.s3Endpoint}
            overriddenBy={over.s3Endpoint}
            inUse={runningStoreNote(view)}
            onChange={(s3Endpoint) => edit({ s3Endpoint })}
          />
          <SettingInput
            id={`${id}-region`}
            label="Region"
            value={draft.region}
            problem={problems.region}
            overriddenBy={over.region}
            onChange={(region) => edit({ region })}
          />
          <SettingInput
            id={`${id}-prefix`}
            label="Bucket prefix"
            value={draft.bucketPrefix}
            hint={`Dataset buckets ${draft.bucketPrefix}<client>, model buckets ${draft.bucketPrefix}model-<client>`}
            problem={problems.bucketPrefix}
            overriddenBy={over.bucketPrefix}
            onChange={(bucketPrefix) => edit({ bucketPrefix })}
          />
          <CredentialsFields
            id={`${id}-credentials`}
            draft={draft}
            problems={problems}
            edit={edit}
            embedded={embedded}
            overriddenBy={over.credentials}
            secretStored={view.secretStored}
            canStoreSecrets={view.canStoreSecrets}
          />
        </fieldset>

        <fieldset className="settings-section">
          <legend className="panel-title">Endpoint and training</legend>
          <SettingInput
            id={`${id}-port`}
            label="Port"
            type="number"
            min={0}
            max={65535}
            value={draft.port}
            hint={`On 127.0.0.1; 0 picks a free one. ${RESTART}`}
            problem={problems.port}
            overriddenBy={over.port}
            inUse={runningPortNote(view)}
            onChange={(port) => edit({ port })}
          />
          <SettingInput
            id={`${id}-concurrency`}
            label="Concurrent jobs"
            type="number"
            min={1}
            max={16}
            value={draft.concurrency}
            hint="Clients that may train at once"
            problem={problems.concurrency}
            overriddenBy={over.concurrency}
            onChange={(concurrency) => edit({ concurrency })}
          />
          <div className="field">
            <label htmlFor={`${id}-backend`}>Backend</label>
            <select
              id={`${id}-backend`}
              value={draft.backend}
              disabled={over.backend !== undefined}
              aria-describedby={`${id}-backend-hint`}
              onChange={(e) => edit({ backend: e.target.value as typeof draft.backend })}
            >
              <option value="">Best that loads</option>
              {BACKENDS.map((backend) => (
                <option key={backend} value={backend}>
                  {backend}
                </option>
              ))}
            </select>
            <span id={`${id}-backend-hint`} className="field-hint">
              {over.backend ? (
                <>
                  Set by <code>{over.backend}</code>, which wins over this file
                </>
              ) : (
                'tensorflow (native), wasm or cpu'
              )}
            </span>
          </div>
          {view.running?.embedded && view.running.credentialsFile && (
            <div className="field field-wide">
              <label htmlFor={`${id}-store`}>Embedded store</label>
              <input
                id={`${id}-store`}
                className="mono"
                value={view.running.s3Endpoint}
                readOnly
                aria-describedby={`${id}-store-hint`}
              />
              <span id={`${id}-store-hint`} className="field-hint">
                Running now. S3 tools (<code>aws s3 ls --endpoint-url …</code>) sign with the access
                key and secret in <code>{view.running.credentialsFile}</code>.
              </span>
            </div>
          )}
          <div className="field field-wide">
            <label htmlFor={`${id}-home`}>Data folder</label>
            <input
              id={`${id}-home`}
              className="mono"
              value={view.home}
              readOnly
              aria-describedby={`${id}-home-hint`}
            />
            <span id={`${id}-home-hint`} className="field-hint">
              Set <code>TRAINING_SERVER_HOME</code> before starting to use another folder. {RESTART}
            </span>
          </div>
        </fieldset>

        <div className="settings-actions">
          <button
            type="button"
            className="button"
            disabled={!ok || test.status === 'testing'}
            onClick={() => void testConnection()}
          >
            {test.status === 'testing' ? 'Testing…' : 'Test connection'}
          </button>
          <button
            type="submit"
            className="button button-primary"
            disabled={!ok || save.status === 'saving'}
          >
            {save.status === 'saving' ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="button-quiet" onClick={revert}>
            Revert
          </button>
        </div>
        <ConnectionOutcome test={test} />
        <SaveOutcome save={save} />
      </form>
      <FleetWorkersPanel />
    </section>
  )
}
