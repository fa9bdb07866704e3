import { useDialog, useMessage } from 'naive-ui'
import { errorMessage } from '@renderer/api'

/** A destructive action behind a confirmation dialog; failures show as a message, never silently. */
export function useConfirm() {
  const dialog = useDialog()
  const message = useMessage()

  function confirm(options: { title: string; content: string; action: string; run: () => Promise<unknown>; done?: string }): void {
    dialog.warning({
      title: options.title,
      content: options.content,
      positiveText: options.action,
      negativeText: 'Cancel',
      autoFocus: true,
      onPositiveClick: async () => {
        try {
          await options.run()
          if (options.done) message.success(options.done)
          return true
        } catch (e) {
          message.error(errorMessage(e), { duration: 8000 })
          return true
        }
      }
    })
  }
  return { confirm }
}
