import { ref } from 'vue'
import { ApiError, errorMessage } from '@renderer/api'
import type { FieldIssue } from '@shared/contract'

/**
 * Maps an issue's dotted path to the form field it concerns. Service errors may prefix the path
 * with the input's wrapper (`product.scopes.0`, `patch.port`); those prefixes are dropped and the
 * first remaining segment names the field. Nested parts stay in the message (`row 2: name is required`).
 */
export function fieldOfIssue(issue: FieldIssue, wrappers: readonly string[], fields: readonly string[]): { field: string; message: string } | null {
  const parts = issue.field.split('.').filter(Boolean)
  while (parts.length > 1 && wrappers.includes(parts[0]!)) parts.shift()
  if (parts.length === 1 && wrappers.includes(parts[0]!) && !fields.includes(parts[0]!)) parts.shift()
  const [head, ...rest] = parts
  if (!head || !fields.includes(head)) return null
  const index = rest.findIndex((p) => /^\d+$/.test(p))
  const where = index >= 0 ? `Entry ${Number(rest[index]) + 1}${rest.slice(index + 1).length ? ` (${rest.slice(index + 1).join('.')})` : ''}: ` : ''
  return { field: head, message: `${where}${issue.message}` }
}

/** Field-level errors for one form, filled from an ApiError's issues. */
export function useFieldErrors(fields: readonly string[], wrappers: readonly string[] = ['patch']) {
  const errors = ref<Record<string, string>>({})
  const formError = ref<string | null>(null)

  function clear(): void {
    errors.value = {}
    formError.value = null
  }

  /** Shows an error: issues at their fields, the rest (and a conflict on the name) at the top or the key field. */
  function show(error: unknown, keyField?: string): void {
    clear()
    if (!(error instanceof ApiError)) {
      formError.value = errorMessage(error)
      return
    }
    const next: Record<string, string> = {}
    const unplaced: string[] = []
    for (const issue of error.issues) {
      const placed = fieldOfIssue(issue, wrappers, fields)
      if (placed) next[placed.field] = next[placed.field] ? `${next[placed.field]}; ${placed.message}` : placed.message
      else unplaced.push(issue.field ? `${issue.field}: ${issue.message}` : issue.message)
    }
    if (!error.issues.length && error.code === 'conflict' && keyField) next[keyField] = error.message
    else if (unplaced.length || !Object.keys(next).length) formError.value = unplaced.length ? unplaced.join('; ') : error.message
    errors.value = next
  }

  /** Props for an NFormItem: red state plus the message under the field. */
  function at(field: string): { validationStatus?: 'error'; feedback?: string } {
    const message = errors.value[field]
    return message ? { validationStatus: 'error', feedback: message } : {}
  }

  /** Like `at`, for one form item that edits several fields (quota limit, interval, unit). */
  function atAny(...names: string[]): { validationStatus?: 'error'; feedback?: string } {
    const messages = names.map((n) => errors.value[n]).filter((m): m is string => !!m)
    return messages.length ? { validationStatus: 'error', feedback: messages.join('; ') } : {}
  }

  return { errors, formError, clear, show, at, atAny }
}
