// @vitest-environment jsdom
// The training form starts from what the server would choose for the client, marks what the user
// changed, sends only that, and keeps one form per client.

import { act, cleanup, fireEvent, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ParamsForm } from '../../src-renderer/components/params-form'
import {
  changedFields,
  draftFromDefaults,
  paramsToSend,
  rebaseDraft,
} from '../../src-renderer/jobs/train-params-draft'
import { createAppStore, type AppStore } from '../../src-renderer/store/app-store'
import { selectParamsForm } from '../../src-renderer/store/training-slice'
import { FakeApi, plainTrainDefaults } from './fake-api'
import { renderWithStore } from './render-app'

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

afterEach(cleanup)

describe('the draft against the server values', () => {
  const base = draftFromDefaults(plainTrainDefaults('client0', { imageSize: 28 }))

  it('takes the server values, and sends nothing the user left alone', () => {
    expect(base.imageSize).toBe('28')
    expect(paramsToSend(base, base)).toMatchObject({ ok: true, params: {} })
  })

  it('sends only what differs, and reads 3e-3 and 0.003 as the same number', () => {
    const draft = { ...base, epochs: '3', learningRate: '0.003', augment: false }
    expect(changedFields(draft, base)).toEqual(new Set(['epochs', 'augment']))
    expect(paramsToSend(draft, base).params).toEqual({ epochs: 3, augment: false })
  })

  it('moves untouched fields onto a new server answer and keeps the changed ones', () => {
    const draft = { ...base, epochs: '3' }
    const next = draftFromDefaults(plainTrainDefaults('client0', { imageSize: 32, epochs: 20 }))
    const rebased = rebaseDraft(draft, base, next)
    expect(rebased.imageSize).toBe('32')
    expect(rebased.epochs).toBe('3')
  })
})

describe('the training form in the store', () => {
  let api: FakeApi
  let store: AppStore
  beforeEach(() => {
    api = new FakeApi()
    api.trainDefaults.set('client0', plainTrainDefaults('client0', { imageSize: 28 }))
    store = createAppStore(api)
  })

  it('a job started from the form leaves the dataset-chosen values to the server', async () => {
    store.getState().selectClient('client0')
    await settle()
    expect(selectParamsForm(store.getState()).draft.imageSize).toBe('28')
    store.getState().setParam('epochs', '3')
    await store.getState().startTraining()
    expect(api.started[0]?.params).toEqual({ epochs: 3 })
  })

  it('keeps each client its own form across switches', async () => {
    store.getState().selectClient('client0')
    await settle()
    store.getState().setParam('epochs', '3')
    store.getState().selectClient('client1')
    await settle()
    expect(selectParamsForm(store.getState()).draft.epochs).toBe('12')
    store.getState().setParam('epochs', '7')
    store.getState().selectClient('client0')
    await settle()
    expect(selectParamsForm(store.getState()).draft.epochs).toBe('3')
    expect(selectParamsForm(store.getState()).draft.imageSize).toBe('28')
    store.getState().selectClient('client1')
    await settle()
    expect(selectParamsForm(store.getState()).draft.epochs).toBe('7')
  })

  it('restoring gives the server values back, not the plain defaults', async () => {
    store.getState().selectClient('client0')
    await settle()
    store.getState().setParam('imageSize', '48')
    store.getState().resetParams()
    expect(selectParamsForm(store.getState()).draft.imageSize).toBe('28')
  })
})

describe('the parameters form', () => {
  it('shows the dataset-chosen value with its mark, and marks a changed field', async () => {
    const api = new FakeApi()
    api.trainDefaults.set('client0', plainTrainDefaults('client0', { imageSize: 28 }))
    const { store } = renderWithStore(<ParamsForm disabled={false} />, {}, api)
    await act(async () => {
      store.getState().selectClient('client0')
      await settle()
    })
    const size = screen.getByLabelText(/Image size/) as HTMLInputElement
    expect(size.value).toBe('28')
    expect(size.closest('.field')?.textContent).toContain('from dataset')
    fireEvent.change(screen.getByLabelText(/Epochs/), { target: { value: '4' } })
    const epochs = screen.getByLabelText(/Epochs/)
    expect(epochs.closest('.field')?.textContent).toContain('changed')
    expect(epochs.closest('.field')?.textContent).toContain('server: 12')
  })

  it('says the defaults are provisional while the dataset is not synced', async () => {
    const { store } = renderWithStore(<ParamsForm disabled={false} />)
    await act(async () => {
      store.getState().selectClient('client1')
      await settle()
    })
    expect(screen.getByText(/not synced yet: plain defaults shown, provisional/)).toBeTruthy()
  })
})
