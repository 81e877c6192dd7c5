"""What investors look at: the read-only web pages of `impact serve` and the self-contained `impact statement`.

pages.py reads the index (the traces of impact.trace, sites and pools from the index's tables), charts.py draws
inline SVG, render.py writes HTML through autoescaping Jinja2 templates, app.py is the Starlette application, and
statement.py the static file and its PDF. See docs/web.md.
"""
