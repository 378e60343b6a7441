"""Policy as code: rules, signed bundles and decisions (pure, no I/O)."""
