"""Operation groups of the Client, in the shape of Azure ML's MLClient."""
