// Every page has a URL (deep links): /workspaces/W/jobs/NAME opens the same view anywhere.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, type ComponentType } from "react";
import { Navigate, Route, Routes, useParams, useSearchParams } from "react-router";
import { api, ApiError, unwrap } from "./api/client";
import { ErrorBox, Loading } from "./components/Feedback";
import { prefetchJob } from "./components/job/runs";
import { WorkspaceLayout } from "./components/Layout";
import { Home } from "./pages/Home";
import { Jobs } from "./pages/Jobs";
import { NotFound } from "./pages/NotFound";
import { SignIn } from "./pages/SignIn";
import { Workspaces } from "./pages/Workspaces";

// The first pages people open (home, jobs) are in the main bundle; the others, with the chart
// and graph libraries they pull in, load when first visited.
function page<M extends Record<string, unknown>>(load: () => Promise<M>, name: keyof M) {
  const Lazy = lazy(async () => ({ default: (await load())[name] as ComponentType }));
  return function LazyPage() {
    return <Suspense fallback={<Loading />}><Lazy /></Suspense>;
  };
}

const JobDetailPage = page(() => import("./pages/JobDetail"), "JobDetail");

function JobDetail() {
  const { workspace = "default", name = "" } = useParams();
  const [params] = useSearchParams();
  const client = useQueryClient();
  const charts = params.get("tab") === "metrics";
  useEffect(() => {
    prefetchJob(client, workspace, name, charts).catch(() => undefined); // the page shows errors
  }, [client, workspace, name, charts]);
  return <JobDetailPage />;
}
const Compare = page(() => import("./pages/Compare"), "Compare");
const AssetList = page(() => import("./pages/Assets"), "AssetList");
const AssetDetail = page(() => import("./pages/Assets"), "AssetDetail");
const Endpoints = page(() => import("./pages/Endpoints"), "Endpoints");
const EndpointDetail = page(() => import("./pages/Endpoints"), "EndpointDetail");
const BatchEndpoints = page(() => import("./pages/BatchEndpoints"), "BatchEndpoints");
const BatchEndpointDetail = page(() => import("./pages/BatchEndpoints"), "BatchEndpointDetail");
const Computes = page(() => import("./pages/Infrastructure"), "Computes");
const Datastores = page(() => import("./pages/Infrastructure"), "Datastores");

export function App() {
  // Whether this server wants a token: /me answers 401 without a good one. Pages render (and
  // start their own requests) meanwhile rather than waiting for the answer.
  const me = useQuery({ queryKey: ["me"], queryFn: () => unwrap(api.GET("/api/v1/me")), retry: false });
  if (me.error instanceof ApiError && me.error.status === 401) return <SignIn reason={me.error.message} />;
  if (me.error instanceof ApiError && me.error.status === 0) return <ErrorBox error={me.error} />;

  return (
    <Routes>
      <Route path="/" element={<Navigate to="/workspaces/default" replace />} />
      <Route path="/workspaces" element={<Workspaces />} />
      <Route path="/workspaces/:workspace" element={<WorkspaceLayout />}>
        <Route index element={<Home />} />
        <Route path="jobs" element={<Jobs />} />
        <Route path="jobs/:name" element={<JobDetail />} />
        <Route path="compare" element={<Compare />} />
        <Route path=":kind" element={<AssetList />} />
        <Route path=":kind/:name" element={<AssetDetail />} />
        <Route path=":kind/:name/versions/:version" element={<AssetDetail />} />
        <Route path="endpoints" element={<Endpoints />} />
        <Route path="endpoints/:name" element={<EndpointDetail />} />
        <Route path="batch-endpoints" element={<BatchEndpoints />} />
        <Route path="batch-endpoints/:name" element={<BatchEndpointDetail />} />
        <Route path="computes" element={<Computes />} />
        <Route path="datastores" element={<Datastores />} />
        <Route path="*" element={<NotFound />} />
      </Route>
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
