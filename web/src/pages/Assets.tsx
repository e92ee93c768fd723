// Placeholder: to be built.
export function AssetList() { return <div>AssetList</div>; }
export function AssetDetail() { return <div>AssetDetail</div>; }
