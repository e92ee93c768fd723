import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { ApiError, setToken } from "./api/client";
import { App } from "./App";
import "./styles.css";

// A link with ?token=... (printed by `basalt studio` on a server that needs tokens) signs in.
const url = new URL(window.location.href);
const token = url.searchParams.get("token");
if (token) {
  setToken(token);
  url.searchParams.delete("token");
  window.history.replaceState(null, "", url.toString());
}

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      // A refusal will not change on retry; only a lost connection might.
      retry: (count, error) => count < 2 && error instanceof ApiError && error.status === 0,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
