import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'

const alias = {
  '@renderer': fileURLToPath(new URL('./src/renderer/src', import.meta.url)),
  '@shared': fileURLToPath(new URL('./src/shared', import.meta.url))
}

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        // index: the Electron main process; serve: the same console without Electron (headless mode)
        input: {
          index: fileURLToPath(new URL('./src/main/index.ts', import.meta.url)),
          serve: fileURLToPath(new URL('./src/main/serve.ts', import.meta.url))
        }
      }
    }
  },
  preload: {
    build: {
      // A sandboxed preload cannot load modules: bundle everything into one CommonJS file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: fileURLToPath(new URL('./src/preload/index.ts', import.meta.url)) },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: 'src/renderer',
    resolve: { alias },
    plugins: [vue()],
    build: {
      rolldownOptions: {
        input: { index: fileURLToPath(new URL('./src/renderer/index.html', import.meta.url)) }
      }
    }
  }
})
