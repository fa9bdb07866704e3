import type { AccessCell, AccessColumn, AccessMatrix, ProductEvaluation } from '@shared/access'

/** The five checks of one product, in the order the gateway runs them. */
export const checkOrder = ['approval', 'environment', 'proxy', 'resource', 'method'] as const
export type CheckName = (typeof checkOrder)[number]

/** Columns grouped by proxy, for a two-level table header (proxy, then its environments). */
export function groupColumns(columns: AccessColumn[]): Array<{ proxy: string; basePath: string; keyCheck: AccessColumn['keyCheck']; columns: AccessColumn[] }> {
  const groups: Array<{ proxy: string; basePath: string; keyCheck: AccessColumn['keyCheck']; columns: AccessColumn[] }> = []
  for (const column of columns) {
    const last = groups[groups.length - 1]
    if (last && last.proxy === column.proxy) last.columns.push(column)
    else groups.push({ proxy: column.proxy, basePath: column.basePath, keyCheck: column.keyCheck, columns: [column] })
  }
  return groups
}

/** The first check that failed for a product, or null when every check passed. */
export function firstFailedCheck(evaluation: ProductEvaluation): CheckName | null {
  return checkOrder.find((c) => !evaluation[c].ok) ?? null
}

/** Counts allowed cells per row and per column, to show "2 of 4" summaries. */
export function allowedCount(cells: AccessCell[]): number {
  return cells.filter((c) => c.allowed).length
}

/** A cell of the matrix by its row key and column. */
export function cellAt(matrix: AccessMatrix, consumerKey: string, proxy: string, environment: string): AccessCell | null {
  return matrix.rows.find((r) => r.consumerKey === consumerKey)?.cells.find((c) => c.proxy === proxy && c.environment === environment) ?? null
}

/** Splits a CamelCase fault name into words so long names can wrap between words (`InvalidAPICall`, `As`, `No`...). */
export function camelSegments(name: string): string[] {
  return name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[^A-Za-z0-9]+/g) ?? [name]
}
