"""Hostile, broken and clumsy input across commands (issues 9 and 20), one file per class.

The classes are issue 20's; issue 9's rows sit in the class that keeps their promise, with their
ids (``1-gate-...``, ``7-messages-...``) as issue 9 numbered them. Every file shares the one
harness, ``_harness.py``. A class whose probes go at one module lives beside that module's tests.

| class | promise | probes |
|---|---|---|
| A | a check that raises fails, with its line: no false green | test_a_false_green.py; doctor's checks: tests/doctor/test_doctor.py, tests/gateway/test_doctor.py |
| B | completion never runs code from a file name | tests/cli/test_completion.py |
| C | no value from outside forges an output line | test_c_forged_lines.py; usage: tests/usage/test_hostile_usage.py |
| D | no token leaks, before or after cutting | test_d_token_leaks.py; tests/cloudflare/test_client.py; usage: tests/usage/test_hostile_usage.py |
| E | writes whole or not at all, in the place asked for | test_e_writes.py; usage's chart: tests/usage/test_hostile_usage.py |
| F | one line, never Python's words | test_f_no_python.py; usage: tests/usage/test_hostile_usage.py |
| G | strict types, rules that match Pulumi's, keys that are in the file | test_g_types_and_rules.py |
| H | analytics rows validated, valid JSON always | tests/usage/test_hostile_usage.py |
| I | older probes still open | test_i_older_probes.py |
| J | no test depends on machine load | the rule itself: ``SUBPROCESS_BOUND`` in tests/conftest.py, every subprocess bound, no wall-time assertion anywhere |
"""
