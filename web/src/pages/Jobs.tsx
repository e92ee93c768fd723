// Placeholder: to be built.
export function Jobs() { return <div>Jobs</div>; }
