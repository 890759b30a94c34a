import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The api serves dist/ under /dashboard, so every asset URL is rooted there. */
export default defineConfig({
  base: '/dashboard/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
