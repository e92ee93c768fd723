// Placeholder: to be built.
export function Compare() { return <div>Compare</div>; }
