/**
 * One dispatcher for every transport: looks the method up in the contract, parses the input with its
 * schema, calls the service and wraps the outcome as a ConsoleResult. IPC and HTTP both go through here.
 */
import { ConsoleError, contract, issuesFromZod, type ConsoleResult, type ConsoleServices, type MethodName } from '../shared/contract'

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name)
}

/** Runs `method` with `input`; never throws. */
export async function dispatch(
  services: ConsoleServices,
  method: string,
  input: unknown,
  log: (message: string, error: unknown) => void = (m, e) => console.error(m, e)
): Promise<ConsoleResult<unknown>> {
  if (!isMethodName(method)) {
    return { ok: false, error: { code: 'unknown-method', message: `Unknown console method "${method}"` } }
  }
  const parsed = contract[method].input.safeParse(input ?? {})
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error)
    const text = issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ')
    return { ok: false, error: { code: 'bad-input', message: `Invalid input for ${method}: ${text}`, issues } }
  }
  try {
    const handler = services[method] as (args: unknown) => unknown
    const data = await handler(parsed.data)
    return { ok: true, data: data === undefined ? null : data }
  } catch (error) {
    if (error instanceof ConsoleError) return { ok: false, error: error.toData() }
    log(`console method ${method} failed`, error)
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, error: { code: 'internal', message: `${method} failed: ${message}` } }
  }
}
