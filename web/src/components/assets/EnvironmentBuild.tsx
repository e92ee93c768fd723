// An environment version's Build button (POST /environments/{name}/build) and its Dockerfile.
import { useMutation, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import { ErrorBox, Loading } from "../Feedback";
import { KeyValues } from "../KeyValues";
import { formatDuration } from "../../lib/format";

type Ref = { workspace: string; name: string; version: string };

/** The Build button and, once built, what the build did. The API has no stored build status:
 *  the result shown is the one of this page's last build. */
export function useEnvironmentBuild({ workspace, name, version }: Ref) {
  return useMutation({
    mutationKey: ["environment-build", workspace, name, version],
    mutationFn: () => unwrap(api.POST("/api/v1/workspaces/{workspace}/environments/{name}/build", {
      params: { path: { workspace, name }, query: { version } },
    })),
  });
}

export function BuildResult({ build, error }: { build: Schemas["EnvironmentBuild"] | undefined; error: unknown }) {
  if (error) return <ErrorBox error={error} />;
  if (!build) return null;
  return (
    <section className="card asset-build" data-testid="environment-build">
      <h2>Build {build.built ? "done" : "found in the cache"}</h2>
      <KeyValues rows={[
        ["environment", build.ref],
        ["python", <span className="mono">{build.python}</span>],
        ["cache key", <span className="mono small">{build.key}</span>],
        ["took", formatDuration(build.seconds)],
        ["requirements", (build.requirements ?? []).join(", ") || "—"],
      ]} />
      {(build.log?.length ?? 0) > 0 && <pre className="asset-log">{build.log?.join("\n")}</pre>}
    </section>
  );
}

export function Dockerfile({ workspace, name, version }: Ref) {
  const ctx = useQuery({
    queryKey: ["assets", workspace, "environments", "name", name, "dockerfile", version],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/environments/{name}/dockerfile", {
      params: { path: { workspace, name }, query: { version } },
    })),
  });
  if (ctx.isPending) return <Loading what="Writing the Dockerfile" />;
  if (ctx.error) return <ErrorBox error={ctx.error} />;
  // The Dockerfile first, then what it copies in (requirements, conda file ...).
  const files = Object.entries(ctx.data.files).sort(([a], [b]) => Number(b === "Dockerfile") - Number(a === "Dockerfile"));
  return (
    <div data-testid="environment-dockerfile">
      <p className="muted small">The build context of <span className="mono">{ctx.data.ref}</span>: <code>docker build</code> it to run this environment anywhere.</p>
      {files.map(([path, text]) => (
        <section key={path}>
          <h3 className="mono">{path}</h3>
          <pre>{text}</pre>
        </section>
      ))}
    </div>
  );
}
