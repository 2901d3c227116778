"""Settings gunicorn reads from the working folder when it serves `wsgi:app`.

Long request lines are let through to the app, so an over-long search gets the app's own
JSON answer (400, in Vietnamese) rather than the server's bare 414 page.
"""

limit_request_line = 0
limit_request_field_size = 32768
timeout = 120
