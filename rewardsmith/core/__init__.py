"""The host: hook specs, plugin manager, reward specs and composition, probes, CLI."""
