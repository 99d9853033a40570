import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// During `npm run dev` the backend (`hospital serve`) is expected on port 8080;
// everything that is not the SPA itself is forwarded to it.
const backend = 'http://127.0.0.1:8080'
const proxied = ['/api', '/health', '/ready', '/swagger-ui', '/api-docs']

export default defineConfig({
  plugins: [vue()],
  server: {
    port: 5173,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: backend, changeOrigin: true }])),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
})
