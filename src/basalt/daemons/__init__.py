"""Long-running loops that call services: the job scheduler and each job's runner."""
