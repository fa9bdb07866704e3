import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

const STORAGE_KEY = 'gatelab.theme'
export type ThemeName = 'light' | 'dark'

function initialTheme(): ThemeName {
  const saved = window.localStorage.getItem(STORAGE_KEY)
  if (saved === 'light' || saved === 'dark') return saved
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

/** Light or dark, persisted in localStorage. */
export const useThemeStore = defineStore('theme', () => {
  const theme = ref<ThemeName>(initialTheme())
  watch(
    theme,
    (t) => {
      window.localStorage.setItem(STORAGE_KEY, t)
      document.documentElement.dataset.theme = t
    },
    { immediate: true }
  )
  function toggle(): void {
    theme.value = theme.value === 'dark' ? 'light' : 'dark'
  }
  return { theme, toggle }
})
