import type { ConsoleErrorCode, ConsoleErrorData, FieldIssue } from '@shared/contract'

/** `network`: the console could not be reached at all (no ConsoleResult came back). */
export type ApiErrorCode = ConsoleErrorCode | 'network'

/** A failed console call, carrying the contract's stable code and field issues. */
export class ApiError extends Error {
  readonly code: ApiErrorCode
  readonly issues: FieldIssue[]
  readonly method: string

  constructor(method: string, code: ApiErrorCode, message: string, issues: FieldIssue[] = []) {
    super(message)
    this.name = 'ApiError'
    this.method = method
    this.code = code
    this.issues = issues
  }

  static fromData(method: string, data: ConsoleErrorData): ApiError {
    return new ApiError(method, data.code, data.message, data.issues ?? [])
  }
}

/** Any thrown value as a message a person can read. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
