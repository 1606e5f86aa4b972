import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The dashboard service serves the built app at / and its assets under /assets/.
// `npm run build -- --outDir DIR` puts the output elsewhere (default dist/).
// In development (`npm run dev`), /api is proxied to STRATUS_DASHBOARD_API (default
// http://127.0.0.1:8790), the C++ dashboard service.
const api = process.env.STRATUS_DASHBOARD_API ?? 'http://127.0.0.1:8790';

export default defineConfig({
  plugins: [preact()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
  },
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
  preview: { proxy: { '/api': { target: api, changeOrigin: false } } },
});
