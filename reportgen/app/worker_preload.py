"""What a batch's fork server imports once, so that every worker forked from it starts warm.

``reportgen build --jobs N`` starts its workers from a *fork server* (multiprocessing's
``forkserver``): one clean process, started at the beginning of the run while the main process
plans the jobs, imports the pipeline, the readers (pandas, openpyxl), python-docx and WeasyPrint
once; each worker is a fork of it and pays none of these imports again.  No font configuration,
thread or file is opened here: each worker makes its own FontConfiguration after the fork.
"""

from . import batch  # noqa: F401  (the pipeline, readers, derive, render)
from ..read import tables  # noqa: F401  (pandas, openpyxl)
from ..write import docx  # noqa: F401  (python-docx)
from ..write.weasyprint_tuning import import_weasyprint

import_weasyprint()

import weasyprint  # noqa: E402,F401
import weasyprint.pdf  # noqa: E402,F401
from ..write import flow, html  # noqa: E402,F401
