import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/**
 * Builds the wallet and the dApp pages to ../dist/pages/{wallet,dapp}, from the workspace's sources (the
 * `latchkey-source` condition), with relative asset paths so that the page server can serve them anywhere.
 */
export default defineConfig({
  root: here('.'),
  base: './',
  logLevel: 'warn',
  resolve: { conditions: ['latchkey-source', 'module', 'browser', 'import', 'default'] },
  build: {
    outDir: here('../dist/pages'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2048,
    rollupOptions: { input: { wallet: here('wallet/index.html'), dapp: here('dapp/index.html') } },
  },
})
