import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import { useApi } from '@renderer/api'
import type { ClockState } from '@shared/contract'
import { useConnectionStore } from './connection'

/**
 * The engine's virtual clock. Between pushes the displayed time is extrapolated from the last
 * state (unless frozen), so the header clock ticks without polling main.
 */
export const useClockStore = defineStore('clock', () => {
  const api = useApi()
  const state = shallowRef<ClockState | null>(null)
  const receivedAt = ref(Date.now())
  const wallNow = ref(Date.now())
  const error = ref<unknown>(null)

  const timer = window.setInterval(() => {
    wallNow.value = Date.now()
  }, 1000)
  onScopeDispose(() => window.clearInterval(timer))

  const now = computed(() => {
    const s = state.value
    if (!s) return null
    return s.mode === 'frozen' ? s.now : s.now + (wallNow.value - receivedAt.value)
  })

  function accept(next: ClockState): ClockState {
    state.value = next
    receivedAt.value = Date.now()
    wallNow.value = receivedAt.value
    return next
  }

  async function refresh(): Promise<void> {
    try {
      accept(await api.clock.get({}))
      error.value = null
    } catch (e) {
      error.value = e
    }
  }
  const advance = async (ms: number) => accept(await api.clock.advance({ ms }))
  const freeze = async (frozen: boolean) => accept(await api.clock.freeze({ frozen }))
  const reset = async () => accept(await api.clock.reset({}))
  const set = async (iso: string) => accept(await api.clock.set({ iso }))

  api.on('clock.changed', accept)
  // A clock change pushed while the event channel was down was lost: ask again once it is back.
  useConnectionStore().onResync(() => void refresh())

  return { state, now, error, refresh, advance, freeze, reset, set }
})
