/**
 * Regular expressions from a bundle matched against request data, bounded two ways:
 * - patterns the engine builds itself (ExtractVariables' `{name}` templates) run on RE2 (re2js): linear
 *   time, and for these patterns (literals and `(.*)` / `([^/]*)` groups) the same captures as a
 *   backtracking engine, since RE2's leftmost-first submatch rules are Perl's;
 * - JavaRegex patterns keep JavaScript's RegExp semantics (lookarounds, backreferences) and run in a
 *   worker thread while the gateway waits for at most the regex time limit: a catastrophic pattern costs
 *   that limit once per match, its worker is replaced, and the match counts as no match.
 */
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { RE2JS } from 're2js'

/** A whole-string matcher that runs in linear time. */
export class LinearPattern {
  private readonly re: RE2JS

  /** `source` uses the RE2 syntax common to JavaScript (escaped literals, groups, classes, quantifiers). */
  constructor(source: string, options: { ignoreCase: boolean; dotAll: boolean }) {
    this.re = RE2JS.compile(source, (options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) | (options.dotAll ? RE2JS.DOTALL : 0))
  }

  /** The capture groups (1..n) of a whole-string match, or null when the value does not match. */
  match(value: string): string[] | null {
    const m = this.re.matcher(value)
    if (!m.matches()) return null
    const groups: string[] = []
    for (let i = 1; i <= m.groupCount(); i++) groups.push(m.group(i) ?? '')
    return groups
  }
}

/** How long the gateway waits for one JavaRegex match before giving up on it. */
export const DEFAULT_REGEX_TIME_LIMIT_MS = 100
/** How long the gateway waits for a regex worker to start, or to take up a match. */
const REGEX_WORKER_BOOT_LIMIT_MS = 5000
/** Heap of the regex worker: enough for a copy of a 10 MB body. */
const REGEX_WORKER_HEAP_MB = 96

const REGEX_WORKER_SOURCE = String.raw`
'use strict';
const { workerData } = require('node:worker_threads');
const signal = new Int32Array(workerData.signal);
const port = workerData.port;
const cache = new Map();
port.on('message', (m) => {
  Atomics.store(signal, 0, 2);
  Atomics.notify(signal, 0);
  let result = false;
  try {
    const key = m.flags + '/' + m.source;
    let re = cache.get(key);
    if (re === undefined) {
      if (cache.size >= 512) cache.clear();
      re = new RegExp(m.source, m.flags);
      cache.set(key, re);
    }
    re.lastIndex = 0;
    result = re.test(m.value);
  } catch (e) {
    result = false;
  }
  port.postMessage(result);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
Atomics.store(signal, 1, 1);
Atomics.notify(signal, 1);
`

/** signal[0]: 2 while a match runs, 1 when its answer is on the port; signal[1]: 1 once the worker listens. */
interface RegexWorker {
  worker: Worker
  port: MessagePort
  signal: Int32Array
}

let timeLimitMs = DEFAULT_REGEX_TIME_LIMIT_MS
let current: RegexWorker | null = null

/** Sets the regex time limit for the process (one regex worker serves every engine). */
export function setRegexTimeLimit(ms: number): void {
  if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`regex time limit must be a positive whole number of milliseconds, got ${ms}`)
  timeLimitMs = ms
}

/** Starts the regex worker ahead of the first match (at deployment), so no request waits for it. */
export function warmRegexSandbox(): void {
  if (current === null) current = spawn()
}

function spawn(): RegexWorker {
  const signal = new Int32Array(new SharedArrayBuffer(8))
  const { port1, port2 } = new MessageChannel()
  const worker = new Worker(REGEX_WORKER_SOURCE, {
    eval: true,
    workerData: { signal: signal.buffer, port: port2 },
    transferList: [port2],
    resourceLimits: { maxOldGenerationSizeMb: REGEX_WORKER_HEAP_MB, stackSizeMb: 4 }
  })
  // The gateway waits for answers synchronously; the worker itself must never keep the process alive.
  worker.unref()
  port1.unref()
  const spawned: RegexWorker = { worker, port: port1, signal }
  worker.on('error', () => discard(spawned))
  worker.on('exit', () => discard(spawned))
  return spawned
}

function discard(regexWorker: RegexWorker): void {
  if (current === regexWorker) current = null
  regexWorker.port.close()
  void regexWorker.worker.terminate()
}

/**
 * `regex.test(value)` in the regex worker, waiting at most the regex time limit; undefined when the
 * match did not finish in time (the worker is then replaced).
 */
export function boundedRegexTest(regex: RegExp, value: string): boolean | undefined {
  const w = current ?? (current = spawn())
  if (Atomics.load(w.signal, 1) === 0 && Atomics.wait(w.signal, 1, 0, REGEX_WORKER_BOOT_LIMIT_MS) === 'timed-out') {
    discard(w)
    return undefined
  }
  Atomics.store(w.signal, 0, 0)
  w.port.postMessage({ source: regex.source, flags: regex.flags, value })
  // The limit counts from the moment the worker starts the match: a busy machine's scheduling delay is not the pattern's fault.
  const taken = Atomics.wait(w.signal, 0, 0, REGEX_WORKER_BOOT_LIMIT_MS) !== 'timed-out'
  if (!taken || (Atomics.load(w.signal, 0) === 2 && Atomics.wait(w.signal, 0, 2, timeLimitMs) === 'timed-out')) {
    discard(w)
    // The next match should not pay for the start of a new worker.
    warmRegexSandbox()
    return undefined
  }
  const reply = receiveMessageOnPort(w.port)
  return reply?.message === true
}

/**
 * A pattern that is searched for anywhere in a value (Java's Matcher.find()). `source`/`flags` are JavaScript
 * syntax (i, m, s); RE2 runs it in linear time when it can express it, otherwise the regex worker runs it
 * within the regex time limit.
 */
export interface BoundedSearch {
  /** Whether the pattern occurs in `value`; undefined when the match did not finish within the time limit. */
  find(value: string): boolean | undefined
  /** Which engine runs it (for traces). */
  readonly engine: 're2' | 'worker'
}

/** Compiles a search, or throws a SyntaxError when JavaScript rejects the pattern. */
export function compileBoundedSearch(source: string, flags: string): BoundedSearch {
  const regex = new RegExp(source, flags)
  let re2: RE2JS | null = null
  try {
    re2 = RE2JS.compile(source, (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0) | (flags.includes('s') ? RE2JS.DOTALL : 0))
  } catch {
    // Lookarounds and backreferences: RE2 cannot run them, the bounded worker can.
  }
  if (re2 !== null) {
    const linear = re2
    return { engine: 're2', find: (value) => linear.matcher(value).find() }
  }
  return { engine: 'worker', find: (value) => boundedRegexTest(regex, value) }
}
