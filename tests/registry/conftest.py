"""Fixtures of the registry tests, shared with the web and monitoring tests."""

from tests.monitoring.conftest import make_alarm  # noqa: F401  (fixture)
from tests.web.conftest import client_as, factor_catalogue  # noqa: F401  (fixtures)
