"""What a batch's fork server imports once, so that every worker forked from it starts warm.

``reportgen build --jobs N`` starts its workers from a *fork server* (multiprocessing's
``forkserver``): one clean process, started at the beginning of the run while the main process
plans the jobs, imports the pipeline, the readers (pandas, openpyxl), python-docx and WeasyPrint
once; each worker is a fork of it and pays none of these imports again (and the collector leaves
what they made alone: ``gc.freeze``).  No font configuration,
thread or file is opened here: each worker makes its own FontConfiguration after the fork.
"""

from . import batch  # noqa: F401  (the batch and the pipeline's own module)
from ..read import load, tables  # noqa: F401  (the readers: pandas, openpyxl)
from ..derive import figures  # noqa: F401
from ..render import jinja, parse  # noqa: F401  (Jinja, markdown-it)
from ..check import consistency, provenance  # noqa: F401
from ..write import fonts  # noqa: F401  (fontTools)
from ..write import docx  # noqa: F401  (python-docx)
from ..write.weasyprint_tuning import import_weasyprint

import_weasyprint()

import weasyprint  # noqa: E402,F401
import weasyprint.pdf  # noqa: E402,F401
from ..write import flow, html  # noqa: E402,F401

# What the imports made lives as long as the process: moved out of the collector's sight, so the
# workers' full collections do not walk it again and again (and their forked pages stay shared).
import gc  # noqa: E402

gc.collect()
gc.freeze()
