"""Writers: the document model → DOCX (python-docx) and → HTML+CSS → PDF (WeasyPrint)."""
