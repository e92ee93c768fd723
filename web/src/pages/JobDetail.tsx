// Placeholder: to be built.
export function JobDetail() { return <div>JobDetail</div>; }
