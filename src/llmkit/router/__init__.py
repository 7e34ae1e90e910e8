"""Routing over model groups: deployments, strategies, fallbacks, cooldowns."""
