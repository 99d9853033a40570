import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// During `npm run dev` the backend (`hospital serve`) is expected on port 8080 (or VITE_BACKEND);
// everything that is not the SPA itself is forwarded to it.
const backend = process.env.VITE_BACKEND ?? 'http://127.0.0.1:8080'
const proxied = ['/api', '/health', '/ready', '/swagger-ui', '/api-docs']

export default defineConfig({
  plugins: [
    vue(),
    // Element Plus components (and their CSS) are imported where a template uses them, so each route's
    // chunk carries only the components it draws.
    Components({
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
      dts: 'src/components.d.ts',
    }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: backend, changeOrigin: true }])),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dist/.vite/manifest.json maps each lazy route to its chunks: `npm run size` reads it.
    manifest: true,
    chunkSizeWarningLimit: 700,
  },
})
