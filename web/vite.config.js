import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// `npm run build` writes web/dist, which lighttpd serves at /. `npm run dev`
// serves the client with hot reload and passes the API and the WebSocket to a
// running stack (CRM_DEV_API, default http://127.0.0.1:3000).
const api = process.env.CRM_DEV_API || 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: {
      '/graphql': api,
      '/health': api,
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    include: ['test/**/*.test.{js,jsx}'],
    environment: 'node',
  },
});
