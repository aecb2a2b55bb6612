"""Runtime settings: one typed store that takes effect without a restart."""
