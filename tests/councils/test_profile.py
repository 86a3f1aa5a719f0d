import pytest

from councils import load_profile
from councils.profile import PROFILES_DIR


def test_every_profile_loads_and_a_second_council_is_its_own_file():
    names = {path.stem: load_profile(path.stem) for path in PROFILES_DIR.glob("*.yml")}
    assert {"fernbridge", "wrenfield"} <= set(names)
    assert names["wrenfield"].name != names["fernbridge"].name
    assert names["wrenfield"].bin_name("general") == "grey wheelie bin"
    assert names["wrenfield"].link("council_tax_pay") == "https://www.wrenfield.gov.example"  # no link: home page
    assert "Central Library" in names["fernbridge"].places


def test_unknown_keys_are_tolerated_and_missing_required_keys_are_named(tmp_path):
    path = tmp_path / "extra.yml"
    path.write_text("name: A\nwebsite: https://a.example\nphone: '1'\nout_of_hours_phone: '2'\nnew_feature: x\n")
    assert load_profile(str(path)).short_name == "A"
    path.write_text("name: A\nwebsite: https://a.example\n")
    with pytest.raises(KeyError, match="phone, out_of_hours_phone"):
        load_profile(str(path))


def test_the_profile_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("COUNCIL_PROFILE", "wrenfield")
    assert load_profile().short_name == "Wrenfield"
