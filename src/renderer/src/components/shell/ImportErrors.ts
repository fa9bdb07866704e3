import { h } from 'vue'
import type { DialogApi } from 'naive-ui'
import { ApiError, errorMessage } from '@renderer/api'

const SHOWN = 12

/** Shows why an import was refused: every field issue with its path, so the file can be fixed. */
export function showImportErrors(dialog: DialogApi, title: string, error: unknown): void {
  const issues = error instanceof ApiError ? error.issues : []
  dialog.error({
    title,
    positiveText: 'Close',
    style: { width: '620px' },
    content: () =>
      issues.length
        ? h('div', [
            h('p', { style: 'margin: 0 0 8px' }, 'Nothing was changed. Fix these entries and import again:'),
            h(
              'ul',
              { class: 'import-issues', 'data-testid': 'import-issues', style: 'margin: 0; padding-left: 18px; max-height: 300px; overflow: auto' },
              [
                ...issues.slice(0, SHOWN).map((i) => h('li', [h('code', { class: 'gl-mono' }, i.field.replace(/^workspace\./, '') || '(file)'), `: ${i.message}`])),
                ...(issues.length > SHOWN ? [h('li', `and ${issues.length - SHOWN} more`)] : [])
              ]
            )
          ])
        : h('p', { style: 'margin: 0', 'data-testid': 'import-issues' }, `Nothing was changed. ${errorMessage(error)}`)
  })
}
