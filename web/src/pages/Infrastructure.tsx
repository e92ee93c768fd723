// Placeholder: to be built.
export function Computes() { return <div>Computes</div>; }
export function Datastores() { return <div>Datastores</div>; }
