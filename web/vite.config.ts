import { resolve } from "node:path";
import { defineConfig } from "vite";

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
    outDir: resolve(__dirname, "../app/web/static"),
    emptyOutDir: true,
    // GraphiQL (React + CodeMirror) is one big page on its own; the console's
    // initial bundle is measured and stated in the README instead.
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        console: resolve(__dirname, "index.html"),
        graphiql: resolve(__dirname, "graphiql.html"),
      },
    },
  },
});
