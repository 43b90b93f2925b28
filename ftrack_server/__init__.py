"""ftrack_server: a local ftrack-compatible server for development and tests."""
