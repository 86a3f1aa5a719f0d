import pytest

from evaluation.stats import percentile


def test_percentile_interpolates_between_closest_ranks():
    values = [40.0, 10.0, 30.0, 20.0]
    assert percentile(values, 50) == pytest.approx(25.0)
    assert percentile(values, 100) == 40.0
    assert percentile(values, 0) == 10.0
    assert percentile([], 95) is None
