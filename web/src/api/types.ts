// Names for the API's shapes, so pages read `Run` rather than components["schemas"]["Run"].
import type { Schemas } from "./client";

export type Run = Schemas["Run"];
export type RunPage = Schemas["Page_Run_"];
export type MetricSeries = Schemas["MetricSeries"];
export type ArtifactFile = Schemas["ArtifactFile"];
export type Workspace = Schemas["Workspace"];
export type Model = Schemas["Model"];
export type User = Schemas["User"];
