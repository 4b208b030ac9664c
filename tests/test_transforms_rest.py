"""rest_client's {rest.escape} / {rest.unescape}: curl's URL escaping."""

from osipsc.runtime.transforms import apply, compile_chain


def test_escape_keeps_only_unreserved_bytes() -> None:
    assert apply("rest", "escape", (), "a b&c=d/~-._") == "a%20b%26c%3Dd%2F~-._"
    assert apply("rest", "escape", (), "\xc3\xa9") == "%C3%A9"  # UTF-8 bytes of é


def test_unescape_decodes_percent_sequences_but_not_plus() -> None:
    assert apply("rest", "unescape", (), "a%20b%26c+d%2f") == "a b&c+d/"


def test_round_trip_in_a_chain_and_null_passes_through() -> None:
    chain = compile_chain([("rest", "escape", (), None), ("rest", "unescape", (), None)])
    assert chain(None, "x y/z?") == "x y/z?"
    assert chain(None, None) is None
