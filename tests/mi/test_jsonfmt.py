from osipsc.runtime.mi.jsonfmt import dumps, format_number, loads


def test_numbers_follow_cjson() -> None:
    assert format_number(0) == "0"
    assert format_number(-0.0) == "0"
    assert format_number(5) == "5"
    assert format_number(-2147483648) == "-2147483648"
    assert format_number(2147483647) == "2147483647"
    assert format_number(2147483648) == "2147483648"
    assert format_number(3e9) == "3000000000"
    # myfloor() of the build subtracts 0.9999999999999999, which rounds to 1 at this
    # magnitude: large negative integers are not seen as integral
    assert format_number(-3e9) == "-3.000000e+09"
    assert format_number(1.5) == "1.500000"
    assert format_number(1e-7) == "1.000000e-07"
    assert format_number(1.5e10) == "15000000000"
    assert format_number(1.25e10 + 0.5) == "1.250000e+10"
    # unsigned long -2 as a statistic: above 2^63 the build's floor() overflows → %e [V]
    assert format_number(2**64 - 2) == "1.844674e+19"
    assert format_number(float("nan")) == "null"
    assert format_number(float("inf")) == "null"


def test_strings_escape_like_cjson() -> None:
    assert dumps('a"b\\c/d') == '"a\\"b\\\\c/d"'
    assert dumps("\b\f\n\r\t\x01\x1f") == '"\\b\\f\\n\\r\\t\\u0001\\u001f"'
    assert dumps("caf\xe9") == '"caf\xe9"'  # bytes >= 0x80 are copied raw
    assert dumps("ab\0cd") == '"ab"'  # C string


def test_compact() -> None:
    value = {"key": "k1", "value": "v1", "n": [1, True, False, None, {}], "e": []}
    assert dumps(value) == '{"key":"k1","value":"v1","n":[1,true,false,null,{}],"e":[]}'
    assert dumps([["system", "attr", "value"], ["system", "attr", "value", "expire"]]) == (
        '[["system","attr","value"],["system","attr","value","expire"]]')


def test_pretty() -> None:
    assert dumps({"key": "a", "value": "b"}, True) == '{\n\t"key":\t"a",\n\t"value":\t"b"\n}'
    assert dumps([["system", "attr"], ["x"]], True) == '[["system", "attr"], ["x"]]'
    assert dumps({"Lists": []}, True) == '{\n\t"Lists":\t[]\n}'
    assert dumps({}, True) == "{\n}"
    assert dumps({"a": {}}, True) == '{\n\t"a":\t{\n\t}\n}'
    assert dumps([{"a": 1}, {}], True) == '[{\n\t\t"a":\t1\n\t}, {\n\t}]'
    assert dumps("OK", True) == '"OK"'


def test_loads_latin1_model() -> None:
    assert loads(b'{"a":"caf\xc3\xa9"} trailing') == {"a": "caf\xc3\xa9"}
    assert loads('{"a":"\\u00e9"}') == {"a": "\xc3\xa9"}
