// Placeholder: to be built.
export function Endpoints() { return <div>Endpoints</div>; }
export function EndpointDetail() { return <div>EndpointDetail</div>; }
