"""Helpers for testing OpenSIPS scripts in pytest (used by the ``osipsc`` pytest plugin).

``load_engine`` compiles a cfg (cached, on disk so coverage can trace it) into a
``ScriptEngine``; ``SipBuilder`` writes SIP messages with sensible defaults; outcomes carry
assertions that read like the domain (``outcome.replied(404)``); mocks replace module
functions and MI commands for one test.
"""

from .builders import SipBuilder, SipText
from .engine import ScriptEngine
from .loader import CfgError, load_engine, load_module
from .mocks import FunctionMock, MIMock
from .outcome_assertions import Packet, ScriptOutcome

__all__ = [
    "CfgError",
    "FunctionMock",
    "MIMock",
    "Packet",
    "ScriptEngine",
    "ScriptOutcome",
    "SipBuilder",
    "SipText",
    "load_engine",
    "load_module",
]
