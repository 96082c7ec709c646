"""Reading documents (PDF reports, Word files, news items, web pages) and cutting them into chunks.

``files`` finds documents and names them, ``sniff`` judges a file by its bytes (``encoding`` tells
UTF-8 from UTF-16/32), ``pdf``, ``docx`` and ``news`` parse (PDF and Word only inside ``sandbox``
children; ``markdown`` reduces Markdown to text). For PDFs, ``pdf_layout`` adds what PDFium and
pdfplumber see (text boxes, images, ruled tables, page images), ``pdf_pages`` decides what each page's
text is, ``layout`` finds columns, ``ocr`` reads scanned pages and ``tables`` writes a table as rows that
carry their header. ``clean`` and ``headings`` tidy the text, ``reader`` turns a batch of paths into one
outcome per file, ``chunking`` cuts documents into passages.

The lowest layer: it never imports ``index``, ``bot`` or the UI.
"""
