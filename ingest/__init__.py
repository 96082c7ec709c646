"""Reading documents (PDF reports, news items, web pages) and cutting them into chunks.

``files`` finds documents and names them, ``sniff`` judges a file by its bytes (``encoding`` tells
UTF-8 from UTF-16/32), ``pdf`` and ``news`` parse (PDFs only inside ``sandbox`` children; ``markdown``
reduces Markdown to text), ``clean`` and ``headings`` tidy the text, ``reader`` turns a batch of paths
into one outcome per file, ``chunking`` cuts documents into passages.

The lowest layer: it never imports ``index``, ``bot`` or the UI.
"""
