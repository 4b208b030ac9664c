"""AVPs and script variables (runtime.md §2.2-2.3, pvar.c pv_set_avp, usr_avp.c)."""

from __future__ import annotations

from _semantics import run, startup

PUSH = '$avp(a) = 1; $avp(a) = "two"; $avp(a) = 3;'


def test_push_order_and_indexes() -> None:
    out = startup(PUSH + 'xlog("$avp(a) $(avp(a)[1]) $(avp(a)[2]) $(avp(a)[3]) $(avp(a)[-1])'
                  ' $(avp(a)[-2]) $(avp(a)[-4]) [$(avp(a)[*])] $(avp(a)[append])\\n");'
                  '$var(i) = 1; xlog("$(avp(a)[$var(i)])\\n"); $var(i) = "1";'
                  'xlog("$(avp(a)[$var(i)])\\n"); $var(i) = -1; xlog("$(avp(a)[$var(i)])\\n");')
    assert out == ["3 two 1 <null> 1 two <null> [3, two, 1] <null>", "two", "<null>", "1"]


def test_star_read_is_limited_to_511_bytes() -> None:
    chunk = "a" * 100
    body = f'$avp(x) = "{chunk}";' + '$avp(x) = $avp(x);' * 4 + 'xlog("[$(avp(x)[*])]\\n");'
    assert startup(body) == ["[" + ", ".join([chunk] * 5) + "]"]  # 508 bytes
    assert startup(body.replace('xlog', '$avp(x) = $avp(x); xlog')) == ["[<null>]"]


def test_writes() -> None:
    out = startup('$avp(a) = 1; $(avp(a)[append]) = 0; xlog("$(avp(a)[*])\\n");'
                  '$avp(a) := 5; xlog("$(avp(a)[*])\\n");'
                  '$(avp(a)[3]) = 1; xlog("rc=$rc\\n");'
                  '$(avp(a)[0]) = 6; xlog("$(avp(a)[*]) rc=$rc\\n");'
                  '$(avp(a)[0]) := 9; xlog("rc=$rc [$(avp(a)[*])]\\n");'
                  '$avp(b) = 1; $(avp(b)[*]) = 2; xlog("$(avp(b)[*])\\n");')
    assert out == ["1, 0", "5", "rc=-1", "6 rc=1", "rc=-1 [<null>]", "2"]


def test_null_deletions() -> None:
    out = startup('$avp(a) = 1; $avp(a) = 2; $avp(a) = 3; $avp(a) = 4; $avp(a) = NULL;'
                  'xlog("$(avp(a)[*])\\n"); $(avp(a)[-1]) = NULL; xlog("$(avp(a)[*])\\n");'
                  '$avp(a) = $var(unset); xlog("$(avp(a)[*])\\n");'
                  '$avp(a) = 7; $avp(a) := NULL; xlog("$(avp(a)[*])\\n");'
                  '$avp(b) = 1; $avp(b) = 2; $(avp(b)[*]) = NULL; xlog("$avp(b)\\n");')
    assert out == ["3, 2, 1", "3, 2", "2", "<null>", "<null>"]


def test_compound_ops_push() -> None:
    assert startup('$avp(b) = 7; $avp(b) += 1; xlog("$(avp(b)[*])\\n");'
                   '$avp(s) = "ab"; $avp(s) += "cd"; xlog("$(avp(s)[*])\\n");') == [
        "8, 7", "abcd, ab"]


def test_for_each_newest_first_rereads_and_stops_at_null() -> None:
    out = startup('$avp(x) = "c"; $avp(x) = "b"; $avp(x) = "a";'
                  'for ($var(v) in $(avp(x)[*])) { xlog("it $var(v)\\n");'
                  ' if ($var(v) == "a") $avp(x) = NULL; }')
    assert out == ["it a", "it c"]


def test_for_each_into_avp_accumulates() -> None:
    out = startup('$avp(x) = 1; $avp(x) = 2; for ($avp(it) in $(avp(x)[*])) { xlog(""); }'
                  'xlog("$(avp(it)[*])\\n");')
    assert out == ["1, 2"]


def test_legacy_prefix_is_part_of_the_name() -> None:
    """3.6 parse_avp_spec keeps "s:x" whole (only a deprecation warning)."""
    assert startup('$avp(s:x) = 1; $avp(x) = 2; xlog("$avp(s:x) $avp(x)\\n");') == ["1 2"]


def test_avps_per_message_and_startup_leftovers() -> None:
    cfg = ('startup_route { $avp(s) = "left"; }\n'
           'route { xlog("avp=$avp(s) m=$avp(m)\\n"); $avp(m) = "set"; }\n')
    assert run(cfg, requests=2).requests == [["avp=left m=<null>"], ["avp=<null> m=<null>"]]


def test_var_persists_across_messages_with_type() -> None:
    cfg = ('startup_route { $var(n) = 0; $var(s) = "5"; }\n'
           'route { $var(n) = $var(n) + 1; xlog("n=$var(n)\\n");'
           ' if ($var(s) == 5) xlog("bad\\n"); if ($var(s) == "5") xlog("str\\n"); }\n')
    assert run(cfg, requests=3).requests == [["n=1", "str"], ["n=2", "str"], ["n=3", "str"]]


def test_var_assignment_forms() -> None:
    out = startup('$var(a) = "5"; $var(b) := 5; if ($var(b) == 5) xlog("int\\n");'
                  'if ($var(a) == 5) xlog("bad\\n"); $var(c) = $(var(a){s.int});'
                  'if ($var(c) == 5) xlog("tr int\\n"); $var(a) := NULL; xlog("$var(a)\\n");'
                  '$var(b) = $var(unset); xlog("$var(b)\\n");')
    assert out == ["int", "tr int", "<null>", "<null>"]


def test_var_compound_rules() -> None:
    out = startup('$var(u) = NULL; $var(u) += 1; xlog("$var(u) rc=$rc\\n");'
                  '$var(s) = "ab"; $var(s) += "cd"; xlog("$var(s)\\n");'
                  '$var(s) -= "x"; xlog("rc=$rc\\n"); $var(i) = 5; $var(i) += "3";'
                  'xlog("$var(i) rc=$rc\\n"); $var(t) = "x"; $var(t) += 1; xlog("$var(t) rc=$rc\\n");'
                  '$var(i) *= 3; $var(i) -= 20; xlog("$var(i)\\n");')
    assert out == ["<null> rc=-1", "abcd", "rc=-1", "5 rc=-1", "x rc=-1", "-5"]
