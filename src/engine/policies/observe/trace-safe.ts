/** Flow variables as the trace may show them: `private.` variables (secrets, as on Apigee) are masked. */
import type { FlowVariables } from '../types'

export const MASK = '********'

/** Whether a variable's value must never appear in a trace note. */
export function isPrivate(name: string): boolean {
  return name.startsWith('private.')
}

/** A read-only view of `variables` for rendering text that goes into the trace. */
export function traceSafe(variables: FlowVariables): FlowVariables {
  return {
    get: (name) => (isPrivate(name) && variables.get(name) !== undefined ? MASK : variables.get(name)),
    getString: (name) => (isPrivate(name) && variables.getString(name) !== undefined ? MASK : variables.getString(name)),
    set: () => {
      throw new Error('traceSafe variables are read-only')
    },
    remove: () => {
      throw new Error('traceSafe variables are read-only')
    },
    snapshot: () => ({})
  }
}
