/**
 * A small pool of worker threads that run untrusted scripts with a time limit and a heap bound.
 * A worker that exceeds either is terminated and replaced; only the request it was running gets a fault,
 * the gateway's event loop never runs script code.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import { SCRIPT_WORKER_SOURCE } from './script-worker'

/** Bounds of the script sandbox; every field has a default (DEFAULT_SANDBOX_LIMITS). */
export interface SandboxLimits {
  /** Old-generation heap of one script worker in MB; a script that needs more is killed. */
  heapMb: number
  /** Scripts that run at the same time (one worker each); more wait in line. */
  workers: number
  /**
   * Wall-clock margin past a script's own time limit after which its worker is terminated. The worker
   * stops the script itself at the limit; this catches what a vm timeout cannot interrupt.
   */
  graceMs: number
  /** An idle worker stops after this long and is started again when needed. */
  idleMs: number
}

/** Defaults: 64 MB heap per script, two workers. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = { heapMb: 64, workers: 2, graceMs: 250, idleMs: 30_000 }

/** One script file of a job: its source and the name errors refer to. */
export interface ScriptSource {
  source: string
  filename: string
}

/** A script run: the scripts in order, the time limit, and the answer to the object-model calls. */
export interface ScriptJob {
  scripts: readonly ScriptSource[]
  timeLimitMs: number
  /** Answers one object-model call, synchronously, JSON in and out; called on the main thread. */
  bridge(json: string): string
}

/** How a script run ended. `error.text` is already plain text made inside the script's time limit. */
export type ScriptOutcome =
  | { kind: 'ok' }
  | { kind: 'error'; text: string }
  | { kind: 'timeout' }
  | { kind: 'memory' }
  | { kind: 'crashed'; reason: string }

interface Pending {
  job: ScriptJob
  resolve(outcome: ScriptOutcome): void
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'call'; id: number; json: string }
  | { type: 'done'; id: number; outcome: ScriptOutcome }

/** The script sandbox: `run` resolves with the outcome, never rejects. */
export class ScriptSandbox {
  readonly limits: Readonly<SandboxLimits>
  private readonly idle: ScriptWorker[] = []
  private live = 0
  private readonly waiting: Pending[] = []

  constructor(limits: Partial<SandboxLimits> = {}) {
    this.limits = { ...DEFAULT_SANDBOX_LIMITS, ...limits }
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`sandbox.${name} must be a positive whole number, got ${String(value)}`)
    }
  }

  /** Runs a job in a free worker (or when one frees up). */
  run(job: ScriptJob): Promise<ScriptOutcome> {
    return new Promise((resolve) => {
      this.waiting.push({ job, resolve })
      this.dispatch()
    })
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let worker = this.idle.pop()
      if (worker === undefined) {
        if (this.live >= this.limits.workers) return
        worker = new ScriptWorker(this.limits, () => this.died(worker!), () => this.retire(worker!))
        this.live++
      }
      const pending = this.waiting.shift()!
      worker.start(pending.job, (outcome) => {
        pending.resolve(outcome)
        if (worker!.alive) this.idle.push(worker!)
        this.dispatch()
      })
    }
  }

  private died(worker: ScriptWorker): void {
    this.live--
    const at = this.idle.indexOf(worker)
    if (at !== -1) this.idle.splice(at, 1)
    this.dispatch()
  }

  private retire(worker: ScriptWorker): void {
    const at = this.idle.indexOf(worker)
    if (at === -1) return
    this.idle.splice(at, 1)
    void worker.stop()
  }
}

/** One worker thread and the job it runs. */
class ScriptWorker {
  alive = true
  private readonly worker: Worker
  private readonly signal = new Int32Array(new SharedArrayBuffer(4))
  private readonly replies: MessagePort
  private ready = false
  private nextId = 1
  private current: { id: number; job: ScriptJob; done(outcome: ScriptOutcome): void; watchdog?: NodeJS.Timeout; sent: number } | null = null
  private idleTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly limits: Readonly<SandboxLimits>,
    private readonly onDeath: () => void,
    private readonly onIdleTimeout: () => void
  ) {
    const { port1, port2 } = new MessageChannel()
    this.replies = port1
    this.worker = new Worker(SCRIPT_WORKER_SOURCE, {
      eval: true,
      workerData: { signal: this.signal.buffer, replies: port2 },
      transferList: [port2],
      resourceLimits: {
        maxOldGenerationSizeMb: limits.heapMb,
        maxYoungGenerationSizeMb: Math.max(1, Math.min(16, Math.floor(limits.heapMb / 4))),
        stackSizeMb: 4
      }
    })
    this.worker.on('message', (m: WorkerMessage) => this.onMessage(m))
    this.worker.on('error', (e: Error & { code?: string }) => {
      this.end(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { kind: 'memory' } : { kind: 'crashed', reason: e.message })
    })
    this.worker.on('exit', () => this.end({ kind: 'crashed', reason: 'the script worker stopped' }))
  }

  /** Runs one job; `done` is called exactly once. */
  start(job: ScriptJob, done: (outcome: ScriptOutcome) => void): void {
    clearTimeout(this.idleTimer)
    this.worker.ref()
    this.current = { id: this.nextId++, job, done, sent: 0 }
    if (this.ready) this.begin()
  }

  stop(): Promise<number> {
    return this.worker.terminate()
  }

  private begin(): void {
    const current = this.current!
    const { job, id } = current
    // The worker enforces the limit itself (once for the script, once more for the text of what it threw);
    // the watchdog ends what it cannot (a stuck worker).
    current.watchdog = setTimeout(() => {
      if (this.current?.id !== id) return
      void this.worker.terminate()
      this.end({ kind: 'timeout' })
    }, 2 * job.timeLimitMs + this.limits.graceMs)
    this.worker.postMessage({ type: 'run', id, timeLimitMs: job.timeLimitMs, scripts: job.scripts.map((s) => ({ source: s.source, filename: s.filename })) })
  }

  private onMessage(m: WorkerMessage): void {
    if (m.type === 'ready') {
      this.ready = true
      if (this.current) this.begin()
    } else if (m.type === 'call') {
      const current = this.current?.id === m.id ? this.current : null
      let answer: string
      try {
        if (current === null) answer = '{"e":"no running script"}'
        // What the script hands the gateway stays on the gateway's heap (variables, print notes): it gets
        // the same bound as the script's own heap, per run.
        else if ((current.sent += m.json.length) > this.limits.heapMb * 1024 * 1024) {
          answer = JSON.stringify({ e: `the script sent more than ${this.limits.heapMb}MB to the gateway` })
        } else answer = current.job.bridge(m.json)
      } catch (e) {
        answer = JSON.stringify({ e: String((e as Error)?.message ?? e) })
      }
      // The answer is on the port before the signal: the worker reads it right after waking.
      this.replies.postMessage(answer)
      Atomics.store(this.signal, 0, 1)
      Atomics.notify(this.signal, 0)
    } else if (m.type === 'done' && this.current?.id === m.id) {
      this.finish(m.outcome)
    }
  }

  private finish(outcome: ScriptOutcome): void {
    const current = this.current
    if (!current) return
    this.current = null
    clearTimeout(current.watchdog)
    if (this.alive) {
      this.worker.unref()
      this.idleTimer = setTimeout(this.onIdleTimeout, this.limits.idleMs)
      this.idleTimer.unref()
    }
    current.done(outcome)
  }

  private end(outcome: ScriptOutcome): void {
    if (!this.alive) return
    this.alive = false
    clearTimeout(this.idleTimer)
    this.replies.close()
    this.finish(outcome)
    this.onDeath()
  }
}
