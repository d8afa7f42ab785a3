"""The shelf of shared helpers on the ground floor: they import nothing above ``staff``.

``spreadsheets`` (formula neutralising, header folding), ``uploads`` (hostile-file checks),
``replica`` (reads sent to the read replica), ``admin`` (admin mixins).
"""
