"""Reading documents (PDF reports, news items, web pages) and cutting them into chunks.

``files`` finds documents and names them, ``sniff`` judges a file by its bytes, ``pdf`` and ``news``
parse (PDFs only inside ``sandbox`` children), ``clean`` and ``headings`` tidy the text, ``reader``
turns a batch of paths into one outcome per file, ``chunking`` cuts documents into passages.

The lowest layer: it never imports ``index``, ``bot`` or the UI.
"""
