"""Council profiles: one YAML file per council (``<name>.yml``), the loader, and the UK postcode."""

from councils.profile import CouncilProfile, current_profile, load_profile

__all__ = ["CouncilProfile", "current_profile", "load_profile"]
