import { defineConfig } from "vite";

// A path beside this file (no Node.js types: tsconfig checks this file with DOM libs).
const here = (path: string): string =>
  decodeURIComponent(new URL(path, import.meta.url).pathname);

// Two pages, built into the Python package so `opsgraph serve` needs no Node.js:
// the console (index.html, served at /) and GraphiQL (graphiql.html, served at
// GET /graphql to browsers). Every asset is fetched from /ui/assets/, never a CDN.
export default defineConfig({
  base: "/ui/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: here("../app/web/static"),
    emptyOutDir: true,
    // GraphiQL (React + CodeMirror) is one big page on its own; the console's
    // initial bundle is measured and stated in the README instead.
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        console: here("index.html"),
        graphiql: here("graphiql.html"),
      },
      // GraphiQL's Radix parts say "use client" (React Server Components); a
      // browser bundle has no use for it, so the warning is only noise.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
});
