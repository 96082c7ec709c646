"""Reading documents (PDF reports, news items) and cutting them into chunks.

The lowest layer: it never imports ``index``, ``bot`` or the UI.
"""
