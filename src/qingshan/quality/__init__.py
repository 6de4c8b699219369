"""Environmental-quality computation: AQI (HJ 633), air assessment (HJ 663, GB 3095)
and surface-water classification (GB 3838-2002 with the 2011 evaluation method).

Pure Python (plus NumPy in ``aqi_vector``): nothing here imports Django, so the same
code serves the web app, the command line and batch jobs. See ``docs/quality.md``.
"""
