"""Blueprints, one per area: thin views over the services."""
