"""Bundled demo portal: static fixture sites (demo/portal/), their generator and a local server."""
