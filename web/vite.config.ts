import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The build goes into the Python package, where `basalt server start` serves it at `/`.
// `npm run dev` proxies the API to a server on the default port (basalt server start).
const api = process.env.BASALT_URL ?? "http://127.0.0.1:5280";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/basalt/server/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
  },
  server: { proxy: { "/api": api, "/endpoints": api, "/healthz": api } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
