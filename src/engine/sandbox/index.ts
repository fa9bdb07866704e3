/**
 * The sandbox: untrusted work (JavaScript policies, bundle regexes) runs here with time and memory limits,
 * never unbounded on the gateway's event loop (DESIGN section 9).
 */
export { ScriptSandbox, DEFAULT_SANDBOX_LIMITS } from './script-pool'
export type { SandboxLimits, ScriptJob, ScriptOutcome, ScriptSource } from './script-pool'
export { LinearPattern, boundedRegexTest, compileBoundedSearch, setRegexTimeLimit, warmRegexSandbox, DEFAULT_REGEX_TIME_LIMIT_MS } from './regex'
export type { BoundedSearch } from './regex'

import { ScriptSandbox } from './script-pool'

let shared: ScriptSandbox | null = null

/** The process-wide script sandbox with default limits, for engines built without their own. */
export function sharedScriptSandbox(): ScriptSandbox {
  return (shared ??= new ScriptSandbox())
}
