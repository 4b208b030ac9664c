"""usrloc.new_contact equals the dataclass constructor (and knows every field)."""

from __future__ import annotations

from dataclasses import fields

from osipsc.runtime.usrloc import Contact, new_contact


def test_new_contact_matches_init() -> None:
    made = new_contact("sip:a@b", 3600.0, 500, "cid", 7, "UA/1", "<urn:x>")
    plain = Contact(uri="sip:a@b", expires=3600.0, q=500, callid="cid", cseq=7,
                    user_agent="UA/1", instance="<urn:x>")
    for f in fields(Contact):  # a field added to Contact must be set by new_contact too
        assert getattr(made, f.name) == getattr(plain, f.name), f.name
    assert made == plain
    assert made.cflags is not new_contact("u", 0, -1, "", 0, None, None).cflags
