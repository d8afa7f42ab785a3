"""Server-rendered pages of the evaluation app, one module per screen.

Each module keeps its own ``urls`` list (aggregated by ``evaluation/urls.py``) so a screen, its
views and its routes read together. Views parse the form, call one service and render; rules
stay in ``evaluation/services``; who may see what comes from ``staff.access.scope_for``.
"""
