// Hands the store and the transport to the component tree, so tests can pass their own.

import { createContext, useContext, useMemo, type ReactNode } from 'react'
import { useStore } from 'zustand'
import type { TrainingServerApi } from '../../src-shared/bridge'
import type { AppStore } from './app-store'
import type { AppState } from './store-types'

interface StoreContextValue {
  store: AppStore
  api: TrainingServerApi
}

const StoreContext = createContext<StoreContextValue | undefined>(undefined)

export function StoreProvider(props: {
  store: AppStore
  api: TrainingServerApi
  children: ReactNode
}) {
  const { store, api } = props
  const value = useMemo(() => ({ store, api }), [store, api])
  return <StoreContext.Provider value={value}>{props.children}</StoreContext.Provider>
}

function useStoreContext(): StoreContextValue {
  const value = useContext(StoreContext)
  if (!value) throw new Error('StoreProvider is missing above this component')
  return value
}

export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(useStoreContext().store, selector)
}

/** The transport, for what components read directly (thumbnail URLs). */
export function useApi(): TrainingServerApi {
  return useStoreContext().api
}
