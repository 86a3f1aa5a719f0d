from councils.postcode import POSTCODE_IN_TEXT, canonical_postcode, normalise_postcode


def test_what_residents_type_becomes_the_canonical_postcode():
    assert normalise_postcode(" fb1-2aa ") == "FB1 2AA"
    assert normalise_postcode("SW1A1AA") == "SW1A 1AA"
    assert normalise_postcode("FB1") is None
    assert normalise_postcode(None) is None


def test_compact_postcodes_and_postcodes_in_free_text():
    assert canonical_postcode("FB12AA") == "FB1 2AA"
    assert canonical_postcode("FB1 2AA") is None  # not compacted
    assert POSTCODE_IN_TEXT.search("bins at fb1 2aa please").groups() == ("fb1", "2aa")
