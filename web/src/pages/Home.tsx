// Placeholder: to be built.
export function Home() { return <div>Home</div>; }
