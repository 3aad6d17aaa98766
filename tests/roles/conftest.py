from tests.disputes.conftest import _dispute_defaults, neighbour_type, register  # noqa: F401
from tests.vehicles.conftest import _incident_categories, owner, vehicle  # noqa: F401
