import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import { useApi } from '@renderer/api'
import type { TraceRecord, TraceSummary } from '@shared/trace'
import type { Diagnosis } from '@shared/explain'
import { useConnectionStore } from './connection'
import { emptyFilters, filterOptions, filterTraces, mergeSummaries, type TraceFilters } from '@renderer/components/trace/model'

/** The most the contract lets `traces.list` return; the gateway keeps 5,000 by default. */
const KEEP = 10_000
/** Full records kept for quick back-and-forth between details. */
const RECORD_CACHE = 50
/** Records per import call. */
const IMPORT_BATCH = 250

/**
 * Recent trace summaries, newest first, kept live by `trace.added`. Pushes are batched per frame:
 * an import of thousands of traces arrives as thousands of events, and re-rendering the list for
 * each would freeze the window.
 */
export const useTracesStore = defineStore('traces', () => {
  const api = useApi()
  const summaries = shallowRef<TraceSummary[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<unknown>(null)
  const filters = reactive<TraceFilters>(emptyFilters())
  /** How long the last filter pass took, in ms (shown in the status bar, printed by the 5,000-trace test). */
  const lastFilterMs = ref(0)

  const filtered = computed(() => {
    const started = performance.now()
    const out = filterTraces(summaries.value, filters)
    lastFilterMs.value = performance.now() - started
    return out
  })
  const options = computed(() => filterOptions(summaries.value))

  let pending: TraceSummary[] = []
  let flushScheduled = false
  function flush(): void {
    flushScheduled = false
    const batch = pending
    pending = []
    summaries.value = mergeSummaries(summaries.value, batch, KEEP)
  }
  function schedule(): void {
    if (flushScheduled) return
    flushScheduled = true
    if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) requestAnimationFrame(flush)
    else setTimeout(flush, 16)
  }

  async function refresh(): Promise<void> {
    loading.value = true
    try {
      const list = await api.traces.list({ limit: KEEP })
      summaries.value = [...list].sort((a, b) => b.startedAt - a.startedAt)
      loaded.value = true
      error.value = null
    } catch (e) {
      error.value = e
    } finally {
      loading.value = false
    }
  }
  async function ensureLoaded(): Promise<void> {
    if (!loaded.value && !loading.value) await refresh()
  }
  async function clear(): Promise<void> {
    await api.traces.clear({})
    pending = []
    summaries.value = []
    records.clear()
  }

  const records = new Map<string, TraceRecord>()
  /** The full record (cached: records never change once written). */
  async function get(id: string): Promise<TraceRecord> {
    const cached = records.get(id)
    if (cached) return cached
    const record = await api.traces.get({ id })
    records.set(id, record)
    if (records.size > RECORD_CACHE) records.delete(records.keys().next().value as string)
    return record
  }
  /** The diagnosis of a failed request; null when there is nothing to explain. */
  function explain(id: string, accessToken?: string): Promise<Diagnosis | null> {
    return api.traces.explain(accessToken ? { id, accessToken } : { id })
  }
  /** Every record (or the given ones) as the JSON a file download holds. */
  async function exportJson(ids?: string[]): Promise<{ json: string; count: number }> {
    const list = await api.traces.export(ids ? { ids } : {})
    return { json: JSON.stringify(list, null, 2), count: list.length }
  }
  /** Imports a file's text: an array of records, or `{traces: [...]}`. Returns how many were accepted. */
  async function importJson(text: string): Promise<number> {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new Error('The file is not JSON')
    }
    const list = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' && Array.isArray((parsed as { traces?: unknown }).traces) ? (parsed as { traces: unknown[] }).traces : null
    if (!list) throw new Error('The file holds no trace list (expected a JSON array of traces)')
    // Batches keep each call under the console's request size limit (a 5,000-trace file is tens of MB).
    let accepted = 0
    for (let i = 0; i < list.length; i += IMPORT_BATCH) accepted += await api.traces.import({ traces: list.slice(i, i + IMPORT_BATCH) })
    // The pushes of an import may still be in flight; one refetch gives the settled list.
    await refresh()
    return accepted
  }
  /** Which trace a resend from the viewer came from (new id -> earlier id), to link and compare them. */
  const resentFrom = shallowRef(new Map<string, string>())
  function noteResend(newId: string, fromId: string): void {
    resentFrom.value = new Map(resentFrom.value).set(newId, fromId)
  }
  function resetFilters(): void {
    Object.assign(filters, emptyFilters())
  }

  api.on('trace.added', (summary) => {
    pending.push(summary)
    schedule()
  })
  // Traces pushed while the event channel was down were lost: refetch once it is back.
  useConnectionStore().onResync(() => {
    if (loaded.value) void refresh()
  })

  return { summaries, filtered, options, filters, lastFilterMs, loaded, loading, error, refresh, ensureLoaded, clear, get, explain, exportJson, importJson, resetFilters, resentFrom, noteResend }
})
