"""The published report: ``python -m conformance report``.

Reads the results files (``docs/results.md``) and writes ``index.html`` (the
matrix, details, figures), ``claims.html`` (comparison-article claims against
the measurements), ``summary.md`` and, with ``--compare``, ``changes.md``.

Modules, one job each:

- ``outcomes``, ``areas``: the fixed vocabularies (symbols, colours, order).
- ``model``, ``load``: the results file as typed objects, and reading it.
- ``tally``: the per-row counts (MUST, SHOULD, behaviours supported).
- ``sources``: where an endpoint's recipe sits in an adapter's source file.
- ``matrix``, ``details``, ``charts``: the view model of ``index.html``.
- ``claims_data``, ``claims``: the claims table and how verdicts are derived.
- ``summary``, ``compare``: the markdown outputs.
- ``render``, ``cli``: Jinja2 rendering and the command line.
"""
