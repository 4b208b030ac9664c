"""Emulation of OpenSIPS's tm module: transactions, relaying, replies, timers.

``TransactionManager`` (one per engine, ``get_manager(engine)``) is the entry point for
the engine and for the script functions in ``runtime/functions/tm.py``.

Engine hooks tm relies on (see ``adapter.py`` for the fallbacks):

* ``engine.state("tm")`` / ``engine.register_state_factory(name, factory)``;
* ``engine.clock.now()``, ``engine.clock.call_later(delay_s, fn)`` (handle with
  ``cancel()``), fired when the engine advances virtual time;
* ``engine.send(data: bytes, dst, proto)``; ``engine.log(level, text)``;
* ``engine.new_context(msg, route_type, avps, flags=set)`` (``avps=None``: a fresh list);
* ``engine.run_top_route(kind, name, ctx)`` with kind ``failure_route`` /
  ``branch_route`` / ``onreply_route``, returning the final control flags (DROP visible);
* ``engine.modparam(module, name)`` (or ``engine.script.modparams``);
* ``engine.receive()`` of a reply calls ``get_manager(engine).on_reply(engine, msg)``;
* ``async()`` calls ``get_manager(engine).ensure_transaction(ctx)`` and resumes with
  ``transaction.resume_context(engine)``;
* a new AVP store per received request (the old one may now belong to a transaction).

MI: ``runtime/tm/mi.py`` has ``register_tm_mi`` (async ``t_uac_dlg``),
``register_dialog_mi`` (``dlg_list``, ``dlg_end_dlg``) and ``register_usrloc_mi``
(``ul_dump``, ``ul_show_contact``) for the MI room's ``MODULE_COMMANDS``.

Not emulated: DNS failover, retransmission timers (their datagrams would be dropped as
duplicates by the transcript anyway), t_inject_branches / t_wait_for_new_branches (the
latter only answers), 503->500 remapping, local ACKs for t_uac_dlg INVITEs, the BYEs of
dlg_end_dlg.
"""

from .manager import TransactionManager, get_manager
from .transaction import Branch, Transaction

__all__ = ["Branch", "Transaction", "TransactionManager", "get_manager"]
