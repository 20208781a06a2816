"""vaal_core: the thin library behind the VAAL book (Sinha, Ebrahimi & Darrell, ICCV 2019).

Modules, bottom to top: ``config`` and ``data``; ``models``, ``runtime``, ``task``, ``vaal``;
``strategies``; ``loop``; ``results``, ``plots``, ``reference``. Chapters import from here.
"""
__version__ = "0.1.0"

# Bumped whenever a change alters the numbers a run produces: it is part of every run's key, so rows
# computed by older code are never mixed with new ones (ARCHITECTURE.md §3).
RESULTS_VERSION = 3  # 2: random tie-breaks, VGG16 head order, training recipes; 3: no remainder batch
