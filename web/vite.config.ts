import { defineConfig } from "vite";

// A path beside this file (no Node.js types: tsconfig checks this file with DOM libs).
const here = (path: string): string =>
  decodeURIComponent(new URL(path, import.meta.url).pathname);

// Two pages, built into the Python package so `opsgraph serve` needs no Node.js:
// the console (index.html, served at /) and GraphiQL (graphiql.html, served at
// GET /graphql to browsers). Every asset is fetched from /ui/assets/, never a CDN.
// `npm run dev` serves the console with hot reload and hands /graphql (HTTP and
// websockets) to an `opsgraph serve` on OPSGRAPH_API (default 127.0.0.1:8000).
const api = process.env.OPSGRAPH_API ?? "http://127.0.0.1:8000";
const proxy = { "/graphql": { target: api, ws: true } };

export default defineConfig({
  base: "/ui/",
  server: { proxy },
  preview: { proxy },
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
