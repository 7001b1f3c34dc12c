/**
 * Builds the console (console/ → console/dist). `base: './'` keeps every asset URL relative, so the
 * same files work from the sandbox's static server and from CloudFront. The dev server answers
 * /config.json itself (PIGEON_API_URL, default the sandbox's usual API address) since in every
 * other setting config.json is written by whoever hosts the files.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

function devConfigJson(): Plugin {
  return {
    name: 'pigeon-dev-config-json',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/config.json', (_request, response) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ apiUrl: process.env.PIGEON_API_URL ?? 'http://localhost:3000', stage: 'local' }));
      });
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), devConfigJson()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
});
