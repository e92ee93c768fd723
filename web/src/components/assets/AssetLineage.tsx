// The lineage tab of a model or data version: the graph `depth` hops around it (?depth=).
import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { ErrorBox, Loading } from "../Feedback";
import { LineageGraph } from "../LineageGraph";

const DEPTHS = [1, 2, 3, 5, 10];

export function AssetLineage({ workspace, kind, name, version }: {
  workspace: string; kind: "model" | "data"; name: string; version: string;
}) {
  const [params, setParams] = useSearchParams();
  const depth = Number(params.get("depth")) || 3;
  const graph = useQuery({
    queryKey: ["lineage", workspace, kind, name, version, depth],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/lineage/{kind}", {
      params: { path: { workspace, kind }, query: { name, version, depth } },
    })),
  });
  const setDepth = (d: number) => {
    const next = new URLSearchParams(params);
    next.set("depth", String(d));
    setParams(next, { replace: true });
  };
  return (
    <div>
      <div className="toolbar">
        <label className="inline">Depth
          <select value={depth} onChange={(e) => setDepth(Number(e.target.value))}>
            {DEPTHS.map((d) => <option key={d} value={d}>{d} hop{d > 1 ? "s" : ""}</option>)}
          </select>
        </label>
        <span className="muted small">Data flows left to right. Click a node to open it.</span>
      </div>
      {graph.isPending ? <Loading what="Loading lineage" />
        : graph.error ? <ErrorBox error={graph.error} />
        : (
          <>
            {graph.data.edges.length === 0 && (
              <p className="muted">
                Nothing used or produced {kind} {name}:{version} yet. Jobs that take it as an input
                (<code>azureml:{name}:{version}</code>) or register it as an output show up here.
              </p>
            )}
            <LineageGraph graph={graph.data} workspace={workspace} />
          </>
        )}
    </div>
  );
}
