// Placeholder: to be built.
export function BatchEndpoints() { return <div>BatchEndpoints</div>; }
export function BatchEndpointDetail() { return <div>BatchEndpointDetail</div>; }
